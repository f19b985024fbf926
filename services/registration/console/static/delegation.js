/* A delegation's page: ask to speak, follow the place and the estimated time, withdraw.
 *
 * The delegation is the credential's own. Its inscriptions are those this browser made (remembered in
 * localStorage) and any the public rolling list shows for it (made by e-mail or by the secretariat);
 * each is read from the registration API every few seconds. */
"use strict";

(() => {
  const R = Rostrum;
  const { $, el } = R;
  const store = R.tokenStore("delegation");
  const POLL_MS = 3000;
  const FINAL = new Set(["withdrawn", "spoken", "dropped", "rejected", "not_reached"]);
  const STATUS = {
    pending: ["Received", "neutral", "Waiting for the list of speakers to confirm it."],
    accepted: ["On the list", "good", ""],
    called: ["Called to the floor", "warn", "The chair has called your delegation: please take the floor."],
    speaking: ["Speaking", "good", "Your delegation has the floor."],
    paused: ["Speaking (clock paused)", "good", ""],
    spoken: ["Has spoken", "neutral", "Your delegation has delivered its statement."],
    withdrawn: ["Withdrawn", "neutral", "This inscription was withdrawn."],
    dropped: ["Dropped", "bad", "Absent when called: the meeting drops absent speakers from the list."],
    rejected: ["Not inscribed", "bad", ""],
    not_reached: ["Not reached", "bad", "The meeting concluded before your delegation was reached."],
  };

  const state = {
    token: null,
    delegation: null,
    timezone: "UTC",
    inscriptions: new Map(), // id -> the API's view of it
    order: [],
    timer: null,
    waiting: 0,
    confirming: null, // the inscription whose withdrawal awaits confirmation
    shown: "", // what the cards show now: they are redrawn only when it changes
  };

  const rememberKey = () => `rostrum.delegation.${R.meetingId}.${state.delegation}`;

  function remembered() {
    try {
      return JSON.parse(localStorage.getItem(rememberKey()) || "[]");
    } catch (e) {
      return [];
    }
  }

  function remember(id) {
    if (!state.order.includes(id)) state.order.unshift(id);
    localStorage.setItem(rememberKey(), JSON.stringify(state.order.slice(0, 20)));
  }

  // --- reading -------------------------------------------------------------------------------------

  async function readPublicList() {
    try {
      const response = await fetch(`${R.notifierUrl}${R.meetingPath}/list`, { cache: "no-store" });
      if (!response.ok) return;
      const list = await response.json();
      const mine = (s) => s && s.delegation && s.delegation.toLowerCase() === state.delegation.toLowerCase();
      for (const entry of list.speakers || []) if (mine(entry.inscription)) remember(entry.inscription.inscription_id);
      if (list.floor && mine(list.floor.inscription)) remember(list.floor.inscription.inscription_id);
      const closed = list.closed;
      const chip = $("chip-list");
      chip.textContent = closed ? "List closed" : "List open";
      chip.dataset.tone = closed ? "bad" : "good";
      state.waiting = (list.speakers || []).length;
      $("waiting-count").textContent = `${state.waiting} speaker${state.waiting === 1 ? "" : "s"} waiting`;
      const floor = list.floor && list.floor.inscription;
      $("floor-now").textContent = floor ? `On the floor: ${floor.delegation}` : "Nobody has the floor.";
    } catch (e) {
      // The public list is a convenience here; the API below is what counts.
    }
  }

  async function readInscription(id) {
    try {
      const found = await R.api(state.token, "GET", `${R.meetingPath}/inscriptions/${encodeURIComponent(id)}`);
      state.inscriptions.set(id, found);
    } catch (e) {
      if (e.status === 404 || e.status === 403) {
        state.order = state.order.filter((x) => x !== id);
        state.inscriptions.delete(id);
      } else if (e.status === 401) {
        R.notify("error", "Your credential is no longer accepted: sign in again.", { sticky: true });
      }
    }
  }

  async function refresh() {
    clearTimeout(state.timer);
    await readPublicList();
    const due = state.order.filter((id) => !FINAL.has((state.inscriptions.get(id) || {}).status));
    await Promise.all(due.map(readInscription));
    render();
    $("places-updated").textContent = `Updated ${new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" })}`;
    state.timer = setTimeout(refresh, POLL_MS);
  }

  // --- rendering -----------------------------------------------------------------------------------

  function render() {
    const found = state.order.map((id) => state.inscriptions.get(id)).filter(Boolean);
    // Redrawn only when something shown changes: a button being pressed is never pulled away.
    const shown = JSON.stringify([found, state.waiting, state.confirming, state.timezone]);
    if (shown === state.shown) return;
    state.shown = shown;
    $("places").replaceChildren(...found.map(card));
    $("places-empty").hidden = found.length > 0;
  }

  function card(found) {
    const [label, tone, note] = STATUS[found.status] || [found.status, "neutral", ""];
    const details = found.details || {};
    const speaker = [details.speaker_name, details.speaker_title].filter(Boolean).join(", ");
    const finished = FINAL.has(found.status);
    const body = el("div", { class: "place-body" });
    if (found.status === "accepted" && found.position) {
      body.append(
        el(
          "div",
          { class: "place-figure" },
          el("span", { class: "place-number", text: R.ordinal(found.position) }),
          el("span", { class: "place-of", text: ` on the list${state.waiting ? ` of ${state.waiting}` : ""}` }),
        ),
        el(
          "div",
          { class: "place-time" },
          "Estimated time of speaking: ",
          el("strong", { text: found.estimated_at ? R.timeIn(found.estimated_at, state.timezone) : "not yet known" }),
          found.estimated_at ? ` (${state.timezone.split("/").pop().replace(/_/g, " ")} time)` : "",
        ),
      );
      if (found.likely_reached === false) {
        body.append(
          el("p", {
            class: "place-warning",
            text: "At the present pace your delegation is unlikely to be reached before the floor closes.",
          }),
        );
      }
    }
    if (found.status === "rejected") {
      body.append(el("p", { class: "place-reason", text: found.reason || "The list of speakers refused it." }));
    } else if (note) {
      body.append(el("p", { class: "place-note", text: note }));
    }
    const head = el(
      "div",
      { class: "place-head" },
      el("span", { class: "chip", dataset: { tone }, text: label }),
      el("span", { class: "place-speaker", text: speaker || (finished ? "" : "Speaker not yet named") }),
    );
    const card = el("article", { class: `place${finished ? " place-finished" : ""}`, dataset: { id: found.inscription_id, status: found.status } }, head, body);
    if (found.status === "pending" || found.status === "accepted") card.append(withdrawControls(found));
    return card;
  }

  function withdrawControls(found) {
    const confirming = (id) => () => {
      state.confirming = id;
      render();
    };
    if (state.confirming !== found.inscription_id) {
      return el(
        "div",
        { class: "place-actions" },
        el("button", { type: "button", class: "btn", text: "Withdraw", onclick: confirming(found.inscription_id) }),
      );
    }
    return el(
      "div",
      { class: "place-actions" },
      el("span", { class: "confirm-text", text: "Withdraw from the list of speakers? Your place is given up." }),
      el("button", { type: "button", class: "btn btn-danger", text: "Confirm withdrawal", onclick: () => withdraw(found) }),
      el("button", { type: "button", class: "btn btn-quiet", text: "Keep my place", onclick: confirming(null) }),
    );
  }

  // --- writing -------------------------------------------------------------------------------------

  async function withdraw(found) {
    state.confirming = null;
    try {
      await R.api(state.token, "DELETE", `${R.meetingPath}/inscriptions/${encodeURIComponent(found.inscription_id)}`);
      R.notify("success", "Withdrawal sent; your place is released once the list of speakers confirms it.");
      await R.sleep(400);
      refresh();
    } catch (e) {
      R.notify("error", `Withdraw: ${e.message}`);
    }
  }

  async function ask(event) {
    event.preventDefault();
    const form = event.target;
    const button = form.querySelector("button[type=submit]");
    const payload = R.inscriptionBody(form);
    button.disabled = true;
    try {
      const answer = await R.api(state.token, "POST", `${R.meetingPath}/inscriptions`, payload);
      remember(answer.inscription_id);
      state.inscriptions.set(answer.inscription_id, {
        inscription_id: answer.inscription_id,
        status: "pending",
        details: payload,
      });
      render();
      R.notify("info", "Your request to speak was received; the list of speakers confirms it in a moment.");
      form.reset();
      R.fillSelect($("ask-level"), R.LEVELS, "other");
      R.fillSelect($("ask-category"), R.CATEGORIES, "member_state");
      follow(answer.inscription_id);
    } catch (e) {
      R.notify("error", `Ask to speak: ${e.message}`);
    } finally {
      button.disabled = false;
    }
  }

  /* Reads a new inscription quickly until the list has answered, so that a refusal shows at once. */
  async function follow(id) {
    for (let wait = 250; wait < 4000; wait *= 1.6) {
      await R.sleep(wait);
      await readInscription(id);
      const found = state.inscriptions.get(id);
      if (found && found.status !== "pending") {
        render();
        if (found.status === "rejected") R.notify("error", `Not inscribed: ${found.reason}`);
        else if (found.status === "accepted") {
          const when = found.estimated_at ? `, about ${R.timeIn(found.estimated_at, state.timezone)}` : "";
          R.notify("success", `Inscribed: ${R.ordinal(found.position)} on the list${when}.`);
        }
        return;
      }
    }
  }

  // --- start ---------------------------------------------------------------------------------------

  async function accept(credential) {
    if (credential.role === "delegation") return;
    const hint = ["secretariat", "chair"].includes(credential.role) ? ` Use the console: /console/${R.meetingId}.` : "";
    throw new R.ApiError(`This page is for delegations; this credential is for the ${credential.role}.${hint}`, 403);
  }

  async function ready(token, credential) {
    state.token = token;
    state.delegation = credential.delegation;
    state.order = remembered();
    $("who").textContent = `Delegation of ${credential.delegation}`;
    $("ask-delegation").textContent = credential.delegation;
    R.fillSelect($("ask-level"), R.LEVELS, "other");
    R.fillSelect($("ask-category"), R.CATEGORIES, "member_state");
    try {
      const meeting = await R.api(token, "GET", R.meetingPath);
      $("meeting-title").textContent = meeting.setup.title;
      $("meeting-venue").textContent = meeting.setup.venue || "";
      state.timezone = meeting.setup.timezone || "UTC";
      document.title = `Ask to speak · ${meeting.setup.title} · Rostrum`;
    } catch (e) {
      R.notify("error", e.message, { sticky: true });
    }
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("ask-form").addEventListener("submit", ask);
    R.signIn(store, accept, ready);
  });
})();
