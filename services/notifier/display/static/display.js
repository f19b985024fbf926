/* The room display. Vanilla JS, no build step.

   The meeting's picture comes from the notifier's stream (GET /v1/meetings/{id}/stream, Server-Sent
   Events): a snapshot first, then every event, folded here as services/notifier/view.py folds them.
   Every message says the meeting clock's time and rate; the countdown runs locally from the speaker's
   deadline (meeting clock) and is corrected by each message:

       meeting_now = meeting_time + (local_now - local_time_at_receipt) * clock_rate

   Recovery: the browser's EventSource reconnects by itself, sending Last-Event-ID (the last seq), and
   gets what it missed. If the stream cannot be reopened (HTTP error, meeting unknown for now), if it says
   resync and no snapshot follows, if a seq is missing, or if nothing (not even a tick) comes for a while,
   the page fetches /snapshot and opens the stream again from there, backing off up to 15 s. */
(() => {
  "use strict";

  const config = JSON.parse(document.getElementById("display-config").textContent);
  const T = config.labels;
  const BASE = `/v1/meetings/${encodeURIComponent(config.meeting_id)}`;
  const STALE_MS = config.stale_ms || 35000;
  const MAX_BACKOFF_MS = 15000;
  const FETCH_TIMEOUT_MS = 8000;
  const EVENT_TYPES = [
    "MeetingSetUp", "SegmentBegan", "InscriptionAccepted", "InscriptionWithdrawn", "ListChanged",
    "EstimatesChanged", "SpeakerCalled", "SpeechStarted", "SpeechPaused", "SpeechResumed", "SpeechExtended",
    "PreWarningGiven", "TimeUp", "SpeechEnded", "SpeakerAbsent", "ListClosed", "ListReopened",
    "MeetingAdjourned", "MeetingResumed", "MeetingConcluded", "CommandRejected",
  ];

  const $ = (id) => document.getElementById(id);
  const el = {
    body: document.body,
    title: $("meeting-title"), closed: $("list-closed"), adjourned: $("adjourned-mark"), clock: $("clock"),
    floorLabel: $("floor-label"), delegation: $("speaker-delegation"), behalf: $("speaker-behalf"),
    behalfName: $("speaker-behalf-name"), person: $("speaker-person"),
    countdown: $("countdown"), countdownTime: $("countdown-time"), countdownLabel: $("countdown-label"),
    messageLabel: $("message-label"), messageTitle: $("message-title"), messageDetail: $("message-detail"),
    next: $("next-speakers"), noSpeakers: $("no-speakers"), waiting: $("waiting-count"),
    estimatedEnd: $("estimated-end"), notReached: $("not-reached"), notReachedCount: $("not-reached-count"),
    segmentNow: $("segment-now"), segmentNext: $("segment-next"), connection: $("connection"),
  };

  let view = null; // the meeting as the notifier shows it (view.py), or null before the first snapshot
  let clock = null; // {meeting: ms on the meeting clock, at: performance.now() then, rate}
  let source = null; // the EventSource
  let retryTimer = null;
  let resyncTimer = null;
  let backoff = 1000;
  let recovering = false;
  let lastMessage = performance.now();

  // --- time -------------------------------------------------------------------------------------

  function noteTime(msg) {
    if (msg && msg.meeting_time) {
      clock = { meeting: Date.parse(msg.meeting_time), at: performance.now(), rate: Number(msg.clock_rate) || 1 };
    }
  }

  function meetingNow() {
    return clock ? clock.meeting + (performance.now() - clock.at) * clock.rate : Date.now();
  }

  const formats = {};
  function timeFormat(zone) {
    if (!formats[zone]) {
      try {
        formats[zone] = new Intl.DateTimeFormat("en-GB", {
          hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone,
        });
      } catch (e) {
        formats[zone] = zone === "UTC" ? new Intl.DateTimeFormat("en-GB", { timeStyle: "short" }) : timeFormat("UTC");
      }
    }
    return formats[zone];
  }

  function hhmm(moment) {
    if (moment === null || moment === undefined || moment === "") return "";
    const ms = typeof moment === "number" ? moment : Date.parse(moment);
    if (Number.isNaN(ms)) return "";
    return timeFormat((view && view.setup && view.setup.timezone) || "UTC").format(new Date(ms));
  }

  function duration(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    const ss = String(s).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
  }

  // --- the view, folded from the events as services/notifier/view.py does --------------------------

  const STATUS_OF_SEGMENT = { adjournment: "adjourned", concluded: "concluded" };

  function apply(v, msg) {
    const e = msg.event || {};
    const at = msg.occurred_at;
    v = { ...v, seq: msg.seq, updated_at: at };
    switch (msg.type) {
      case "MeetingSetUp":
        v.setup = e.setup;
        break;
      case "SegmentBegan":
        v.segment = e.segment;
        v.next_segment = e.next_segment;
        v.segment_index = e.index;
        v.status = STATUS_OF_SEGMENT[e.segment.kind] || "in_session";
        break;
      case "ListChanged":
        v.list = { version: e.version, closed: e.closed, speakers: e.speakers };
        break;
      case "ListClosed":
        v.list = { ...v.list, closed: true };
        break;
      case "ListReopened":
        v.list = { ...v.list, closed: false };
        break;
      case "EstimatesChanged":
        v.estimates = e;
        break;
      case "SpeakerCalled":
        v.floor = {
          state: "called", inscription: e.inscription, limit_seconds: e.limit_seconds, called_at: at,
          next_up: e.next_up, started_at: null, deadline_at: null, pre_warning_at: null, remaining_seconds: null,
          extended_seconds: 0, pre_warning: false, time_up: false,
        };
        break;
      case "SpeechStarted":
      case "SpeechResumed":
      case "SpeechExtended": {
        const floor = {
          ...(v.floor || {}), state: "speaking", deadline_at: e.deadline_at, pre_warning_at: e.pre_warning_at,
          remaining_seconds: null,
        };
        if (msg.type === "SpeechStarted") {
          floor.started_at = at;
          floor.limit_seconds = e.limit_seconds;
        }
        if (msg.type === "SpeechExtended") {
          floor.extended_seconds = (floor.extended_seconds || 0) + e.seconds;
          floor.time_up = false;
        }
        v.floor = floor;
        break;
      }
      case "SpeechPaused":
        v.floor = {
          ...(v.floor || {}), state: "paused", remaining_seconds: e.remaining_seconds, deadline_at: null,
          pre_warning_at: null,
        };
        break;
      case "PreWarningGiven":
        v.floor = { ...(v.floor || {}), pre_warning: true };
        break;
      case "TimeUp":
        v.floor = { ...(v.floor || {}), time_up: true };
        break;
      case "SpeakerAbsent":
      case "SpeechEnded":
        v.floor = null;
        break;
      case "MeetingAdjourned":
        v.status = "adjourned";
        break;
      case "MeetingResumed":
        v.status = "in_session";
        break;
      case "MeetingConcluded":
        v.status = "concluded";
        v.floor = null;
        break;
      default:
        break;
    }
    return v;
  }

  // --- rendering ----------------------------------------------------------------------------------

  function setText(node, text) {
    text = text || "";
    if (node.textContent !== text) node.textContent = text;
  }

  function setAttr(node, name, value) {
    if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }

  function span(className, text, dir) {
    const node = document.createElement("span");
    if (className) node.className = className;
    if (dir) node.dir = dir;
    node.textContent = text || "";
    return node;
  }

  /* Shrinks a box's font until its text fits (long names: "Saint Vincent and the Grenadines"). */
  const fitted = new WeakMap();
  function fit(node) {
    const key = `${node.textContent}|${window.innerWidth}x${window.innerHeight}`;
    if (fitted.get(node) === key) return;
    fitted.set(node, key);
    node.style.fontSize = "";
    let size = parseFloat(getComputedStyle(node).fontSize);
    const minimum = size * 0.4;
    while (size > minimum && (node.scrollHeight > node.clientHeight + 1 || node.scrollWidth > node.clientWidth + 1)) {
      size *= 0.92;
      node.style.fontSize = `${size}px`;
    }
  }

  function kindLabel(segment) {
    return (segment && T[`kind_${segment.kind}`]) || "";
  }

  /* "13:00  Suspension — Interactive dialogue adjourns": the title is data, clipped at its own end. */
  function setSegment(node, segment, withTime, fallback) {
    const signature = segment ? `${withTime}|${segment.starts_at}|${segment.kind}|${segment.title}` : fallback;
    if (node.dataset.signature === signature) return;
    node.dataset.signature = signature;
    if (!segment) {
      node.replaceChildren(span("segment-title", fallback));
      return;
    }
    const parts = [];
    if (withTime) parts.push(span("segment-time", hhmm(segment.starts_at), "ltr"));
    parts.push(span("segment-kind", kindLabel(segment)), span("segment-sep", "—"));
    parts.push(span("segment-title data clip", segment.title, "auto"));
    node.replaceChildren(...parts);
  }

  function inscriptionLine(inscription) {
    return [inscription.speaker_name, inscription.speaker_title].filter(Boolean).join(", ");
  }

  function render() {
    if (!view) {
      setAttr(el.body, "data-status", "loading");
      setAttr(el.body, "data-mode", "message");
      setText(el.messageLabel, "");
      setText(el.messageTitle, T.waiting_meeting);
      setText(el.messageDetail, "");
      return;
    }
    const setup = view.setup || {};
    const floor = view.floor;
    const status = view.status || "not_started";
    document.title = setup.title ? `${T.page_title} — ${setup.title}` : T.page_title;
    setAttr(el.body, "data-status", status);
    setText(el.title, [setup.title, setup.venue].filter(Boolean).join(" · "));
    el.closed.hidden = !(view.list && view.list.closed);
    const onFloor = Boolean(floor) && status !== "concluded";
    el.adjourned.hidden = !(onFloor && status === "adjourned"); // else the whole stage says so

    if (onFloor) {
      setAttr(el.body, "data-mode", "floor");
      const inscription = floor.inscription || {};
      setText(el.delegation, inscription.delegation);
      el.behalf.hidden = !inscription.on_behalf_of;
      setText(el.behalfName, inscription.on_behalf_of || "");
      setText(el.person, [inscription.reply ? T.right_of_reply : "", inscriptionLine(inscription)].filter(Boolean).join(" · "));
      fit(el.delegation);
    } else {
      setAttr(el.body, "data-mode", "message");
      renderMessage(status, setup);
    }
    renderQueue(status);
    renderProgramme(status, setup);
    tick();
  }

  function renderMessage(status, setup) {
    const segment = view.segment;
    let label = "", title = "", detail = "";
    if (status === "concluded") {
      title = T.status_concluded;
    } else if (status === "adjourned") {
      label = T.countdown_stopped;
      title = T.status_adjourned;
      // The programme's break says when the meeting resumes; the chair's own suspension does not.
      const next = view.next_segment;
      const resumes = segment && segment.kind === "adjournment" && next && next.kind !== "concluded";
      detail = resumes ? `${T.resumes_at} ${hhmm(next.starts_at)}` : "";
    } else if (!segment) {
      const first = (setup.programme || [])[0];
      label = T.status_not_started;
      title = first ? first.title : T.waiting_meeting;
      detail = first ? `${T.starts_at} ${hhmm(first.starts_at)}` : "";
    } else if (segment.kind === "floor") {
      label = kindLabel(segment);
      title = T.floor_idle;
    } else {
      label = kindLabel(segment);
      title = segment.title;
      detail = (segment.speakers || []).join("\n");
    }
    setText(el.messageLabel, label);
    setText(el.messageTitle, title);
    setText(el.messageDetail, detail);
    fit(el.messageTitle);
  }

  function renderQueue(status) {
    // Once the meeting has concluded, nobody is next: those still listed were not reached.
    const concluded = status === "concluded";
    const speakers = concluded ? [] : (view.list && view.list.speakers) || [];
    const estimates = view.estimates || {};
    const unlikely = new Set(estimates.not_reached || []);
    const shown = speakers.slice(0, config.next);
    const items = shown.map((entry, index) => {
      const inscription = entry.inscription || {};
      const li = document.createElement("li");
      if (index === 0) li.className = "first";
      if (entry.likely_reached === false || unlikely.has(inscription.inscription_id)) li.classList.add("unlikely");
      const pos = document.createElement("span");
      pos.className = "pos";
      pos.textContent = String(entry.position);
      const who = document.createElement("div");
      who.className = "who";
      const name = document.createElement("div");
      name.className = "name data";
      name.dir = "auto";
      name.textContent = inscription.delegation || "";
      who.append(name);
      if (inscription.on_behalf_of) {
        const sub = document.createElement("div");
        sub.className = "sub";
        sub.append(span("", T.on_behalf_of), span("data clip", inscription.on_behalf_of, "auto"));
        who.append(sub);
      }
      if (inscription.reply) {
        const sub = document.createElement("div");
        sub.className = "sub reply";
        sub.append(span("", T.right_of_reply));
        who.append(sub);
      }
      li.append(pos, who, span("at", entry.estimated_at ? `≈ ${hhmm(entry.estimated_at)}` : "", "ltr"));
      return li;
    });
    const signature = JSON.stringify(shown.map((e) => [e.position, e.inscription && e.inscription.inscription_id,
      e.estimated_at, e.likely_reached])) + [...unlikely].length;
    const size = `${window.innerWidth}x${window.innerHeight}`;
    if (el.next.dataset.signature !== signature || el.next.dataset.size !== size) {
      el.next.dataset.signature = signature;
      el.next.dataset.size = size;
      el.next.replaceChildren(...items);
      // No scrolling, no half a speaker: as many as the screen holds.
      while (el.next.children.length > 1 && el.next.scrollHeight > el.next.clientHeight + 1) {
        el.next.lastElementChild.remove();
      }
    }
    el.noSpeakers.hidden = speakers.length > 0 || concluded;
    setText(el.waiting, concluded ? "–" : String(speakers.length));
    setText(el.estimatedEnd, estimates.estimated_end_at && speakers.length ? `≈ ${hhmm(estimates.estimated_end_at)}` : "–");
    const unreached = (estimates.not_reached || []).length;
    el.notReached.hidden = concluded || !(unreached > 0 && (estimates.oversubscription_minutes || 0) > 0);
    setText(el.notReachedCount, String(unreached));
  }

  function renderProgramme(status, setup) {
    if (status === "concluded") {
      setSegment(el.segmentNow, null, false, T.status_concluded);
      setSegment(el.segmentNext, null, false, "–");
      return;
    }
    const segment = view.segment;
    setSegment(el.segmentNow, segment, false, T.status_not_started);
    const next = segment ? view.next_segment : (setup.programme || [])[0];
    setSegment(el.segmentNext, next, true, "–");
  }

  /* The countdown: what the floor's state and the meeting clock say now. */
  function countdown(floor, now) {
    const limit = (floor.limit_seconds || 0) + (floor.extended_seconds || 0);
    if (floor.state === "called") return { state: "called", seconds: limit, label: T.countdown_called };
    if (floor.state === "paused") {
      return { state: "paused", seconds: Math.ceil(floor.remaining_seconds || 0), label: T.countdown_paused };
    }
    const deadline = Date.parse(floor.deadline_at);
    if (Number.isNaN(deadline)) return { state: "called", seconds: limit, label: T.countdown_called };
    const remaining = (deadline - now) / 1000;
    if (remaining <= 0) return { state: "overrun", seconds: -remaining, over: true, label: T.countdown_overrun };
    const preWarning = Date.parse(floor.pre_warning_at);
    const state = !Number.isNaN(preWarning) && now >= preWarning ? "prewarning" : "speaking";
    const label = state === "prewarning" ? T.countdown_prewarning : T.countdown_speaking;
    return { state, seconds: Math.ceil(remaining), label };
  }

  function tick() {
    const now = meetingNow();
    if (view && view.setup) setText(el.clock, hhmm(now));
    const floor = view && view.floor;
    if (!floor || view.status === "concluded") {
      setAttr(el.countdown, "data-state", "idle");
      return;
    }
    const c = countdown(floor, now);
    setAttr(el.countdown, "data-state", c.state);
    setText(el.countdownTime, c.over ? `+${duration(c.seconds)}` : duration(c.seconds));
    const extended = floor.extended_seconds && c.state !== "called" ? ` · ${T.extended} +${floor.extended_seconds}s` : "";
    setText(el.countdownLabel, c.label + extended);
    setText(el.floorLabel, floor.state === "called" ? T.floor_called
      : floor.state === "paused" ? T.floor_paused : T.floor_speaking);
  }

  // --- connection -----------------------------------------------------------------------------------

  function setConnection(state) {
    setAttr(el.body, "data-connection", state); // connecting | live | reconnecting | waiting (meeting unknown)
    el.connection.hidden = state !== "reconnecting"; // waiting for the meeting: the stage says so
  }

  /* Later, after 1, 2, 4... up to 15 s (with jitter: a room of displays does not come back all at once). */
  function schedule(fn) {
    clearTimeout(retryTimer);
    const wait = backoff * (0.75 + Math.random() / 2);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    retryTimer = setTimeout(fn, wait);
  }

  function closeStream() {
    if (source) {
      source.close();
      source = null;
    }
  }

  function connect() {
    clearTimeout(retryTimer);
    closeStream();
    const url = view && view.seq ? `${BASE}/stream?last_event_id=${view.seq}` : `${BASE}/stream`;
    const es = (source = new EventSource(url));
    lastMessage = performance.now();
    const handle = (fn) => (message) => {
      if (es !== source) return;
      lastMessage = performance.now();
      backoff = 1000;
      let msg;
      try {
        msg = JSON.parse(message.data);
      } catch (e) {
        return;
      }
      setConnection("live");
      noteTime(msg);
      fn(msg);
    };
    es.addEventListener("snapshot", handle(onSnapshot));
    es.addEventListener("tick", handle(() => tick()));
    es.addEventListener("resync", handle(onResync));
    for (const type of EVENT_TYPES) es.addEventListener(type, handle(onEvent));
    es.onerror = () => {
      if (es !== source) return;
      setConnection(view ? "reconnecting" : "waiting");
      if (es.readyState === EventSource.CLOSED) {
        // Not retried by the browser (an HTTP error: the meeting unknown for now, a proxy's 502...).
        source = null;
        schedule(recover);
      } // else the browser reconnects by itself, with Last-Event-ID
    };
  }

  function onSnapshot(msg) {
    clearTimeout(resyncTimer);
    view = msg.view; // the stream's own snapshot is the truth, even behind ours (the meeting was replayed)
    render();
  }

  function onResync() {
    // The notifier dropped what it had queued for this page; its snapshot follows. If it does not, fetch it.
    clearTimeout(resyncTimer);
    resyncTimer = setTimeout(recover, 3000);
  }

  function onEvent(msg) {
    if (!view || msg.seq <= view.seq) return; // already applied
    if (msg.seq !== view.seq + 1) {
      recover(); // a message is missing: start again from a snapshot
      return;
    }
    view = apply(view, msg);
    render();
  }

  async function recover() {
    if (recovering) return;
    recovering = true;
    clearTimeout(retryTimer);
    clearTimeout(resyncTimer);
    closeStream();
    try {
      // A network that swallows packets would hold a fetch for minutes: give up and retry instead.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
      const response = await fetch(`${BASE}/snapshot`, { cache: "no-store", signal: abort.signal })
        .finally(() => clearTimeout(timer));
      if (!response.ok) throw new Error(`snapshot: HTTP ${response.status}`);
      const msg = await response.json();
      noteTime(msg);
      if (!view || msg.seq >= view.seq) {
        view = msg.view;
        render();
      }
      recovering = false;
      connect();
    } catch (e) {
      recovering = false;
      setConnection(view ? "reconnecting" : "waiting");
      schedule(recover);
    }
  }

  // A connection that says nothing (not even the periodic tick) is dead, whatever the socket says.
  setInterval(() => {
    if (source && !recovering && performance.now() - lastMessage > STALE_MS) {
      setConnection(view ? "reconnecting" : "waiting");
      recover();
    }
  }, 2000);

  window.addEventListener("online", () => {
    if (el.body.getAttribute("data-connection") !== "live") recover();
  });
  window.addEventListener("resize", () => render());

  setInterval(tick, 100);
  render();
  connect();
})();
