/* The operator console: the secretariat and the chair run the list of speakers.
 *
 * Reads: the notifier's public stream (a snapshot, then every event, folded here as the notifier folds
 * them). Writes: the registration API with the bearer token. A command the broker took may still be
 * refused by the list of speakers: the refusal arrives on the stream (CommandRejected), and the command's
 * status is polled as well in case the stream is down; either way it is shown in plain words. */
"use strict";

(() => {
  const R = Rostrum;
  const { $, el } = R;
  const store = R.tokenStore("console");

  const state = {
    token: null,
    role: null,
    view: null,
    clock: { meeting: null, local: 0, rate: 1 },
    pending: new Map(), // command_id -> {label, onApplied}
    inFlight: new Set(),
    source: null,
    retry: null,
    dragging: null,
    pressed: false, // a pointer is down on the list: a drag may be about to start
    listStale: false,
    rows: new Map(), // inscription id -> {signature, node}
    armed: null, // {key, until}: a button pressed once, awaiting its confirmation
  };

  const ACTIONS = {
    "call-next": { label: "Call the next speaker", path: "floor/call-next" },
    start: { label: "Start the clock", path: "floor/start" },
    pause: { label: "Pause the clock", path: "floor/pause" },
    resume: { label: "Resume the clock", path: "floor/resume" },
    extend: { label: "Extend the statement", path: "floor/extend" },
    end: { label: "End the statement", path: "floor/end" },
    absent: { label: "Mark the speaker absent", path: "floor/absent" },
    close: { label: "Close the list", path: "list/close" },
    reopen: { label: "Reopen the list", path: "list/reopen" },
    adjourn: { label: "Adjourn the meeting", path: "floor/adjourn" },
    "resume-meeting": { label: "Resume the meeting", path: "floor/resume-meeting" },
  };
  const KEYS = { n: "call-next", s: "start", e: "end", a: "absent", x: "extend" };
  const STATUS = {
    not_started: ["Not started", "neutral"],
    in_session: ["In session", "good"],
    adjourned: ["Adjourned", "warn"],
    concluded: ["Concluded", "neutral"],
  };
  const FLOOR_STATE = {
    none: "No speaker called",
    called: "Called · waiting to start",
    speaking: "Speaking",
    paused: "Paused",
  };
  const EVENT_TYPES = [
    "MeetingSetUp", "SegmentBegan", "InscriptionAccepted", "InscriptionWithdrawn", "ListChanged",
    "EstimatesChanged", "SpeakerCalled", "SpeechStarted", "SpeechPaused", "SpeechResumed", "SpeechExtended",
    "PreWarningGiven", "TimeUp", "SpeechEnded", "SpeakerAbsent", "ListClosed", "ListReopened",
    "MeetingAdjourned", "MeetingResumed", "MeetingConcluded", "CommandRejected",
  ];

  const isSecretariat = () => state.role === "secretariat";
  const zone = () => (state.view && state.view.setup && state.view.setup.timezone) || "UTC";
  const speakers = () => (state.view && state.view.list && state.view.list.speakers) || [];

  // --- the meeting clock -----------------------------------------------------------------------

  function clockFrom(message) {
    if (!message || !message.meeting_time) return;
    state.clock = { meeting: Date.parse(message.meeting_time), local: performance.now(), rate: message.clock_rate || 1 };
  }

  function meetingNow() {
    const c = state.clock;
    if (c.meeting === null) return null;
    return c.meeting + (performance.now() - c.local) * c.rate;
  }

  // --- the stream ----------------------------------------------------------------------------------

  function setLive(status) {
    const chip = $("chip-live");
    const [text, tone] = {
      live: ["Live", "good"],
      connecting: ["Reconnecting…", "warn"],
      down: ["Live list unavailable", "bad"],
    }[status];
    chip.textContent = text;
    chip.dataset.tone = tone;
    chip.title = status === "live" ? `Live from ${R.notifierUrl}` : `Waiting for ${R.notifierUrl}`;
  }

  function connect() {
    clearTimeout(state.retry);
    if (state.source) state.source.close();
    const source = new EventSource(`${R.notifierUrl}${R.meetingPath}/stream`);
    state.source = source;
    source.addEventListener("open", () => setLive("live"));
    source.addEventListener("error", () => {
      if (source !== state.source) return;
      if (source.readyState === EventSource.CLOSED) {
        // Not reachable, or the notifier does not know the meeting yet: try again shortly.
        setLive("down");
        state.retry = setTimeout(connect, 3000);
      } else {
        setLive("connecting");
      }
    });
    source.addEventListener("snapshot", (e) => {
      const message = JSON.parse(e.data);
      clockFrom(message);
      state.view = message.view;
      setLive("live");
      render();
    });
    source.addEventListener("tick", (e) => clockFrom(JSON.parse(e.data)));
    for (const type of EVENT_TYPES) source.addEventListener(type, (e) => onEvent(JSON.parse(e.data)));
  }

  function onEvent(message) {
    clockFrom(message);
    const event = message.event || {};
    if (message.type === "CommandRejected") {
      settle(event.command_id, { status: "rejected", reason: event.reason, reason_code: event.reason_code });
    } else if (message.type === "InscriptionAccepted") {
      settle(event.command_id, {
        status: "applied",
        inscription_id: event.inscription.inscription_id,
        position: event.position,
        estimated_at: event.estimated_at,
      });
    }
    const view = state.view;
    if (!view || message.seq <= view.seq) return;
    if (message.seq > view.seq + 1) {
      connect(); // something was missed: start again from a snapshot
      return;
    }
    state.view = fold(view, message);
    render(message.type);
  }

  /* An event applied to the picture, as services/notifier/view.py does it. */
  function fold(view, message) {
    const e = message.event || {};
    const v = { ...view, seq: message.seq, updated_at: message.occurred_at };
    switch (message.type) {
      case "MeetingSetUp":
        v.setup = e.setup;
        break;
      case "SegmentBegan":
        v.segment = e.segment;
        v.next_segment = e.next_segment;
        v.segment_index = e.index;
        v.status = { adjournment: "adjourned", concluded: "concluded" }[e.segment.kind] || "in_session";
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
          state: "called", inscription: e.inscription, limit_seconds: e.limit_seconds, called_at: message.occurred_at,
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
        if (message.type === "SpeechStarted") {
          floor.started_at = message.occurred_at;
          floor.limit_seconds = e.limit_seconds;
        }
        if (message.type === "SpeechExtended") {
          floor.extended_seconds = (floor.extended_seconds || 0) + e.seconds;
          floor.time_up = false;
        }
        v.floor = floor;
        break;
      }
      case "SpeechPaused":
        v.floor = { ...(v.floor || {}), state: "paused", remaining_seconds: e.remaining_seconds, deadline_at: null,
                    pre_warning_at: null };
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

  // --- commands ------------------------------------------------------------------------------------

  async function send(label, method, path, payload, outcomes = {}) {
    try {
      const answer = await R.api(state.token, method, path, payload);
      R.log("info", `${label}: sent.`);
      if (answer && answer.command_id) watch(answer.command_id, label, outcomes);
      return answer;
    } catch (e) {
      refused(label, e);
      if (outcomes.onRejected) outcomes.onRejected();
      return null;
    }
  }

  function refused(label, error) {
    R.notify("error", `${label}: ${error.message}`);
    if (error.status === 401) {
      store.clear();
      R.notify("error", "Your credential is no longer accepted: sign in again.", { sticky: true });
    }
  }

  function watch(commandId, label, outcomes) {
    state.pending.set(commandId, { label, ...outcomes });
    R.followCommand(state.token, commandId, { until: 12000, stop: () => !state.pending.has(commandId) })
      .then((found) => (found ? settle(commandId, found) : state.pending.delete(commandId)))
      .catch(() => state.pending.delete(commandId));
  }

  function settle(commandId, outcome) {
    const entry = state.pending.get(commandId);
    if (!entry) return;
    state.pending.delete(commandId);
    if (outcome.status === "rejected") {
      R.notify("error", `${entry.label}: ${outcome.reason || "the list of speakers refused it."}`);
      if (entry.onRejected) entry.onRejected();
    } else if (outcome.status === "applied" && entry.onApplied) {
      entry.onApplied(outcome);
    }
  }

  async function run(action, trigger) {
    const spec = ACTIONS[action];
    if (!spec || state.inFlight.has(action)) return;
    const button = document.querySelector(`[data-action="${action}"]`);
    if (button && trigger === "key") {
      button.classList.add("pressed");
      setTimeout(() => button.classList.remove("pressed"), 180);
    }
    let payload;
    let label = spec.label;
    if (action === "extend") {
      const seconds = Number($("extend-seconds").value) || 30;
      payload = { seconds };
      label = `Extend the statement by ${R.clockText(seconds)}`;
    }
    state.inFlight.add(action);
    if (button) button.setAttribute("aria-busy", "true");
    try {
      await send(label, "POST", `${R.meetingPath}/${spec.path}`, payload);
    } finally {
      state.inFlight.delete(action);
      if (button) button.removeAttribute("aria-busy");
    }
  }

  function move(inscriptionId, position) {
    const entry = speakers().find((s) => s.inscription.inscription_id === inscriptionId);
    if (!entry || position < 1 || position === entry.position) return;
    const row = document.querySelector(`tr[data-id="${CSS.escape(inscriptionId)}"]`);
    if (row) row.classList.add("pending");
    const payload = { inscription_id: inscriptionId, position };
    send(`Move ${entry.inscription.delegation} to place ${position}`, "POST", `${R.meetingPath}/list/move`, payload, {
      onRejected: () => row && row.classList.remove("pending"),
    });
  }

  function withdraw(entry) {
    const id = entry.inscription.inscription_id;
    send(`Withdraw ${entry.inscription.delegation}`, "DELETE", `${R.meetingPath}/inscriptions/${encodeURIComponent(id)}`);
  }

  async function addSpeaker(event) {
    event.preventDefault();
    const form = event.target;
    const payload = R.inscriptionBody(form);
    if (!payload.delegation) {
      R.notify("error", "Add a speaker: name the delegation.");
      $("add-delegation").focus();
      return;
    }
    const who = payload.delegation;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await send(`Add ${who}`, "POST", `${R.meetingPath}/inscriptions`, payload, { onApplied: async (outcome) => {
        let position = outcome.position;
        let estimated = outcome.estimated_at;
        if (position === undefined && outcome.inscription_id) {
          try {
            const found = await R.api(state.token, "GET", `${R.meetingPath}/inscriptions/${outcome.inscription_id}`);
            position = found.position;
            estimated = found.estimated_at;
          } catch (e) {
            position = undefined;
          }
        }
        const place = position ? `, ${R.ordinal(position)} on the list` : "";
        const when = estimated ? ` (about ${R.timeIn(estimated, zone())})` : "";
        R.notify("success", `${who} is inscribed${place}${when}.`);
      } });
      if (answer) {
        form.reset();
        R.fillSelect($("add-category"), R.CATEGORIES, "member_state");
        R.fillSelect($("add-level"), R.LEVELS, "other");
        $("add-delegation").focus();
      }
    } finally {
      button.disabled = false;
    }
  }

  // --- rendering -----------------------------------------------------------------------------------

  function render(cause) {
    const view = state.view;
    if (!view) return;
    renderHeader(view);
    renderStatus(view);
    renderFloor(view);
    if (!cause || ["ListChanged", "EstimatesChanged", "SpeakerCalled", "MeetingSetUp"].includes(cause)) {
      renderList(view);
      renderEstimates(view);
    }
    tick();
  }

  function renderHeader(view) {
    const setup = view.setup || {};
    if (setup.title) $("meeting-title").textContent = setup.title;
    $("meeting-venue").textContent = [setup.venue, `meeting ${R.meetingId}`].filter(Boolean).join(" · ");
    document.title = `Console · ${setup.title || R.meetingId} · Rostrum`;
  }

  function renderStatus(view) {
    const [text, tone] = STATUS[view.status] || [view.status || "—", "neutral"];
    const chip = $("chip-status");
    chip.textContent = text;
    chip.dataset.tone = tone;
    const closed = view.list && view.list.closed;
    const listChip = $("chip-list");
    listChip.textContent = closed ? "List closed" : "List open";
    listChip.dataset.tone = closed ? "bad" : "good";
    $("segment").textContent = view.segment ? view.segment.title : "";
  }

  function renderFloor(view) {
    const floor = view.floor;
    const stateName = floor ? floor.state : "none";
    const label = $("floor-state");
    label.textContent = FLOOR_STATE[stateName] || stateName;
    label.dataset.state = stateName;
    const inscription = floor && floor.inscription;
    $("floor-delegation").textContent = inscription ? inscription.delegation : "—";
    $("floor-name").textContent = inscription ? R.speakerLine(inscription) : "Nobody has the floor.";
    const meta = [];
    if (inscription) {
      if (inscription.on_behalf_of) meta.push(`on behalf of ${inscription.on_behalf_of}`);
      meta.push(R.CATEGORIES[inscription.category] || inscription.category);
      meta.push(R.LEVELS[inscription.level] || inscription.level);
      meta.push(`limit ${R.clockText(floor.limit_seconds || 0)}`);
    }
    $("floor-meta").textContent = meta.join(" · ");
    const onFloor = inscription ? inscription.inscription_id : null; // the list may lag the call by a moment
    const next = speakers()
      .filter((s) => s.inscription.inscription_id !== onFloor)
      .slice(0, 2)
      .map((s) => s.inscription.delegation);
    $("floor-next").textContent = next.length ? `Next: ${next.join(", then ")}` : "Nobody is waiting.";
    const primary = { none: "call-next", called: "start", speaking: "end", paused: "resume" }[stateName];
    for (const button of document.querySelectorAll(".controls [data-action]")) {
      button.classList.toggle("btn-primary", button.dataset.action === primary);
    }
  }

  /* The countdown: redrawn several times a second from the meeting clock. */
  function tick() {
    const now = meetingNow();
    $("meeting-clock").textContent = now === null ? "--:--:--" : R.timeIn(now, zone(), true);
    const floor = state.view && state.view.floor;
    const box = $("countdown");
    const value = $("countdown-value");
    const label = $("countdown-label");
    const bar = $("progress-bar");
    if (!floor) {
      box.dataset.state = "idle";
      value.textContent = "--:--";
      label.textContent = "no speaker on the floor";
      bar.style.width = "0%";
      return;
    }
    const total = (floor.limit_seconds || 0) + (floor.extended_seconds || 0);
    const extended = floor.extended_seconds ? ` · extended +${R.clockText(floor.extended_seconds)}` : "";
    let remaining;
    if (floor.state === "called") {
      remaining = floor.limit_seconds || 0;
      box.dataset.state = "ready";
      label.textContent = "limit · the clock has not started";
    } else if (floor.state === "paused") {
      remaining = floor.remaining_seconds || 0;
      box.dataset.state = "paused";
      label.textContent = `paused${extended}`;
    } else {
      remaining = floor.deadline_at && now !== null ? (Date.parse(floor.deadline_at) - now) / 1000 : total;
      const warning = state.view.setup ? state.view.setup.time_limits.pre_warning_seconds : 30;
      if (remaining < 0 || floor.time_up) {
        box.dataset.state = "over";
        label.textContent = `over time${extended}`;
      } else {
        box.dataset.state = floor.pre_warning || remaining <= warning ? "warning" : "running";
        label.textContent = `remaining${extended}`;
      }
    }
    if (remaining < 0) {
      value.textContent = `+${R.clockText(-remaining)}`;
    } else {
      value.textContent = R.clockText(Math.ceil(remaining - 1e-6));
    }
    const used = total > 0 ? Math.min(1, Math.max(0, 1 - remaining / total)) : 0;
    bar.style.width = `${(used * 100).toFixed(1)}%`;
  }

  function unlikelyIds(view) {
    const ids = new Set((view.estimates && view.estimates.not_reached) || []);
    for (const s of speakers()) if (s.likely_reached === false) ids.add(s.inscription.inscription_id);
    return ids;
  }

  function relative(iso) {
    const now = meetingNow();
    if (!iso || now === null) return "";
    const minutes = Math.round((Date.parse(iso) - now) / 60000);
    if (minutes <= 0) return "now";
    return `in ${R.minutesText(minutes)}`;
  }

  function renderList(view) {
    if (state.dragging || state.pressed) {
      state.listStale = true; // redrawn when the drag ends: never pull a row from under the pointer
      return;
    }
    state.listStale = false;
    const list = speakers();
    const unlikely = unlikelyIds(view);
    const movable = isSecretariat();
    const cache = new Map();
    const rows = list.map((entry) => {
      const i = entry.inscription;
      const out = unlikely.has(i.inscription_id);
      // A row that shows the same is kept as it is: a drag (or a click) in progress is never disturbed.
      const signature = JSON.stringify([entry.position, entry.estimated_at, out, list.length, movable, zone(), i]);
      const kept = state.rows.get(i.inscription_id);
      if (kept && kept.signature === signature) {
        cache.set(i.inscription_id, kept);
        return kept.node;
      }
      const who = el("td", { class: "col-delegation" }, el("strong", { text: i.delegation }));
      if (i.on_behalf_of) who.append(el("div", { class: "sub", text: `on behalf of ${i.on_behalf_of}` }));
      if (i.category && i.category !== "member_state") {
        who.append(el("div", { class: "sub", text: R.CATEGORIES[i.category] || i.category }));
      }
      const actions = el("td", { class: "col-actions" });
      if (movable) {
        actions.append(
          el("button", {
            type: "button", class: "btn btn-icon", text: "▲", title: "Up one place",
            "aria-label": `Move ${i.delegation} up`, disabled: entry.position === 1,
            onclick: () => move(i.inscription_id, entry.position - 1),
          }),
          el("button", {
            type: "button", class: "btn btn-icon", text: "▼", title: "Down one place",
            "aria-label": `Move ${i.delegation} down`, disabled: entry.position === list.length,
            onclick: () => move(i.inscription_id, entry.position + 1),
          }),
          confirmButton("Withdraw", `Withdraw ${i.delegation}`, `withdraw:${i.inscription_id}`, () => withdraw(entry)),
        );
      }
      const node = el(
        "tr",
        {
          class: out ? "unlikely" : null,
          draggable: movable ? "true" : null,
          dataset: { id: i.inscription_id, position: String(entry.position), delegation: i.delegation },
        },
        el("td", { class: "col-handle", "aria-hidden": "true", text: movable ? "⠿" : "" }),
        el("td", { class: "col-num", text: String(entry.position) }),
        who,
        el("td", {}, i.speaker_name || "—", i.speaker_title ? el("div", { class: "sub", text: i.speaker_title }) : null),
        el("td", { text: R.LEVELS[i.level] || i.level }),
        el(
          "td",
          { class: "col-time" },
          el("span", { class: "time", text: R.timeIn(entry.estimated_at, zone()) }),
          el("span", { class: "sub relative", dataset: { at: entry.estimated_at || "" }, text: relative(entry.estimated_at) }),
        ),
        el("td", {}, out
          ? el("span", { class: "badge badge-bad", text: "Unlikely to be reached" })
          : el("span", { class: "badge badge-good", text: "Expected" })),
        actions,
      );
      cache.set(i.inscription_id, { signature, node });
      return node;
    });
    state.rows = cache;
    const tbody = $("speakers-body");
    const same = tbody.children.length === rows.length && rows.every((row, index) => tbody.children[index] === row);
    if (!same) tbody.replaceChildren(...rows);
    $("speakers-empty").hidden = list.length > 0;
    $("speakers").hidden = list.length === 0;
    $("list-count").textContent = list.length ? `${list.length} waiting` : "";
    $("drag-hint").hidden = !movable || list.length < 2;
  }

  /* A button that asks to be pressed twice. Which one is armed is kept here, not in the button, so that
   * a row redrawn between the two presses (the list is live) keeps it; arming one disarms the others. */
  function confirmButton(text, what, key, action) {
    const button = el("button", {
      type: "button", class: "btn btn-small btn-quiet", "aria-label": what, dataset: { confirmKey: key, text },
    });
    paintConfirm(button);
    button.addEventListener("click", () => {
      if (isArmed(key)) {
        state.armed = null;
        paintConfirms();
        action();
        return;
      }
      state.armed = { key, until: Date.now() + 5000 };
      paintConfirms();
      setTimeout(paintConfirms, 5100);
    });
    return button;
  }

  function isArmed(key) {
    return Boolean(state.armed && state.armed.key === key && Date.now() < state.armed.until);
  }

  function paintConfirm(button) {
    const armed = isArmed(button.dataset.confirmKey);
    button.textContent = armed ? "Confirm" : button.dataset.text;
    button.classList.toggle("btn-danger", armed);
  }

  function paintConfirms() {
    for (const button of document.querySelectorAll("button[data-confirm-key]")) paintConfirm(button);
  }

  function renderEstimates(view) {
    const est = view.estimates;
    const list = speakers();
    $("est-waiting").textContent = `${list.length} speaker${list.length === 1 ? "" : "s"}`;
    const box = $("subscription");
    if (!est) {
      box.textContent = "No estimate yet";
      box.dataset.tone = "neutral";
      return;
    }
    $("est-average").textContent = R.clockText(est.average_speech_seconds || 0);
    $("est-closes").textContent = R.timeIn(est.floor_closes_at, zone());
    $("est-end").textContent = est.estimated_end_at ? R.timeIn(est.estimated_end_at, zone()) : "—";
    const over = Number(est.oversubscription_minutes) || 0;
    if (over > 0.5) {
      box.textContent = `Oversubscribed by ${R.minutesText(over)}`;
      box.dataset.tone = "bad";
    } else if (over < -0.5) {
      box.textContent = `Undersubscribed: ${R.minutesText(-over)} to spare`;
      box.dataset.tone = "good";
    } else {
      box.textContent = "The list fills the time left";
      box.dataset.tone = "warn";
    }
    const unlikely = unlikelyIds(view);
    const names = list.filter((s) => unlikely.has(s.inscription.inscription_id)).map((s) => s.inscription.delegation);
    $("est-unlikely").textContent = names.length ? String(names.length) : "none";
    $("unlikely-names").textContent = names.length ? `Unlikely to be reached: ${names.join(", ")}.` : "";
  }

  function refreshRelativeTimes() {
    for (const span of document.querySelectorAll(".relative[data-at]")) span.textContent = relative(span.dataset.at);
  }

  // --- drag and drop -------------------------------------------------------------------------------

  function rowOf(event) {
    return event.target instanceof Element ? event.target.closest("tr[data-id]") : null;
  }

  function clearMarks() {
    for (const row of document.querySelectorAll("#speakers-body tr")) row.classList.remove("drop-before", "drop-after");
  }

  function endDrag() {
    const dragged = document.querySelector("#speakers-body tr.dragging");
    if (dragged) dragged.classList.remove("dragging");
    clearMarks();
    state.dragging = null;
    state.pressed = false;
    if (state.listStale && state.view) renderList(state.view);
  }

  function release() {
    if (!state.pressed || state.dragging) return;
    state.pressed = false;
    if (state.listStale && state.view) renderList(state.view);
  }

  function setUpDragAndDrop() {
    const body = $("speakers-body");
    // From the press on a row until the drag starts (or the press ends), the rows stay as they are.
    body.addEventListener("pointerdown", () => {
      state.pressed = true;
    });
    document.addEventListener("pointerup", release);
    document.addEventListener("pointercancel", release);
    body.addEventListener("dragstart", (event) => {
      const row = rowOf(event);
      if (!row || !isSecretariat()) return;
      state.dragging = row.dataset.id;
      row.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.dataset.delegation);
    });
    body.addEventListener("dragover", (event) => {
      const row = rowOf(event);
      if (!state.dragging || !row) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      const from = Number(document.querySelector(`tr[data-id="${CSS.escape(state.dragging)}"]`)?.dataset.position);
      const to = Number(row.dataset.position);
      clearMarks();
      if (row.dataset.id !== state.dragging) row.classList.add(to < from ? "drop-before" : "drop-after");
    });
    body.addEventListener("drop", (event) => {
      event.preventDefault();
      const row = rowOf(event);
      const id = state.dragging;
      endDrag();
      if (row && id && row.dataset.id !== id) move(id, Number(row.dataset.position));
    });
    body.addEventListener("dragend", endDrag);
  }

  // --- keyboard ------------------------------------------------------------------------------------

  function setUpKeys() {
    document.addEventListener("keydown", (event) => {
      if (!state.token || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
      const target = event.target;
      if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) return;
      const key = event.key.toLowerCase();
      let action = KEYS[key];
      if (key === "p") action = state.view && state.view.floor && state.view.floor.state === "paused" ? "resume" : "pause";
      if (!action) return;
      event.preventDefault();
      run(action, "key");
    });
  }

  // --- start ---------------------------------------------------------------------------------------

  async function accept(credential) {
    if (credential.role === "secretariat" || credential.role === "chair") return;
    const whose = credential.delegation ? `the delegation of ${credential.delegation}` : `a ${credential.role}`;
    const hint = credential.role === "delegation" ? ` Delegations use /delegation/${R.meetingId}.` : "";
    throw new R.ApiError(`The console is for the secretariat and the chair; this credential is for ${whose}.${hint}`, 403);
  }

  async function ready(token, credential) {
    state.token = token;
    state.role = credential.role;
    $("who").textContent = credential.role === "secretariat" ? "Secretariat" : "Chair";
    $("add-card").hidden = !isSecretariat();
    document.body.dataset.role = credential.role;
    R.fillSelect($("add-category"), R.CATEGORIES, "member_state");
    R.fillSelect($("add-level"), R.LEVELS, "other");
    try {
      const meeting = await R.api(token, "GET", R.meetingPath);
      if (!state.view) {
        $("meeting-title").textContent = meeting.setup.title;
        $("meeting-venue").textContent = meeting.setup.venue || "";
      }
    } catch (e) {
      R.notify("error", e.message, { sticky: true });
    }
    connect();
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const button of document.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => run(button.dataset.action, "click"));
    }
    $("extend-seconds").addEventListener("change", (event) => event.target.blur());
    $("add-form").addEventListener("submit", addSpeaker);
    setUpDragAndDrop();
    setUpKeys();
    setInterval(tick, 200);
    setInterval(refreshRelativeTimes, 15000);
    R.signIn(store, accept, ready);
  });
})();
