"""Reading a request to speak from an e-mail: the structured form and plain language. Pure, no I/O."""

from services.contracts import Category, Level
from services.registration.intake.parsing import html_to_text, level_from_title, own_text, parse_request

MEETINGS = ["ga-r2p-2017", "hrc-54"]
DELEGATIONS = ["Ireland", "Ghana", "Brazil", "United Kingdom of Great Britain and Northern Ireland"]

NOTE_VERBALE = """Dear Sir/Madam,

The Permanent Mission of Ireland to the United Nations presents its compliments to the General
Assembly Affairs Branch and has the honour to request that H.E. Mr. Brendan Ward, Deputy Permanent
Representative, be inscribed on the list of speakers for the informal interactive dialogue on the
Responsibility to Protect on 6 September 2017.

The Permanent Mission of Ireland avails itself of this opportunity to renew the assurances of its
highest consideration.

Best regards,
Ms. Jane Doe
Third Secretary
"""


def parse(body: str, subject: str = ""):
    return parse_request(subject, body, meeting_ids=MEETINGS, delegations=DELEGATIONS)


def test_a_note_verbale_gives_the_delegation_speaker_title_and_level():
    request = parse(NOTE_VERBALE, subject="Inscription: R2P dialogue")
    assert request.delegation is None  # no form: the prose only hints
    assert request.delegation_hints == ["Ireland"]
    assert request.speaker_name == "H.E. Mr. Brendan Ward"
    assert request.speaker_title == "Deputy Permanent Representative"
    assert request.level == Level.head_of_delegation
    assert request.on_behalf_of is None and request.category is None
    assert not request.problems and not request.used_form


def test_the_signer_and_the_addressee_are_not_taken_for_the_speaker():
    request = parse("Dear Mr. Smith,\n\nIreland asks to be inscribed on the list of speakers.\n\nMs. Jane Doe\n")
    assert request.speaker_name == ""


def test_a_statement_on_behalf_of_a_group_wrapped_over_lines():
    request = parse(
        "Dear colleagues,\n\nGhana would like to inscribe on the list of speakers. The statement will be delivered by\n"
        "H.E. Ms. Martha Ama Akyaa Pobee, Permanent Representative of Ghana, on behalf of the Group of Friends\n"
        "of the Responsibility to Protect.\n\nThank you\n-- \nPermanent Mission of Brazil\n"
    )
    assert request.speaker_name == "H.E. Ms. Martha Ama Akyaa Pobee"
    assert request.speaker_title == "Permanent Representative of Ghana"
    assert request.on_behalf_of == "Group of Friends of the Responsibility to Protect"
    assert request.category == Category.group
    assert request.delegation_hints == ["Ghana"]  # the signature (after "-- ") is not read


def test_on_behalf_of_ones_own_government_is_not_a_group():
    request = parse("On behalf of my delegation, I request that Ireland be inscribed on the list of speakers.")
    assert request.on_behalf_of is None
    request = parse("On behalf of the Government of Ireland, we ask to speak at the dialogue.")
    assert request.on_behalf_of is None


def test_a_minister_and_a_meeting_id_in_the_text():
    request = parse(
        "Please inscribe His Excellency Simon Coveney, Minister for Foreign Affairs and Trade, to speak at ga-r2p-2017."
    )
    assert request.meeting == "ga-r2p-2017"
    assert request.speaker_name == "His Excellency Simon Coveney"
    assert request.level == Level.minister


def test_levels_read_from_titles():
    assert level_from_title("Prime Minister") == Level.head_of_state_or_government
    assert level_from_title("Deputy Prime Minister and Minister for Foreign Affairs") == Level.minister
    assert level_from_title("Vice-Minister of Foreign Affairs") == Level.vice_minister
    assert level_from_title("Minister of State for Development") == Level.vice_minister
    assert level_from_title("Vice-President of the Republic") == Level.head_of_state_or_government
    assert level_from_title("Permanent Representative") == Level.head_of_delegation
    assert level_from_title("Chargé d'affaires a.i.") == Level.head_of_delegation
    assert level_from_title("Counsellor") is None


def test_the_structured_form_wins_and_quoted_text_is_ignored():
    request = parse(
        "Meeting: ga-r2p-2017\nDelegation: Brazil\nSpeaker: H.E. Mr. Mauro Vieira\n"
        "Title: Minister for Foreign Affairs\n"
        "Level: Minister\nCategory: member-state\nOn behalf of: none\nContact: brazil@un.example; x@y.org\n\n"
        "On Tue, 5 Sep 2017, Rostrum wrote:\n> Delegation: France\n> Level: other\n"
    )
    assert request.used_form
    assert (request.meeting, request.delegation) == ("ga-r2p-2017", "Brazil")
    assert request.speaker_name == "H.E. Mr. Mauro Vieira"
    assert request.speaker_title == "Minister for Foreign Affairs"
    assert (request.level, request.category) == (Level.minister, Category.member_state)
    assert request.on_behalf_of is None
    assert request.contact_emails == ["brazil@un.example", "x@y.org"]
    assert not request.problems


def test_form_values_accept_the_enum_spellings_and_synonyms():
    request = parse("Level: head_of_state_or_government\nCategory: NGO\n")
    assert (request.level, request.category) == (Level.head_of_state_or_government, Category.civil_society)
    request = parse("Level: Head of Government\nCategory: UN entity or IGO\n")
    assert (request.level, request.category) == (Level.head_of_state_or_government, Category.un_entity_or_igo)


def test_every_bad_form_field_is_named_with_what_is_allowed():
    request = parse("Delegation: Brazil\nLevel: supreme leader\nCategory: alien\nContact: not-an-email\n")
    problems = {p.field: p.message for p in request.problems}
    assert set(problems) == {"level", "category", "contact"}
    assert "head of delegation" in problems["level"] and "supreme leader" in problems["level"]
    assert "civil society" in problems["category"]
    assert "not-an-email" in problems["contact"]


def test_an_over_long_form_value_is_refused():
    request = parse("Speaker: " + "A" * 300)
    assert request.problems[0].field == "speaker_name"
    assert request.speaker_name == ""


def test_a_long_delegation_name_in_a_mission_phrase():
    request = parse(
        "The Permanent Mission of the United Kingdom of Great Britain and Northern Ireland to the United Nations "
        "asks to speak."
    )
    assert "United Kingdom of Great Britain and Northern Ireland" in request.delegation_hints


def test_html_mail_is_read_as_text():
    text = html_to_text("<html><head><style>p{}</style></head><body><p>Delegation: Ghana</p><p>Level: minister</p>")
    request = parse(text)
    assert (request.delegation, request.level) == ("Ghana", Level.minister)


def test_own_text_drops_quotes_and_signature():
    assert own_text("Hello\r\n> quoted\r\nmore\r\n-- \r\nsig") == "Hello\nmore"
    assert own_text("Mine\n-----Original Message-----\nTheirs") == "Mine"


def test_garbage_gives_nothing_and_never_fails():
    for body in ("", "\x00\x01\x02", "::::\n:\n: :", "Level:" * 1000, "Mr. " * 5000, "é" * 20000):
        request = parse(body)
        assert request.delegation is None or isinstance(request.delegation, str)


def test_the_forms_placeholders_left_in_are_ignored():
    request = parse("Delegation: <your delegation, e.g. Ireland>\nSpeaker: Mr. John Smith\nContact: <x@y.org>\n")
    assert request.delegation is None and request.speaker_name == "Mr. John Smith"
    assert request.contact_emails == ["x@y.org"] and not request.problems
