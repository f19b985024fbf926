/* Rostrum pages: what the console and the delegation page share.
 * The public API with the bearer token, errors in plain words, sign-in, notices, formatting.
 * No framework and no build step; text from the API is only ever set with textContent. */
"use strict";

const Rostrum = (() => {
  const body = document.body;
  const meetingId = body.dataset.meeting;
  const notifierUrl = (body.dataset.notifier || "").replace(/\/+$/, "");
  const meetingPath = `/v1/meetings/${encodeURIComponent(meetingId)}`;

  const LEVELS = {
    head_of_state_or_government: "Head of State or Government",
    minister: "Minister",
    vice_minister: "Vice-Minister",
    head_of_delegation: "Head of delegation",
    other: "Other",
  };
  const CATEGORIES = {
    member_state: "Member State",
    group: "Group of States",
    observer_state: "Observer State",
    observer_entity: "Observer (e.g. the EU)",
    un_entity_or_igo: "UN entity or IGO",
    civil_society: "Civil society",
  };
  const FIELDS = {
    delegation: "Delegation",
    category: "Category",
    level: "Level",
    speaker_name: "Speaker's name",
    speaker_title: "Title",
    on_behalf_of: "On behalf of",
    contact_emails: "Contact e-mails",
    position: "Place",
    seconds: "Seconds",
    inscription_id: "Speaker",
  };

  // --- small DOM helpers -----------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function fillSelect(select, options, chosen) {
    select.replaceChildren(
      ...Object.entries(options).map(([value, label]) => el("option", { value, selected: value === chosen }, label)),
    );
  }

  // --- the credential --------------------------------------------------------------------------

  function tokenStore(name) {
    const key = `rostrum.${name}.token`;
    return {
      get: () => sessionStorage.getItem(key),
      set: (token) => sessionStorage.setItem(key, token),
      clear: () => sessionStorage.removeItem(key),
    };
  }

  // --- the API -----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(message, status, data) {
      super(message);
      this.status = status;
      this.data = data;
    }
  }

  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes); // unlike randomUUID, available on plain http too
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function fieldLabel(field) {
    const parts = String(field || "").split(/[.[\]]+/).filter(Boolean);
    const name = parts.find((p) => FIELDS[p]) || parts[parts.length - 1] || "";
    const index = parts.find((p) => /^\d+$/.test(p));
    const label = FIELDS[name] || name.replace(/_/g, " ");
    return index !== undefined ? `${label} (${Number(index) + 1})` : label;
  }

  function plainMessage(status, data) {
    let message = data && typeof data.detail === "string" ? data.detail : "";
    if (!message) {
      message = {
        401: "This credential is not accepted here.",
        403: "This credential may not do this.",
        404: "Not found.",
        409: "The list's current state does not allow this.",
        413: "The request is too large.",
        422: "Some fields are not valid.",
        429: "Too many requests; wait a moment.",
        503: "The service is unavailable for a moment; nothing was done. Try again.",
      }[status] || `The service answered with an error (${status}).`;
    }
    if (data && Array.isArray(data.errors) && data.errors.length) {
      const details = data.errors.map((e) => {
        const allowed = Array.isArray(e.allowed) ? ` (one of: ${e.allowed.join(", ")})` : "";
        return `${fieldLabel(e.field)}: ${String(e.message).replace(/\.$/, "")}${allowed}`;
      });
      message = `${message.replace(/\.$/, "")}: ${details.join("; ")}.`;
    }
    return message;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /* One call to the registration API. Writes carry an Idempotency-Key; a write the broker did not take
   * (503), or one whose first attempt is still being handled (409 with Retry-After), is retried with the
   * same key, so it is never done twice. */
  async function api(token, method, path, payload) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["Idempotency-Key"] = newKey();
    const attempts = method === "GET" ? 1 : 3;
    for (let attempt = 1; ; attempt++) {
      let response;
      try {
        response = await fetch(path, {
          method,
          headers,
          body: payload === undefined ? undefined : JSON.stringify(payload),
          cache: "no-store",
        });
      } catch (e) {
        if (attempt < attempts) {
          await sleep(1000 * attempt);
          continue;
        }
        throw new ApiError("The registration service cannot be reached. Check the connection and try again.", 0);
      }
      const text = await response.text();
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch (e) {
        data = null;
      }
      if (response.ok) return data;
      const retryAfter = Number(response.headers.get("Retry-After"));
      const retriable = response.status === 503 || (response.status === 409 && retryAfter > 0);
      if (retriable && attempt < attempts) {
        await sleep(Math.min(Math.max(retryAfter || 1, 1), 5) * 1000);
        continue;
      }
      throw new ApiError(plainMessage(response.status, data), response.status, data);
    }
  }

  /* What became of a command the list of speakers may still refuse: resolves with the command's record
   * once it is rejected or applied, or with null if nothing was heard (a floor command that was carried
   * out stays "published": its effect shows on the live list). */
  async function followCommand(token, commandId, { until = 8000, stop = () => false } = {}) {
    const started = Date.now();
    let wait = 300;
    while (Date.now() - started < until) {
      await sleep(wait);
      if (stop()) return null;
      wait = Math.min(wait * 1.6, 2000);
      try {
        const found = await api(token, "GET", `${meetingPath}/commands/${encodeURIComponent(commandId)}`);
        if (found && found.status !== "published") return found;
      } catch (e) {
        if (e.status === 401 || e.status === 403) throw e;
      }
    }
    return null;
  }

  // --- notices -------------------------------------------------------------------------------------

  const activityLog = [];

  function notify(kind, text, { sticky = false } = {}) {
    const area = $("notices");
    const close = el("button", { type: "button", class: "notice-close", "aria-label": "Dismiss", text: "×" });
    const notice = el(
      "div",
      { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" },
      el("span", { class: "notice-kind", text: { error: "Refused", success: "Done", info: "Note" }[kind] || "" }),
      el("span", { class: "notice-text", text }),
      close,
    );
    close.addEventListener("click", () => notice.remove());
    area.prepend(notice);
    while (area.children.length > 3) area.lastElementChild.remove();
    if (!sticky) setTimeout(() => notice.remove(), kind === "error" ? 15000 : 6000);
    log(kind, text);
    return notice;
  }

  function log(kind, text) {
    const list = $("activity");
    if (!list) return;
    const time = new Date().toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    list.prepend(el("li", { class: `activity-${kind}` }, el("time", { text: time }), " ", text));
    while (list.children.length > 30) list.lastElementChild.remove();
    activityLog.push({ kind, text });
  }

  function clearNotices() {
    $("notices").replaceChildren();
  }

  // --- formatting --------------------------------------------------------------------------------

  function timeIn(iso, zone, withSeconds = false) {
    if (!iso) return "—";
    const moment = typeof iso === "number" ? new Date(iso) : new Date(iso);
    if (Number.isNaN(moment.getTime())) return "—";
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withSeconds) options.second = "2-digit";
    try {
      return moment.toLocaleTimeString("en-GB", { ...options, timeZone: zone || "UTC" });
    } catch (e) {
      return moment.toLocaleTimeString("en-GB", options);
    }
  }

  function clockText(seconds) {
    const whole = Math.max(0, Math.round(seconds));
    const m = Math.floor(whole / 60);
    const s = whole % 60;
    return `${m}:${String(s).padStart(2, "0")}`;
  }

  function minutesText(minutes) {
    const m = Math.round(Math.abs(minutes));
    if (m < 60) return `${m} min`;
    const h = Math.floor(m / 60);
    const rest = m % 60;
    return rest ? `${h} h ${rest} min` : `${h} h`;
  }

  function ordinal(n) {
    const tens = n % 100;
    if (tens >= 11 && tens <= 13) return `${n}th`;
    return `${n}${{ 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th"}`;
  }

  function speakerLine(inscription) {
    if (!inscription) return "";
    return [inscription.speaker_name, inscription.speaker_title].filter(Boolean).join(", ");
  }

  function emails(text) {
    return String(text || "")
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /* The inscription fields of a form, as the API takes them (empty optional fields left out). */
  function inscriptionBody(form) {
    const data = new FormData(form);
    const payload = {};
    for (const name of ["delegation", "category", "level", "speaker_name", "speaker_title", "on_behalf_of"]) {
      const value = data.get(name);
      if (value !== null && String(value).trim() !== "") payload[name] = String(value).trim();
    }
    const addresses = emails(data.get("contact_emails"));
    if (addresses.length) payload.contact_emails = addresses;
    return payload;
  }

  // --- sign-in -----------------------------------------------------------------------------------

  /* Shows the sign-in form until `accept(credential)` takes a token (it throws ApiError to refuse). */
  function signIn(store, accept, onReady) {
    const login = $("login");
    const form = $("login-form");
    const input = $("token");
    const error = $("login-error");
    const button = $("sign-in");

    async function tryToken(token, remembered) {
      error.textContent = "";
      button.disabled = true;
      try {
        const credential = await api(token, "GET", "/v1/whoami");
        await accept(credential);
        store.set(token);
        login.hidden = true;
        $("app").hidden = false;
        $("session").hidden = false;
        onReady(token, credential);
      } catch (e) {
        if (remembered) store.clear();
        login.hidden = false;
        error.textContent = e instanceof ApiError ? e.message : String(e);
        if (!remembered) input.select();
      } finally {
        button.disabled = false;
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!token) {
        error.textContent = "Enter your credential.";
        return;
      }
      tryToken(token, false);
    });
    $("sign-out").addEventListener("click", () => {
      store.clear();
      location.reload();
    });
    const remembered = store.get();
    if (remembered) tryToken(remembered, true);
    else {
      login.hidden = false;
      input.focus();
    }
  }

  return {
    $,
    ApiError,
    CATEGORIES,
    LEVELS,
    activityLog,
    api,
    clearNotices,
    clockText,
    el,
    fillSelect,
    followCommand,
    inscriptionBody,
    log,
    meetingId,
    meetingPath,
    minutesText,
    notifierUrl,
    notify,
    ordinal,
    signIn,
    sleep,
    speakerLine,
    timeIn,
    tokenStore,
  };
})();
