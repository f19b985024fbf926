"""Reads a request to speak from an e-mail's subject and text. Pure: no I/O.

Two ways in, combined (a form field wins over what is read from the prose):

* the structured form the replies explain, one `Field: value` per line:

      Meeting: ga-r2p-2017
      Delegation: Ireland
      Speaker: H.E. Mr. Brendan Ward
      Title: Deputy Permanent Representative
      Level: head of delegation
      Category: member state
      On behalf of: the Group of Friends of the Responsibility to Protect
      Contact: ireland@un.example, pr.ireland@un.example

* plain language, as delegations write to the General Assembly Affairs Branch:

      The Permanent Mission of Ireland ... requests that H.E. Mr. Brendan Ward, Deputy Permanent
      Representative, be inscribed on the list of speakers for the informal interactive dialogue ...
      on behalf of the Group of Friends ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from pydantic import EmailStr, TypeAdapter, ValidationError

from services.contracts import Category, Level

_EMAIL = TypeAdapter(EmailStr)
MAX_FIELD = 200

# Form field names (lower case, spaces for dashes and underscores) -> field.
FORM_FIELDS = {
    "meeting": "meeting",
    "meeting id": "meeting",
    "delegation": "delegation",
    "country": "delegation",
    "speaker": "speaker_name",
    "speaker name": "speaker_name",
    "name of speaker": "speaker_name",
    "title": "speaker_title",
    "speaker title": "speaker_title",
    "speaker's title": "speaker_title",
    "function": "speaker_title",
    "level": "level",
    "level of representation": "level",
    "category": "category",
    "on behalf of": "on_behalf_of",
    "contact": "contact_emails",
    "contacts": "contact_emails",
    "contact e mail": "contact_emails",
    "contact e mails": "contact_emails",
    "contact email": "contact_emails",
    "contact emails": "contact_emails",
}

LEVEL_WORDS = {
    "head of state or government": Level.head_of_state_or_government,
    "head of state": Level.head_of_state_or_government,
    "head of government": Level.head_of_state_or_government,
    "minister": Level.minister,
    "vice minister": Level.vice_minister,
    "deputy minister": Level.vice_minister,
    "head of delegation": Level.head_of_delegation,
    "other": Level.other,
}
LEVEL_CHOICES = ["head of state or government", "minister", "vice-minister", "head of delegation", "other"]

CATEGORY_WORDS = {
    "member state": Category.member_state,
    "group": Category.group,
    "group of states": Category.group,
    "observer state": Category.observer_state,
    "observer entity": Category.observer_entity,
    "un entity": Category.un_entity_or_igo,
    "igo": Category.un_entity_or_igo,
    "un entity or igo": Category.un_entity_or_igo,
    "intergovernmental organization": Category.un_entity_or_igo,
    "intergovernmental organisation": Category.un_entity_or_igo,
    "civil society": Category.civil_society,
    "ngo": Category.civil_society,
}
CATEGORY_CHOICES = ["member state", "group", "observer state", "observer entity", "UN entity or IGO", "civil society"]

# Titles that tell the level of representation, most specific first (deputy before minister...).
_TITLE_LEVELS: list[tuple[re.Pattern, Level]] = [
    (re.compile(p, re.I), level)
    for p, level in [
        (r"\bdeputy prime minister\b", Level.minister),
        (r"\b(?:vice[- ]?minister|deputy minister|minister of state|state secretary|secretary of state)\b",
         Level.vice_minister),
        (r"\b(?:head of state|head of government|prime minister|vice[- ]president|crown prince(?:ss)?|"
         r"king|queen|emir|president of the (?:republic|federation|state|government|confederation))\b",
         Level.head_of_state_or_government),
        (r"\bminister\b", Level.minister),
        (r"\b(?:head of (?:the )?delegation|permanent representative|permanent observer|ambassador|"
         r"charg[ée] d'affaires)\b", Level.head_of_delegation),
    ]
]  # fmt: skip

_HONORIFIC = (
    r"(?:(?:H\.\s?E\.|S\.\s?E\.|His Excellency|Her Excellency|His Majesty|Her Majesty|His Royal Highness|"
    r"Her Royal Highness|H\.\s?R\.\s?H\.)\s+)?"
    r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Ambassador|Sir|Dame|Mme|Madame|Monsieur|Sheikh|Sheikha|Prince|"
    r"Princess|Senator|Judge)\.?\s+)"
)
_EXCELLENCY_ONLY = r"(?:(?:H\.\s?E\.|His Excellency|Her Excellency)\s+)"
_NAME_WORD = (
    r"(?:[A-ZÀ-ÖØ-Þ]\.(?!\w)|[A-ZÀ-ÖØ-Þ][\w'’-]*|(?:de|da|del|della|der|den|van|von|al|el|bin|ibn|bint|la|le|du|"
    r"dos|das)\b)"
)
_NAME = re.compile(
    rf"(?P<name>(?:{_HONORIFIC}|{_EXCELLENCY_ONLY}){_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,6}})"
    r"(?:[ \t]*,[ \t]*(?P<title>[^\n.;(),]{2,200}))?"
)
_SPEAKING_WORDS = re.compile(
    r"\b(?:inscri\w*|list of speakers|speak\w*|statement|deliver\w*|represented by|take the floor|intervention)\b",
    re.I,
)
_SALUTATION = re.compile(r"^\s*(?:dear|to|attn|attention|cc)\b", re.I)
_ON_BEHALF = re.compile(r"\bon behalf of\s+(?P<who>[^.,;:\n()]{2,200})", re.I)
_ON_BEHALF_STOP = re.compile(r"\s+(?:at|during|in|on|for|to|which|who|and will|will)\s+the\b.*$|\s+will\b.*$", re.I)
_OWN_SIDE = re.compile(r"^(?:my|our|his|her|its|their)\b|^(?:the\s+)?(?:government|permanent mission|mission|"
                       r"delegation)\s+of\b", re.I)  # fmt: skip
_MISSION = re.compile(
    r"\b(?:permanent (?:observer )?mission|delegation|mission)\s+of\s+(?:the\s+)?"
    r"(?P<who>[A-ZÀ-ÖØ-Þ][\w'’-]*(?:[ \t]+(?:of|and|the|[A-ZÀ-ÖØ-Þ][\w'’()-]*)){0,8})"
)
_MISSION_TAIL = re.compile(r"(?:\s+(?:to|at|in|of|and|the))+$")
_QUOTE_HEADER = re.compile(r"^\s*(?:on\b.{0,200}\bwrote:|-{2,}\s*original message\s*-{2,}|from:\s.*@.*)\s*$", re.I)


@dataclass
class FieldProblem:
    field: str
    message: str


@dataclass
class MailRequest:
    """What an e-mail asks for: every field None (or empty) where the mail does not say."""

    meeting: str | None = None
    delegation: str | None = None  # named in the form
    # Delegations the prose names: "the Permanent Mission of X", or a known delegation's name.
    delegation_hints: list[str] = field(default_factory=list)
    category: Category | None = None
    level: Level | None = None
    speaker_name: str = ""
    speaker_title: str = ""
    on_behalf_of: str | None = None
    contact_emails: list[str] = field(default_factory=list)
    used_form: bool = False
    problems: list[FieldProblem] = field(default_factory=list)


def _normalise(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().lower()).strip(" .:*")


def _clip(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" \t,;.")[:MAX_FIELD]


def html_to_text(html: str) -> str:
    """The text of an HTML body (for mail sent without a plain-text part)."""

    class _Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self._skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style", "head"):
                self._skip += 1
            elif tag in ("br", "p", "div", "tr", "li", "h1", "h2", "h3", "table"):
                self.parts.append("\n")

        def handle_endtag(self, tag):
            if tag in ("script", "style", "head"):
                self._skip = max(0, self._skip - 1)
            elif tag in ("p", "div", "tr", "li"):
                self.parts.append("\n")

        def handle_data(self, data):
            if not self._skip:
                self.parts.append(data)

    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts))


def own_text(body: str) -> str:
    """The sender's own words: quoted replies, forwarded originals and the signature cut off."""
    lines: list[str] = []
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.rstrip() == "--":  # the signature delimiter, "-- "
            break
        if lines and _QUOTE_HEADER.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append(line)
    return "\n".join(lines).strip()


def level_from_title(text: str) -> Level | None:
    for pattern, level in _TITLE_LEVELS:
        if pattern.search(text):
            return level
    return None


def _choice(value: str, words: dict, choices: list[str], field_name: str, problems: list[FieldProblem]):
    found = words.get(_normalise(value).replace("'", ""))
    if found is None:
        for enum_value in {v.value for v in words.values()}:
            if _normalise(value) == _normalise(enum_value):
                return next(v for v in words.values() if v.value == enum_value)
        problems.append(FieldProblem(field_name, f"{value!r} is not one of: {', '.join(choices)}"))
    return found


def _form(text: str, request: MailRequest) -> None:
    for line in text.split("\n"):
        match = re.match(r"^\s*[*\-•]?\s*([A-Za-z][A-Za-z' _-]{1,30}?)\s*:\s*(.*)$", line)
        if not match:
            continue
        name = FORM_FIELDS.get(_normalise(match.group(1)))
        value = match.group(2).strip()
        if name is None:
            continue
        request.used_form = True
        if not value or (value.startswith("<") and value.endswith(">") and "@" not in value):
            continue  # left empty, or the form's placeholder left as it was
        if len(value) > MAX_FIELD:
            request.problems.append(FieldProblem(name, f"is {len(value)} characters long; at most {MAX_FIELD}"))
            continue
        match name:
            case "level":
                request.level = _choice(value, LEVEL_WORDS, LEVEL_CHOICES, "level", request.problems)
            case "category":
                request.category = _choice(value, CATEGORY_WORDS, CATEGORY_CHOICES, "category", request.problems)
            case "contact_emails":
                for address in re.split(r"[,;\s]+", value):
                    if not address:
                        continue
                    try:
                        request.contact_emails.append(_EMAIL.validate_python(address.strip("<>")))
                    except ValidationError:
                        request.problems.append(FieldProblem("contact", f"{address!r} is not an e-mail address"))
            case "on_behalf_of":
                if _normalise(value) not in ("", "none", "n/a", "na", "no", "-"):
                    request.on_behalf_of = _clip(value)
            case _:
                setattr(request, name, _clip(value))


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()]


def _speaker(text: str) -> tuple[str, str] | None:
    """The speaker's name and title, from the first paragraph that talks about speaking (not a salutation)."""
    for paragraph in _paragraphs(text):
        if not _SPEAKING_WORDS.search(paragraph):
            continue
        joined = " ".join(line.strip() for line in paragraph.split("\n") if not _SALUTATION.match(line))
        for match in _NAME.finditer(joined):
            name = _clip(match.group("name"))
            if len(name.split()) >= 2:
                return name, _clip(_title_only(match.group("title") or ""))
    return None


def _title_only(title: str) -> str:
    # "Deputy Permanent Representative of Ireland, will deliver ..." -> the title alone
    return re.split(r"\s+(?:will|would|shall|to be|be|is|who)\b", title, maxsplit=1, flags=re.I)[0]


def _on_behalf_of(text: str) -> str | None:
    unwrapped = "\n\n".join(" ".join(p.split()) for p in _paragraphs(text))
    for match in _ON_BEHALF.finditer(unwrapped):
        who = _ON_BEHALF_STOP.sub("", match.group("who").strip())
        if _OWN_SIDE.match(who):
            continue
        who = re.sub(r"^the\s+", "", who, flags=re.I)
        if len(who) >= 2:
            return _clip(who)
    return None


def _mentions(text: str, names: list[str]) -> list[str]:
    found = []
    for name in names:
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I):
            found.append(name)
    return found


def parse_request(
    subject: str, body: str, *, meeting_ids: list[str] = (), delegations: list[str] = ()
) -> MailRequest:
    """Reads the request. `meeting_ids` and `delegations` are the names known, to recognise in the prose."""
    text = own_text(body)
    request = MailRequest()
    _form(text, request)
    prose = f"{subject}\n\n{text}"

    if request.meeting is None:
        for meeting_id in meeting_ids:
            if re.search(rf"(?<![\w-]){re.escape(meeting_id)}(?![\w-])", prose, re.I):
                request.meeting = meeting_id
                break
    hints = [_clip(_MISSION_TAIL.sub("", m.group("who"))) for m in _MISSION.finditer(text)]
    request.delegation_hints = list(dict.fromkeys(hints + _mentions(prose, list(delegations))))
    if not request.speaker_name:
        found = _speaker(text)
        if found:
            request.speaker_name, title = found
            request.speaker_title = request.speaker_title or title
    if request.level is None:
        request.level = level_from_title(request.speaker_title) if request.speaker_title else None
    if request.on_behalf_of is None and not request.used_form:
        request.on_behalf_of = _on_behalf_of(text)
    if request.category is None and request.on_behalf_of:
        request.category = Category.group
    return request
