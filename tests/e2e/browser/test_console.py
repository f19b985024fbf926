"""The operator console (GET /console/{id} on the registration service) in headless Chromium.

Against the three services as processes: each test sets up its own meeting on a simulated clock whose
floor is open, signs in as the chair or the secretariat and drives the page as they would (buttons,
keyboard shortcuts, drag and drop). Every action must show on the live list, and every refusal (by the
API at once, or by the list of speakers a moment later) must show in plain words.
Screenshots go to var/test-artifacts/."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.meetings import setup_2017, simulated_clock, speakers_2017
from tests.support.stack import Stack, wait_for

pytestmark = pytest.mark.timeout(120)

FLOOR_OPENS = "2017-09-06T10:50:00-04:00"
SOON = 10_000  # ms: a command goes through Kafka, the queue and the notifier back to the page
VIEWPORT = {"width": 1440, "height": 1000}


STACK_ENV = {"ROSTRUM_INTAKE_ENABLED": "false"}


class Meeting:
    def __init__(self, stack: Stack, starts_at: str = FLOOR_OPENS, inscribe: int = 0):
        self.stack = stack
        self.id = f"console-{uuid.uuid4().hex[:10]}"
        self.registration, self.notifier = stack["registration"].url, stack["notifier"].url
        self.http = httpx.Client(base_url=self.registration, timeout=10)
        tokens = stack.tokens
        self.secretariat, self.chair = tokens.header(tokens.secretariat), tokens.header(tokens.chair)
        setup = setup_2017(clock=simulated_clock(starts_at, 1))
        r = self.http.post(
            "/v1/meetings",
            json={"meeting_id": self.id, "setup": setup.model_dump(mode="json")},
            headers=self.secretariat,
        )
        assert r.status_code == 202, r.text
        self.speakers = speakers_2017()[:inscribe]
        for speaker in self.speakers:
            r = self.http.post(f"/v1/meetings/{self.id}/inscriptions", json=speaker, headers=self.secretariat)
            assert r.status_code == 202, r.text
        wait_for(
            lambda: len(self.rolling_list()) == inscribe if inscribe else self.rolling_list() is not None,
            timeout=20,
            what="the speakers on the notifier's list",
        )

    def rolling_list(self) -> list[dict] | None:
        r = httpx.get(f"{self.notifier}/v1/meetings/{self.id}/list", timeout=5)
        return r.json()["speakers"] if r.status_code == 200 else None

    def floor(self, action: str) -> None:
        r = self.http.post(f"/v1/meetings/{self.id}/floor/{action}", headers=self.chair)
        assert r.status_code == 202, r.text

    @property
    def url(self) -> str:
        return f"{self.registration}/console/{self.id}"


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"the page raised: {errors}"


def sign_in(page: Page, meeting: Meeting, token: str) -> None:
    page.goto(meeting.url)
    page.fill("#token", token)
    page.click("#sign-in")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#chip-live")).to_have_text("Live", timeout=SOON)


def delegations(page: Page) -> list[str]:
    return page.locator("#speakers-body tr").evaluate_all("rows => rows.map(r => r.dataset.delegation)")


def refused(page: Page, text: str | re.Pattern) -> None:
    expect(page.locator(".notice-error .notice-text").filter(has_text=text).first).to_be_visible(timeout=SOON)


def test_a_credential_that_is_not_known_or_not_an_operators_is_refused_in_plain_words(page, stack):
    meeting = Meeting(stack)
    page.goto(meeting.url)
    page.fill("#token", "not-a-token")
    page.click("#sign-in")
    expect(page.locator("#login-error")).to_have_text("This token is not known here.")
    expect(page.locator("#app")).to_be_hidden()

    page.fill("#token", stack.tokens.delegation("Ireland"))
    page.click("#sign-in")
    expect(page.locator("#login-error")).to_contain_text(
        "The console is for the secretariat and the chair; this credential is for the delegation of Ireland."
    )
    assert page.evaluate("sessionStorage.length") == 0  # nothing kept of a refused credential


def test_the_chair_runs_the_floor_with_the_buttons_and_the_keyboard(page, stack, artifacts):
    meeting = Meeting(stack, inscribe=3)
    first, second, third = (s["delegation"] for s in meeting.speakers)
    sign_in(page, meeting, stack.tokens.chair)
    expect(page.locator("#who")).to_have_text("Chair")
    expect(page.locator("#add-card")).to_be_hidden()  # adding and reordering are the secretariat's
    expect(page.locator("#speakers-body tr[draggable]")).to_have_count(0)
    assert delegations(page) == [first, second, third]

    state, clock, countdown = page.locator("#floor-state"), page.locator("#countdown-value"), page.locator("#countdown")
    page.get_by_role("button", name="Start S").click()  # nobody called yet: the list of speakers refuses
    refused(page, "Start the clock: No speaker has been called; call the next speaker first.")

    page.keyboard.press("n")
    expect(page.locator("#floor-delegation")).to_have_text(first, timeout=SOON)
    expect(state).to_have_text(re.compile("^Called"))
    expect(clock).to_have_text("3:00")
    expect(page.locator("#floor-next")).to_have_text(f"Next: {second}, then {third}")

    page.keyboard.press("s")
    expect(state).to_have_text("Speaking", timeout=SOON)
    expect(countdown).to_have_attribute("data-state", "running")
    expect(clock).to_have_text(re.compile(r"^2:5\d$"), timeout=5000)  # counting down

    page.get_by_role("button", name="Pause P").click()
    expect(state).to_have_text("Paused", timeout=SOON)
    paused_at = clock.text_content()
    page.wait_for_timeout(1200)
    assert clock.text_content() == paused_at  # a pause never costs the speaker time

    page.keyboard.press("p")  # P resumes a paused speech
    expect(state).to_have_text("Speaking", timeout=SOON)
    page.keyboard.press("x")
    expect(page.locator("#countdown-label")).to_have_text("remaining · extended +0:30", timeout=SOON)
    page.select_option("#extend-seconds", "60")
    page.get_by_role("button", name="Extend X").click()
    expect(page.locator("#countdown-label")).to_have_text("remaining · extended +1:30", timeout=SOON)
    expect(clock).to_have_text(re.compile(r"^4:\d\d$"))
    page.screenshot(path=artifacts / "console-chair-speaking.png")

    page.get_by_role("button", name="End E").click()
    expect(state).to_have_text("No speaker called", timeout=SOON)
    expect(page.locator("#floor-delegation")).to_have_text("—")

    page.get_by_role("button", name="Call next N").click()
    expect(page.locator("#floor-delegation")).to_have_text(second, timeout=SOON)
    page.keyboard.press("a")  # absent: this meeting moves the speaker to the end of the list
    expect(state).to_have_text("No speaker called", timeout=SOON)
    expect(page.locator("#speakers-body tr")).to_have_count(2)
    expect(page.locator("#speakers-body tr").first).to_have_attribute("data-delegation", third, timeout=SOON)
    assert delegations(page) == [third, second]

    page.keyboard.press("e")  # nobody on the floor: refused, in the engine's words
    refused(page, re.compile(r"^End the statement: "))


def test_the_secretariat_reorders_adds_closes_and_adjourns(page, stack, artifacts):
    meeting = Meeting(stack, inscribe=5)
    names = [s["delegation"] for s in meeting.speakers]
    sign_in(page, meeting, stack.tokens.secretariat)
    expect(page.locator("#who")).to_have_text("Secretariat")
    rows = page.locator("#speakers-body tr")
    expect(rows).to_have_count(5)
    expect(page.locator("#subscription")).to_contain_text("Undersubscribed", timeout=SOON)

    # Drag the fifth speaker onto the first place.
    rows.nth(4).drag_to(rows.nth(0))
    try:
        expect(rows.first).to_have_attribute("data-delegation", names[4], timeout=SOON)
    except AssertionError:
        print("ACT", page.inner_text("#activity"), "NOT", page.inner_text("#notices"))
        print("ROWS", delegations(page), page.evaluate("document.querySelectorAll('tr.pending').length"))
        print("LIST", [e["inscription"]["delegation"] for e in meeting.rolling_list()])
        print("LIVE", page.inner_text("#chip-live"), page.inner_text("#meeting-clock"))
        raise
    assert delegations(page) == [names[4], *names[:4]]
    # Drag it back down onto the third place, and move one up with its button.
    rows.nth(0).drag_to(rows.nth(2))
    expect(rows.nth(2)).to_have_attribute("data-delegation", names[4], timeout=SOON)
    page.get_by_role("button", name=f"Move {names[4]} up").click()
    expect(rows.nth(1)).to_have_attribute("data-delegation", names[4], timeout=SOON)

    # Add a speaker for a delegation.
    page.fill("#add-delegation", "Ireland")
    page.select_option("#add-level", "minister")
    page.fill("#add-name", "H.E. Mr. Simon Coveney")
    page.fill("#add-title", "Minister for Foreign Affairs")
    page.fill("#add-emails", "ireland@un.example")
    page.get_by_role("button", name="Add to the list").click()
    expect(page.locator(".notice-success").filter(has_text="Ireland is inscribed, 6th on the list")).to_be_visible(
        timeout=SOON
    )
    expect(rows.nth(5)).to_have_attribute("data-delegation", "Ireland")
    expect(rows.nth(5)).to_contain_text("Minister")

    # The API's own refusal, at once: a field that is not valid.
    page.fill("#add-delegation", "Ghana")
    page.fill("#add-emails", "not-an-address")
    page.get_by_role("button", name="Add to the list").click()
    refused(page, re.compile(r"^Add Ghana: The request has 1 invalid field: Contact e-mails \(1\): "))
    page.fill("#add-emails", "")

    # Close the list: an inscription is then refused by the list of speakers, and said so.
    page.get_by_role("button", name="Close list").click()
    expect(page.locator("#chip-list")).to_have_text("List closed", timeout=SOON)
    page.get_by_role("button", name="Add to the list").click()
    refused(
        page,
        re.compile(
            r"^Add Ghana: The list of speakers was closed by the secretariat at \d\d:\d\d; "
            r"inscriptions are no longer accepted\.$"
        ),
    )
    page.get_by_role("button", name="Reopen list").click()
    expect(page.locator("#chip-list")).to_have_text("List open", timeout=SOON)

    # Withdraw a speaker (the button asks to confirm).
    withdraw = page.get_by_role("button", name=f"Withdraw {names[0]}")
    withdraw.click()
    withdraw.click()
    expect(rows).to_have_count(5, timeout=SOON)
    assert names[0] not in delegations(page)

    # Adjourn and resume the meeting.
    page.get_by_role("button", name="Adjourn meeting").click()
    expect(page.locator("#chip-status")).to_have_text("Adjourned", timeout=SOON)
    page.keyboard.press("n")  # no speaker is called while the meeting is adjourned
    refused(page, re.compile(r"^Call the next speaker: "))
    page.get_by_role("button", name="Resume meeting").click()
    expect(page.locator("#chip-status")).to_have_text("In session", timeout=SOON)
    page.get_by_role("button", name="Resume meeting").click()
    refused(page, "Resume the meeting: The meeting is not adjourned.")

    page.keyboard.press("n")
    page.keyboard.press("s")
    expect(page.locator("#floor-state")).to_have_text("Speaking", timeout=SOON)
    expect(page.locator("#floor-next")).to_have_text(f"Next: {names[1]}, then {names[2]}")
    expect(rows).to_have_count(4, timeout=SOON)
    page.locator(".notice-close").first.click()
    page.screenshot(path=artifacts / "console-secretariat.png", full_page=True)
    activity = page.locator("#activity").inner_text()
    assert "Move" in activity and "Close the list: sent." in activity


def test_the_estimates_show_the_oversubscription_and_who_may_not_be_reached(page, stack, artifacts):
    # A quarter of an hour before the floor closes for the day, with ten speakers of three minutes each.
    meeting = Meeting(stack, starts_at="2017-09-06T17:40:00-04:00", inscribe=10)
    meeting.floor("call-next")
    meeting.floor("start")
    sign_in(page, meeting, stack.tokens.chair)
    expect(page.locator("#floor-state")).to_have_text("Speaking", timeout=SOON)
    subscription = page.locator("#subscription")
    expect(subscription).to_have_text(re.compile(r"^Oversubscribed by \d+ min$"), timeout=SOON)
    expect(subscription).to_have_attribute("data-tone", "bad")
    expect(page.locator("#est-closes")).to_have_text("17:55")
    unlikely = page.locator("#speakers-body tr.unlikely")
    expect(unlikely.first).to_be_visible()
    count = unlikely.count()
    assert 0 < count < 9
    expect(page.locator("#est-unlikely")).to_have_text(str(count))
    expect(unlikely.first).to_contain_text("Unlikely to be reached")
    expect(page.locator("#unlikely-names")).to_contain_text("Unlikely to be reached: ")
    page.screenshot(path=artifacts / "console-oversubscribed.png", full_page=True)
