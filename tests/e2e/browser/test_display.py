"""The room display (GET /display/{id} on the notifier) in headless Chromium, against the three services.

Each test sets up its own meeting on a simulated clock through the registration API, inscribes speakers
and runs the floor as the chair would; the page must follow within a second, count down locally with the
pre-warning and overrun colours, survive a restart of the notifier, and read right to left in Arabic.
Screenshots of what the room sees go to var/test-artifacts/."""

from __future__ import annotations

import asyncio
import re
import threading
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from services.notifier.display.i18n import LABELS
from tests.support.meetings import setup_2017, simulated_clock, speakers_2017
from tests.support.stack import Stack, free_port, wait_for

pytestmark = pytest.mark.timeout(150)

# The stream tells the time every second (10 s by default): a page takes a connection that has said nothing for
# three ticks and 5 s (8 s here) as dead, so a silent network is noticed within the test's patience.
STACK_ENV = {"ROSTRUM_STREAM_TICK_SECONDS": "1"}

VIEWPORT = {"width": 1920, "height": 1080}  # the room's screens: 16:9, full HD
FLOOR_OPENS = "2017-09-06T10:50:00-04:00"
# The countdown's background (display.css): the panel, amber at the pre-warning, red once the time is up.
NORMAL, AMBER, RED = "rgb(14, 31, 47)", "rgb(255, 180, 0)", "rgb(224, 38, 27)"


def speakers(count: int) -> list[dict]:
    """The 2017 speakers, the two statements on behalf of others first (they show the most on the display)."""
    everyone = speakers_2017()
    behalf = [s for s in everyone if s.get("on_behalf_of")]
    rest = [s for s in everyone if not s.get("on_behalf_of")]
    return (behalf + rest)[:count]


class Meeting:
    """One meeting of the stack, driven as the secretariat and the chair drive it."""

    def __init__(self, stack: Stack, rate: float, starts_at: str = FLOOR_OPENS):
        self.stack, self.rate, self.starts_at = stack, rate, starts_at
        self.id = f"display-{uuid.uuid4().hex[:10]}"
        self.http = httpx.Client(timeout=10)
        tokens = stack.tokens
        self.secretariat, self.chair = tokens.header(tokens.secretariat), tokens.header(tokens.chair)
        self.registration, self.notifier = stack["registration"].url, stack["notifier"].url

    def display_url(self, lang: str | None = None) -> str:
        return f"{self.notifier}/display/{self.id}" + (f"?lang={lang}" if lang else "")

    def set_up(self, inscribe: int) -> list[dict]:
        setup = setup_2017(clock=simulated_clock(self.starts_at, self.rate))
        r = self.http.post(
            f"{self.registration}/v1/meetings",
            json={"meeting_id": self.id, "setup": setup.model_dump(mode="json")},
            headers=self.secretariat,
        )
        assert r.status_code == 202, r.text
        inscribed = speakers(inscribe)
        for speaker in inscribed:
            r = self.http.post(
                f"{self.registration}/v1/meetings/{self.id}/inscriptions", json=speaker, headers=self.secretariat
            )
            assert r.status_code == 202, r.text
        # The floor is open (the simulated clock passed 10:50) and the whole list has reached the notifier.
        self.wait_view(
            lambda v: (v["segment"] or {}).get("kind") == "floor" and len(v["list"]["speakers"]) == len(inscribed),
            what="the floor open with every speaker listed",
        )
        return inscribed

    def command(self, path: str, **body) -> None:
        r = self.http.post(f"{self.registration}/v1/meetings/{self.id}/{path}", json=body or None, headers=self.chair)
        assert r.status_code == 202, r.text

    def floor(self, action: str, **body) -> None:
        self.command(f"floor/{action}", **body)

    def view(self) -> dict | None:
        r = self.http.get(f"{self.notifier}/v1/meetings/{self.id}/snapshot")
        return r.json()["view"] if r.status_code == 200 else None

    def wait_view(self, predicate, timeout: float = 30, what: str = "the notifier's view") -> dict:
        def check():
            try:
                view = self.view()
            except httpx.HTTPError:
                return None
            return view if view is not None and predicate(view) else None

        return wait_for(check, timeout=timeout, what=what)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def meeting_factory(stack):
    made: list[Meeting] = []

    def make(rate: float = 1.0, starts_at: str = FLOOR_OPENS) -> Meeting:
        made.append(Meeting(stack, rate, starts_at))
        return made[-1]

    yield make
    for meeting in made:
        meeting.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))  # an exception the page's script threw
    yield page
    context.close()
    assert not errors, errors


def open_display(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-connection", "live", timeout=10_000)


def state(page: Page) -> str:
    return page.locator("#countdown").get_attribute("data-state")


# --- (1) a floor command reaches the room within a second ------------------------------------------


def test_the_display_follows_a_floor_command_within_a_second(meeting_factory, page, artifacts):
    meeting = meeting_factory(rate=1)
    first, second = meeting.set_up(inscribe=24)[:2]
    open_display(page, meeting.display_url())
    expect(page.locator("#next-speakers li").first).to_contain_text(first["delegation"])
    expect(page.locator("body")).to_have_attribute("data-mode", "message")

    meeting.floor("call-next")  # returns once the broker has the command: the clock starts now
    expect(page.locator("#speaker-delegation")).to_have_text(first["delegation"], timeout=1000)
    expect(page.locator("#countdown")).to_have_attribute("data-state", "called", timeout=1000)
    expect(page.locator("#speaker-behalf-name")).to_have_text(first["on_behalf_of"])
    expect(page.locator("#speaker-person")).to_contain_text(first["speaker_name"])
    expect(page.locator("#countdown-time")).to_have_text("3:00")
    expect(page.locator("#next-speakers li").first).to_contain_text(second["delegation"])

    meeting.floor("start")
    expect(page.locator("#countdown")).to_have_attribute("data-state", "speaking", timeout=1000)
    # Counts down by itself, between the stream's messages (a tick comes only every ten seconds).
    shown = _seconds(page.locator("#countdown-time").text_content())
    assert 170 <= shown <= 180
    wait_for(lambda: _seconds(page.locator("#countdown-time").text_content()) < shown, timeout=3, what="a second less")

    meeting.floor("end")
    expect(page.locator("body")).to_have_attribute("data-mode", "message", timeout=1000)
    meeting.floor("call-next")
    expect(page.locator("#speaker-delegation")).to_have_text(second["delegation"], timeout=1000)
    meeting.floor("start")
    expect(page.locator("#countdown")).to_have_attribute("data-state", "speaking", timeout=1000)
    page.wait_for_timeout(1200)
    page.screenshot(path=artifacts / "display-en.png")

    for lang in ("fr", "es", "ru", "zh"):  # the other languages' labels, for a look (the room's fonts may differ)
        other = page.context.new_page()
        open_display(other, meeting.display_url(lang))
        expect(other.locator("#speaker-delegation")).to_have_text(second["delegation"])
        other.screenshot(path=artifacts / f"display-{lang}.png")
        other.close()


# --- (2) the pre-warning and the overrun, on a clock 30 times faster -------------------------------


def test_the_countdown_turns_amber_then_red_and_counts_the_overrun(meeting_factory, page, artifacts):
    meeting = meeting_factory(rate=30)  # three minutes in six seconds; the pre-warning after five
    meeting.set_up(inscribe=6)
    open_display(page, meeting.display_url())
    meeting.floor("call-next")
    meeting.floor("start")
    countdown = page.locator("#countdown")
    expect(countdown).to_have_attribute("data-state", "speaking", timeout=1000)
    expect(countdown).to_have_css("background-color", NORMAL)

    expect(countdown).to_have_attribute("data-state", "prewarning", timeout=8000)
    expect(page.locator("#countdown-label")).to_have_text(LABELS["en"]["countdown_prewarning"])
    expect(countdown).to_have_css("background-color", AMBER)
    page.screenshot(path=artifacts / "display-en-prewarning.png")

    expect(countdown).to_have_attribute("data-state", "overrun", timeout=4000)
    expect(page.locator("#countdown-time")).to_have_text(_overrun_pattern())
    expect(countdown).to_have_css("background-color", RED)
    first = _seconds(page.locator("#countdown-time").text_content())
    page.wait_for_timeout(500)
    assert _seconds(page.locator("#countdown-time").text_content()) > first  # counting up the overrun
    page.screenshot(path=artifacts / "display-en-overrun.png")

    # The chair gives more time: the display follows the new deadline; a pause freezes it.
    meeting.floor("extend", seconds=600)
    expect(countdown).to_have_attribute("data-state", "speaking", timeout=1000)
    meeting.floor("pause")
    expect(countdown).to_have_attribute("data-state", "paused", timeout=1000)
    frozen = page.locator("#countdown-time").text_content()
    page.wait_for_timeout(600)
    assert page.locator("#countdown-time").text_content() == frozen


def _overrun_pattern():
    return re.compile(r"^\+\d+:\d\d$")


def _seconds(text: str) -> int:
    minutes, seconds = text.lstrip("+").split(":")[-2:]
    return int(minutes) * 60 + int(seconds)


# --- (3) the notifier restarts: the page recovers by itself, without a reload -----------------------


def test_the_display_recovers_when_the_notifier_restarts(stack, meeting_factory, page, artifacts):
    meeting = meeting_factory(rate=1)
    first, second = meeting.set_up(inscribe=6)[:2]
    open_display(page, meeting.display_url())
    page.evaluate("window.__sameDocument = true")
    meeting.floor("call-next")
    expect(page.locator("#speaker-delegation")).to_have_text(first["delegation"], timeout=1000)

    notifier = stack["notifier"]
    notifier.stop()
    body = page.locator("body")
    expect(body).to_have_attribute("data-connection", "reconnecting", timeout=10_000)
    expect(page.locator("#connection")).to_be_visible()
    page.screenshot(path=artifacts / "display-en-reconnecting.png")
    meeting.floor("end")  # while the notifier is down: the page must get it from the stream's log later

    notifier.start()
    notifier.wait_healthy()
    expect(body).to_have_attribute("data-connection", "live", timeout=15_000)
    expect(page.locator("#connection")).to_be_hidden()
    expect(body).to_have_attribute("data-mode", "message", timeout=15_000)  # the end, missed while down

    meeting.floor("call-next")
    expect(page.locator("#speaker-delegation")).to_have_text(second["delegation"], timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True  # no reload


# --- the room's network goes silent (no reset, packets swallowed), then comes back -------------------


class Network:
    """A TCP relay between the browser and the notifier standing for the room's network. `silent()` swallows
    everything both ways and leaves the connections open (a failed switch, not a closed socket); `restore()`
    drops the connections it held and relays again."""

    def __init__(self, target_port: int):
        self.target_port, self.port = target_port, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._silent = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> Network:
        self._thread.start()
        self._call(self._listen())
        return self

    def __exit__(self, *exc) -> None:
        self._call(self._close_all(stop=True))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def silent(self) -> None:
        self._silent = True

    def restore(self) -> None:
        self._call(self._close_all())
        self._silent = False

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _close_all(self, stop: bool = False) -> None:
        if stop:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True)
        for w in (writer, up_writer):
            w.close()
            self._writers.discard(w)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            if not self._silent:
                writer.write(data)
                await writer.drain()
        writer.close()


def test_the_display_recovers_when_the_network_goes_silent(stack, meeting_factory, page):
    meeting = meeting_factory(rate=1)
    first = meeting.set_up(inscribe=4)[0]
    with Network(stack["notifier"].port) as network:
        open_display(page, f"{network.url}/display/{meeting.id}")
        network.silent()
        meeting.floor("call-next")  # lost on the way: the page must notice that its stream went quiet
        body = page.locator("body")
        expect(body).to_have_attribute("data-connection", "reconnecting", timeout=20_000)
        expect(body).to_have_attribute("data-mode", "message")
        network.restore()
        expect(page.locator("#speaker-delegation")).to_have_text(first["delegation"], timeout=20_000)
        expect(body).to_have_attribute("data-connection", "live", timeout=10_000)


# --- (4) Arabic, right to left; a display opened before its meeting exists waits for it -----------


def test_the_arabic_display_reads_right_to_left(meeting_factory, page, artifacts):
    meeting = meeting_factory(rate=1)
    page.goto(meeting.display_url("ar"))  # the meeting is not set up yet: the page waits for it
    assert page.evaluate("document.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang") == "ar"
    expect(page.locator("#message-title")).to_have_text(LABELS["ar"]["waiting_meeting"])

    first = meeting.set_up(inscribe=24)[0]
    expect(page.locator("body")).to_have_attribute("data-connection", "live", timeout=20_000)
    meeting.floor("call-next")
    meeting.floor("start")
    expect(page.locator("#countdown")).to_have_attribute("data-state", "speaking", timeout=2000)
    expect(page.locator(".queue h2")).to_have_text(LABELS["ar"]["next_speakers"])
    expect(page.locator(".queue h2")).to_be_visible()
    expect(page.locator("#floor-label")).to_have_text(LABELS["ar"]["floor_speaking"])
    expect(page.locator("#speaker-delegation")).to_have_text(first["delegation"])  # data stays as entered
    # Laid out right to left: the speaker on the right, the queue on the left.
    stage, queue = page.locator("#stage").bounding_box(), page.locator(".queue").bounding_box()
    assert stage["x"] > queue["x"]
    page.wait_for_timeout(1200)
    page.screenshot(path=artifacts / "display-ar.png")

    # The list closed, the speech ended and the meeting suspended: the clock stops.
    meeting.command("list/close")
    meeting.floor("end")
    meeting.floor("adjourn")
    expect(page.locator("body")).to_have_attribute("data-status", "adjourned", timeout=2000)
    expect(page.locator("#message-title")).to_have_text(LABELS["ar"]["status_adjourned"])
    expect(page.locator("#list-closed")).to_be_visible()
    page.screenshot(path=artifacts / "display-ar-adjourned.png")


# --- the programme's break: the clock stops, the display says when the meeting resumes -------------


def test_the_lunch_break_stops_the_clock(meeting_factory, page, artifacts):
    meeting = meeting_factory(rate=2, starts_at="2017-09-06T12:59:50-04:00")  # the break comes in five seconds
    meeting.set_up(inscribe=6)
    open_display(page, meeting.display_url())
    expect(page.locator("body")).to_have_attribute("data-status", "in_session")
    expect(page.locator("body")).to_have_attribute("data-status", "adjourned", timeout=10_000)
    expect(page.locator("#message-title")).to_have_text(LABELS["en"]["status_adjourned"])
    expect(page.locator("#message-label")).to_have_text(LABELS["en"]["countdown_stopped"])
    expect(page.locator("#message-detail")).to_have_text(f"{LABELS['en']['resumes_at']} 15:00")
    expect(page.locator("#segment-now")).to_contain_text("Interactive dialogue adjourns")
    expect(page.locator("#segment-next")).to_contain_text("15:00")
    page.screenshot(path=artifacts / "display-en-break.png")


# --- the page itself, without a browser ------------------------------------------------------------


def test_the_page_speaks_the_six_languages(stack):
    notifier = stack["notifier"].url
    keys = set(LABELS["en"])
    for lang, direction in [("ar", "rtl"), ("zh", "ltr"), ("en", "ltr"), ("fr", "ltr"), ("ru", "ltr"), ("es", "ltr")]:
        assert set(LABELS[lang]) == keys, lang
        r = httpx.get(f"{notifier}/display/any-meeting", params={"lang": lang})
        assert r.status_code == 200
        assert f'<html lang="{lang}" dir="{direction}">' in r.text
        assert LABELS[lang]["next_speakers"] in r.text
    r = httpx.get(f"{notifier}/display/any-meeting", params={"lang": "xx"})
    assert '<html lang="en" dir="ltr">' in r.text
    assert httpx.get(f"{notifier}/display/assets/display.js").headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{notifier}/display/assets/other.js").status_code == 404
    assert httpx.get(f"{notifier}/display/Not_A_Meeting").status_code == 422
