"""Which e-mails each event triggers, with which key, and that none is planned twice."""

from dataclasses import replace

from services.notifier.mail.plan import addresses, plan
from services.notifier.mail.policy import MailPolicy
from services.notifier.view import apply, empty_view
from tests.unit.notifier.factory import MeetingScript


class Run:
    """Folds events and plans e-mails as the notifier does, keeping every e-mail planned."""

    def __init__(self, policy: MailPolicy | None = None):
        self.policy = policy or MailPolicy()
        self.view = None
        self.told = {}
        self.mails = []

    def feed(self, events):
        planned = []
        for event in events:
            self.view = self.view or empty_view(event.meeting_id)
            after = apply(self.view, event)
            self.told, intents = plan(self.view, after, self.told, event, self.policy)
            self.view = after
            planned += intents
        self.mails += planned
        return planned

    def kinds(self, mails=None):
        return [(m.kind, m.delegation) for m in (self.mails if mails is None else mails)]


def meeting(n: int = 6, **kwargs):
    m = MeetingScript(**kwargs)
    run = Run()
    run.feed(m.set_up() + m.open_floor())
    ids = []
    for i in range(n):
        events = m.inscribe(f"D{i}")
        ids.append(events[0].inscription.inscription_id)
        run.feed(events)
    return m, run, ids


def test_an_inscription_is_confirmed_with_its_place_and_estimated_time():
    m = MeetingScript()
    run = Run()
    run.feed(m.set_up())
    [mail] = run.feed(m.inscribe("Ireland", emails=["a@ie.example", "b@ie.example", "A@ie.example"])[:1])
    assert mail.kind == "confirmed" and mail.delegation == "Ireland"
    assert mail.key == f"confirmed:{mail.inscription_id}"
    assert mail.to == ("a@ie.example", "b@ie.example")  # the same address once
    assert mail.context["position"] == 1 and mail.context["estimated_at"]


def test_no_address_no_e_mail():
    m = MeetingScript()
    run = Run()
    run.feed(m.set_up())
    assert run.feed(m.inscribe("Ireland", emails=[])) == []


def test_a_refused_inscription_is_answered_with_the_reason():
    m = MeetingScript()
    run = Run()
    run.feed(m.set_up())
    [mail] = run.feed(m.reject("France", ["fr@example.org"]))
    assert mail.kind == "rejected" and mail.to == ("fr@example.org",)
    assert mail.context["reason"] == "The list of speakers is closed." and mail.context["reason_code"] == "list_closed"
    assert mail.key.startswith("rejected:")
    assert run.feed(m.reject("France", [])) == []  # nobody to tell


def test_the_normal_progress_of_the_list_is_not_news():
    m, run, ids = meeting(8)
    for _ in range(3):
        mails = run.feed(m.speak(170))
        assert "position_changed" not in [k for k, _ in run.kinds(mails)]


def test_being_pushed_back_materially_is_news_once():
    m, run, ids = meeting(8)
    # D1 moves down two places: not material (the setting is three)...
    assert "position_changed" not in [k for k, _ in run.kinds(run.feed(m.move(ids[1], 4)))]
    # ...two more make four: material, told once, against what it was last told.
    mails = [x for x in run.feed(m.move(ids[1], 6)) if x.kind == "position_changed"]
    assert [(x.delegation, x.context["position"], x.context["previous_position"]) for x in mails] == [("D1", 6, 2)]
    assert mails[0].key == f"position:{ids[1]}:{m.seq}"
    assert mails[0].context["later"] is True


def test_the_estimated_time_moving_ten_minutes_is_news():
    m, run, ids = meeting(8)
    m.advance(11 * 60)  # the meeting runs late: every estimate moves eleven minutes
    mails = [x for x in run.feed([m.list_changed("late")]) if x.kind == "position_changed"]
    assert len(mails) == 8


def test_a_speaker_absent_when_called_and_moved_down_is_told():
    m, run, ids = meeting(5)
    run.feed(m.call_next())
    mails = run.feed(m.absent())
    assert ("position_changed", "D0") in run.kinds(mails)
    [mail] = [x for x in mails if x.kind == "position_changed"]
    assert mail.context["returned"] is True and mail.context["position"] == 5


def test_due_soon_once_then_next_once():
    m, run, ids = meeting(8)
    due = [x.delegation for x in run.mails if x.kind == "due_soon"]
    assert due == []  # confirmations said it for those already near
    run.feed(m.speak(170))
    run.feed(m.speak(170))
    due = [x.delegation for x in run.mails if x.kind == "due_soon"]
    assert len(due) == len(set(due)) and due  # each at most once
    nexts = [x.delegation for x in run.mails if x.kind == "next"]
    assert nexts == ["D0", "D1", "D2"]
    mail = [x for x in run.mails if x.kind == "next"][-1]
    assert mail.key == f"next:{ids[2]}"
    # Being called after "you are next" brings nothing more for that speaker.
    run.feed(m.speak(170))
    assert [x.delegation for x in run.mails if x.kind == "next"].count("D2") == 1


def test_due_soon_says_how_many_minutes():
    m, run, ids = meeting(8)  # 200 s a speaker: the sixth and later are more than fifteen minutes away
    mails = run.feed(m.speak(60) + m.speak(60))
    due = [x for x in mails if x.kind == "due_soon"]
    assert due and all(1 <= x.context["minutes"] <= 15 for x in due)
    assert all(x.context["estimated_at"] for x in due)


def test_unlikely_to_be_reached_once_the_list_is_closed():
    m, run, ids = meeting(6)
    mails = run.feed(m.close(not_reached=ids[-2:]))
    assert sorted(x.delegation for x in mails if x.kind == "unlikely") == ["D4", "D5"]
    assert {x.key for x in mails if x.kind == "unlikely"} == {f"unlikely:{i}" for i in ids[-2:]}
    # New estimates saying the same thing tell nobody again.
    assert [x for x in run.feed([m.estimates()]) if x.kind == "unlikely"] == []


def test_not_while_the_list_is_open():
    m, run, ids = meeting(4)
    m.not_reached = ids[-1:]
    assert [x for x in run.feed([m.estimates(), m.list_changed("estimates")]) if x.kind == "unlikely"] == []


def test_the_record_of_each_statement_after_the_meeting():
    m, run, ids = meeting(4)
    run.feed(m.speak(170) + m.speak(200))
    mails = [x for x in run.feed(m.conclude()) if x.kind == "statement_record"]
    assert [x.delegation for x in mails] == ["D0", "D1"]
    [speech] = mails[1].context["speeches"]
    assert speech["duration_seconds"] == 200 and speech["overrun_seconds"] == 20
    assert mails[0].key == f"record:{ids[0]}"


def test_every_key_is_planned_at_most_once_over_a_whole_meeting():
    m, run, ids = meeting(10)
    run.feed(m.move(ids[5], 9) + m.speak(170) + m.call_next() + m.absent() + m.speak(190))
    run.feed(m.close(not_reached=ids[-3:]) + m.speak(250) + [m.estimates()] + m.speak(100) + m.conclude())
    keys = [x.key for x in run.mails]
    assert len(keys) == len(set(keys))
    kinds = {x.kind for x in run.mails}
    assert kinds >= {"confirmed", "position_changed", "due_soon", "next", "unlikely", "statement_record"}


def test_each_kind_can_be_switched_off():
    off = MailPolicy(confirmation=False, rejection=False, position_changed=False, due_soon=False, next=False,
                     unlikely=False, statement_record=False)  # fmt: skip
    m = MeetingScript()
    run = Run(off)
    run.feed(m.set_up() + m.open_floor())
    ids = []
    for i in range(5):
        run.feed(m.inscribe(f"D{i}"))
        ids.append(m.waiting[-1].inscription_id)
    run.feed(m.reject("X", ["x@example.org"]) + m.move(ids[0], 5) + m.speak(100) + m.close(ids[-1:]) + m.conclude())
    assert run.mails == []
    only_next = Run(replace(off, next=True))
    m = MeetingScript()
    only_next.feed(m.set_up() + m.open_floor() + m.inscribe("A") + m.inscribe("B") + m.speak(10))
    assert {x.kind for x in only_next.mails} == {"next"}


def test_addresses_are_cleaned():
    assert addresses(["a@x.org", " a@x.org ", "A@X.ORG", "bad", "", "c@x.org\r\nBcc: evil@x.org", "d@x.org"]) == (
        "a@x.org",
        "d@x.org",
    )
