"""Which e-mails the notifier sends, and when: the settings of services/notifier/mail/plan.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MailPolicy:
    confirmation: bool = True  # inscription confirmed, with position and estimated time
    rejection: bool = True  # inscription refused by the list of speakers, with the reason
    position_changed: bool = True
    # A change is material when the speaker has been pushed back (or moved up) by this many places beyond the
    # normal progress of the list, or when the estimated time moved by this many minutes (0: not a criterion).
    position_change_places: int = 3
    position_change_minutes: int = 10
    due_soon: bool = True  # "you are due in about N minutes"
    due_soon_minutes: int = 15
    next: bool = True  # "you are next"
    unlikely: bool = True  # the list is closed and you are unlikely to be reached
    statement_record: bool = True  # after the meeting: the record of your statement
