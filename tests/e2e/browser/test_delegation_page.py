"""A delegation's page (GET /delegation/{id} on the registration service) in headless Chromium.

Against the three services as processes: a delegation signs in with its own credential, asks to speak,
sees its place and estimated time of speaking follow the list, and withdraws; refusals (a wrong credential,
a field that is not valid, the list closed by the chair) are shown in plain words. Screenshots go to
var/test-artifacts/."""

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
SOON = 10_000  # ms: through Kafka, the queue and back; the page reads its inscriptions every 3 s


STACK_ENV = {"ROSTRUM_INTAKE_ENABLED": "false"}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"the page raised: {errors}"


def set_up(stack: Stack, inscribe: int) -> str:
    meeting_id = f"delegation-{uuid.uuid4().hex[:10]}"
    registration, tokens = stack["registration"].url, stack.tokens
    setup = setup_2017(clock=simulated_clock(FLOOR_OPENS, 1))
    r = httpx.post(
        f"{registration}/v1/meetings",
        json={"meeting_id": meeting_id, "setup": setup.model_dump(mode="json")},
        headers=tokens.header(tokens.secretariat),
    )
    assert r.status_code == 202, r.text
    for speaker in speakers_2017()[:inscribe]:
        r = httpx.post(
            f"{registration}/v1/meetings/{meeting_id}/inscriptions",
            json=speaker,
            headers=tokens.header(tokens.secretariat),
        )
        assert r.status_code == 202, r.text

    def listed():
        r = httpx.get(f"{stack['notifier'].url}/v1/meetings/{meeting_id}/list", timeout=5)
        return r.status_code == 200 and len(r.json()["speakers"]) == inscribe

    wait_for(listed, timeout=20, what="the speakers on the notifier's list")
    return meeting_id


def sign_in(page: Page, stack: Stack, meeting_id: str, token: str) -> None:
    page.goto(f"{stack['registration'].url}/delegation/{meeting_id}")
    page.fill("#token", token)
    page.click("#sign-in")
    expect(page.locator("#app")).to_be_visible()


def test_a_delegation_asks_to_speak_follows_its_place_and_withdraws(page, stack, artifacts):
    meeting_id = set_up(stack, inscribe=4)
    sign_in(page, stack, meeting_id, stack.tokens.delegation("Ireland"))
    expect(page.locator("#who")).to_have_text("Delegation of Ireland")
    expect(page.locator("#ask-delegation")).to_have_text("Ireland")  # fixed by the credential
    expect(page.locator("#places-empty")).to_be_visible()

    page.fill("#ask-name", "H.E. Mr. Brendan Ward")
    page.fill("#ask-title", "Deputy Permanent Representative")
    page.select_option("#ask-level", "head_of_delegation")
    page.fill("#ask-emails", "ireland@un.example, mission@ireland.example")
    page.get_by_role("button", name="Ask to speak").click()

    place = page.locator("article.place").first
    expect(place).to_have_attribute("data-status", "accepted", timeout=SOON)
    expect(
        page.locator(".notice-success .notice-text").filter(
            has_text=re.compile(r"^Inscribed: 5th on the list, about \d\d:\d\d\.$")
        )
    ).to_be_visible()
    expect(place.locator(".place-number")).to_have_text("5th")
    expect(place.locator(".place-time")).to_contain_text(re.compile(r"Estimated time of speaking: \d\d:\d\d"))
    expect(place.locator(".place-time")).to_contain_text("(New York time)")
    expect(place.locator(".place-speaker")).to_have_text("H.E. Mr. Brendan Ward, Deputy Permanent Representative")
    inscription_id = place.get_attribute("data-id")

    # The secretariat moves Ireland up: the page follows.
    tokens = stack.tokens
    r = httpx.post(
        f"{stack['registration'].url}/v1/meetings/{meeting_id}/list/move",
        json={"inscription_id": inscription_id, "position": 2},
        headers=tokens.header(tokens.secretariat),
    )
    assert r.status_code == 202, r.text
    expect(place.locator(".place-number")).to_have_text("2nd", timeout=SOON)
    page.locator(".notice-close").first.click()
    page.screenshot(path=artifacts / "delegation-on-the-list.png", full_page=True)

    # Withdraw, after confirming.
    place.get_by_role("button", name="Withdraw").click()
    expect(place.locator(".confirm-text")).to_contain_text("Withdraw from the list of speakers?")
    page.get_by_role("button", name="Confirm withdrawal").click()
    expect(page.locator("article.place").first).to_have_attribute("data-status", "withdrawn", timeout=SOON)
    expect(page.locator("article.place").first.locator(".chip")).to_have_text("Withdrawn")
    expect(page.get_by_role("button", name="Withdraw")).to_have_count(0)

    # Signed in again later (another tab): the inscription is still shown, from the API.
    page.reload()
    expect(page.locator("article.place").first).to_have_attribute("data-status", "withdrawn", timeout=SOON)


def test_refusals_are_shown_in_plain_words(page, stack, artifacts):
    meeting_id = set_up(stack, inscribe=2)
    page.goto(f"{stack['registration'].url}/delegation/{meeting_id}")
    page.fill("#token", "not-a-token")
    page.click("#sign-in")
    expect(page.locator("#login-error")).to_have_text("This token is not known here.")
    page.fill("#token", stack.tokens.chair)
    page.click("#sign-in")
    expect(page.locator("#login-error")).to_contain_text(
        "This page is for delegations; this credential is for the chair."
    )

    page.fill("#token", stack.tokens.delegation("Ghana"))
    page.click("#sign-in")
    expect(page.locator("#who")).to_have_text("Delegation of Ghana")

    # The API refuses at once: an address that is not one.
    page.fill("#ask-emails", "ghana-mission")
    page.get_by_role("button", name="Ask to speak").click()
    expect(page.locator(".notice-error .notice-text")).to_have_text(
        re.compile(r"^Ask to speak: The request has 1 invalid field: Contact e-mails \(1\): value is not a valid email")
    )

    # The chair closes the list: the list of speakers refuses the inscription, with its reason.
    tokens = stack.tokens
    r = httpx.post(
        f"{stack['registration'].url}/v1/meetings/{meeting_id}/list/close", headers=tokens.header(tokens.chair)
    )
    assert r.status_code == 202, r.text
    expect(page.locator("#chip-list")).to_have_text("List closed", timeout=SOON)
    page.fill("#ask-emails", "ghana@un.example")
    page.get_by_role("button", name="Ask to speak").click()
    place = page.locator("article.place").first
    expect(place).to_have_attribute("data-status", "rejected", timeout=SOON)
    expect(place.locator(".chip")).to_have_text("Not inscribed")
    reason = re.compile(
        r"^The list of speakers was closed by the chair at \d\d:\d\d; inscriptions are no longer accepted\.$"
    )
    expect(place.locator(".place-reason")).to_have_text(reason)
    expect(
        page.locator(".notice-error .notice-text").filter(has_text="Not inscribed: The list of speakers was closed")
    ).to_be_visible()
    page.screenshot(path=artifacts / "delegation-refused.png", full_page=True)
