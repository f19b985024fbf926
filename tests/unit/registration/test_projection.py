"""What each queue event changes in the registration service's records. Pure."""

from datetime import UTC, datetime

from services.contracts import (
    Category,
    CommandRejected,
    Inscription,
    InscriptionAccepted,
    Level,
    ListChanged,
    ListEntry,
    SpeakerAbsent,
    SpeakerCalled,
)
from services.registration.projection import (
    PLACE_FIELDS,
    RejectInscription,
    ReplaceWaiting,
    UpdateCommand,
    UpdateInscription,
    UpdateMeeting,
    project,
)

T = datetime(2017, 9, 6, 14, 0, tzinfo=UTC)
IRELAND = Inscription(inscription_id="i1", delegation="Ireland", category=Category.member_state, level=Level.other,
                      inscribed_at=T)  # fmt: skip


def test_an_accepted_inscription_gets_its_place_and_its_command_is_applied():
    changes = project(InscriptionAccepted(meeting_id="m", seq=2, occurred_at=T, command_id="c1", inscription=IRELAND,
                                          position=3, estimated_at=T))  # fmt: skip
    update, command = changes
    assert isinstance(update, UpdateInscription) and update.inscription_id == "i1"
    assert update.fields["status"] == "accepted" and update.fields["position"] == "3"
    assert update.fields["estimated_at"] == T.isoformat() and update.fields["delegation"] == "Ireland"
    assert command == UpdateCommand("c1", {"status": "applied"})


def test_the_list_keeps_positions_current():
    event = ListChanged(meeting_id="m", seq=3, occurred_at=T, version=2, reason="inscribed", closed=True,
                        speakers=[ListEntry(position=1, inscription=IRELAND, likely_reached=False)])  # fmt: skip
    update, waiting, meeting = project(event)
    assert update.fields["position"] == "1" and update.fields["likely_reached"] == "0"
    assert update.clear == ("estimated_at",)
    assert waiting == ReplaceWaiting(("i1",))
    assert meeting == UpdateMeeting({"closed": "1", "list_version": "2", "waiting": "1"})


def test_a_refused_inscription_is_rejected_with_the_reason_but_a_duplicate_id_is_not():
    refused = CommandRejected(meeting_id="m", seq=4, occurred_at=T, command_id="c2", command_type="InscribeSpeaker",
                              reason_code="list_closed", reason="The list of speakers is closed.")  # fmt: skip
    command, inscription = project(refused)
    assert command.fields["status"] == "rejected" and command.fields["reason_code"] == "list_closed"
    assert isinstance(inscription, RejectInscription) and inscription.inscription_id is None  # found via c2
    assert inscription.fields["reason"] == "The list of speakers is closed."
    duplicate = refused.model_copy(update={"reason_code": "duplicate_inscription_id", "inscription_id": "i1"})
    assert [type(c) for c in project(duplicate)] == [UpdateCommand]
    floor = refused.model_copy(update={"command_type": "CallNextSpeaker", "reason_code": "list_empty"})
    assert [type(c) for c in project(floor)] == [UpdateCommand]


def test_called_and_absent():
    called, meeting = project(SpeakerCalled(meeting_id="m", seq=5, occurred_at=T, inscription=IRELAND,
                                            limit_seconds=180))  # fmt: skip
    assert called.fields["status"] == "called" and called.clear == PLACE_FIELDS
    dropped, _ = project(SpeakerAbsent(meeting_id="m", seq=6, occurred_at=T, inscription_id="i1", action="dropped",
                                       new_position=None))  # fmt: skip
    assert dropped.fields["status"] == "dropped"
    moved, _ = project(SpeakerAbsent(meeting_id="m", seq=7, occurred_at=T, inscription_id="i1",
                                     action="end_of_list", new_position=9))  # fmt: skip
    assert moved.fields == {"status": "accepted", "position": "9"}
