"""What an e-mail request becomes: an inscription for one delegation at one meeting, or a refusal. Pure."""

from services.contracts import Category, Level
from services.registration.intake.decision import MeetingInfo, Refusal, Registration, decide
from services.registration.intake.parsing import MailRequest, parse_request

R2P = MeetingInfo(
    "ga-r2p-2017",
    "R2P dialogue",
    delegation_addresses={"Ireland": ["Ireland@UN.example"], "Ghana": ["ghana@un.example", "shared@un.example"],
                          "Togo": ["shared@un.example"]},
)  # fmt: skip
HRC = MeetingInfo("hrc-54", "Human Rights Council", delegation_addresses={"Brazil": ["brazil@un.example"]})


def test_a_registered_address_inscribes_its_delegation():
    decision = decide(MailRequest(speaker_name="H.E. Mr. Brendan Ward"), sender="ireland@un.example", meetings=[R2P])
    assert decision == Registration(
        meeting_id="ga-r2p-2017", delegation="Ireland", category=Category.member_state, level=Level.other,
        speaker_name="H.E. Mr. Brendan Ward", speaker_title="", on_behalf_of=None,
        contact_emails=["ireland@un.example"],
    )  # fmt: skip


def test_an_unknown_sender_is_refused_with_how_to_fix_it():
    decision = decide(MailRequest(), sender="someone@example.org", meetings=[R2P])
    assert isinstance(decision, Refusal) and decision.kind == "unknown_sender"
    assert "someone@example.org" in decision.reasons[0] and "secretariat" in decision.reasons[0]


def test_credentials_file_addresses_count_for_every_meeting():
    decision = decide(MailRequest(), sender="other@brazil.example", meetings=[R2P], by_credentials={"Brazil"})
    assert isinstance(decision, Registration) and decision.delegation == "Brazil"


def test_a_delegation_cannot_register_another():
    decision = decide(MailRequest(delegation="Ghana"), sender="ireland@un.example", meetings=[R2P])
    assert isinstance(decision, Refusal) and decision.kind == "invalid"
    assert "Ireland" in decision.reasons[0] and "Ghana" in decision.reasons[0]


def test_a_shared_address_must_say_which_delegation():
    decision = decide(MailRequest(), sender="shared@un.example", meetings=[R2P])
    assert isinstance(decision, Refusal) and "Delegation:" in decision.reasons[0]
    decision = decide(MailRequest(delegation_hints=["Togo"]), sender="shared@un.example", meetings=[R2P])
    assert isinstance(decision, Registration) and decision.delegation == "Togo"
    decision = decide(MailRequest(delegation="togo"), sender="shared@un.example", meetings=[R2P])
    assert isinstance(decision, Registration) and decision.delegation == "Togo"


def test_the_meeting_is_told_by_the_form_the_recipient_tag_or_the_senders_registration():
    assert decide(MailRequest(), sender="brazil@un.example", meetings=[R2P, HRC]).meeting_id == "hrc-54"
    assert decide(MailRequest(meeting="HRC-54"), sender="brazil@un.example", meetings=[R2P, HRC]).meeting_id == "hrc-54"
    tagged = decide(MailRequest(), sender="brazil@un.example", meetings=[R2P, HRC], by_credentials={"Brazil"},
                    tag="ga-r2p-2017")  # fmt: skip
    assert tagged.meeting_id == "ga-r2p-2017"


def test_an_unknown_or_ambiguous_meeting_is_refused_with_the_list_of_meetings():
    unknown = decide(MailRequest(meeting="nope"), sender="ireland@un.example", meetings=[R2P, HRC])
    assert isinstance(unknown, Refusal) and unknown.kind == "no_meeting"
    assert "ga-r2p-2017 (R2P dialogue)" in unknown.reasons[0]
    ambiguous = decide(MailRequest(), sender="x@un.example", meetings=[R2P, HRC], by_credentials={"Ghana"})
    assert isinstance(ambiguous, Refusal) and "Meeting:" in ambiguous.reasons[0]
    concluded = MeetingInfo("old", "Old", status="concluded", delegation_addresses={"Ireland": ["ireland@un.example"]})
    assert decide(MailRequest(), sender="ireland@un.example", meetings=[concluded, R2P]).meeting_id == "ga-r2p-2017"


def test_form_problems_are_all_reported():
    request = parse_request("", "Level: supreme\nCategory: alien\n", meeting_ids=[], delegations=[])
    decision = decide(request, sender="ireland@un.example", meetings=[R2P])
    assert isinstance(decision, Refusal) and len(decision.reasons) == 2


def test_on_behalf_of_itself_is_its_own_statement_and_contacts_are_kept():
    request = MailRequest(on_behalf_of="Ireland", category=Category.group, contact_emails=["PR@un.example"])
    decision = decide(request, sender="ireland@un.example", meetings=[R2P])
    assert decision.on_behalf_of is None and decision.category == Category.member_state
    assert decision.contact_emails == ["ireland@un.example", "pr@un.example"]


def test_a_group_statement_keeps_its_group():
    request = MailRequest(on_behalf_of="Group of Friends of R2P", category=Category.group)
    decision = decide(request, sender="ghana@un.example", meetings=[R2P])
    assert (decision.delegation, decision.category, decision.on_behalf_of) == (
        "Ghana", Category.group, "Group of Friends of R2P"
    )  # fmt: skip
