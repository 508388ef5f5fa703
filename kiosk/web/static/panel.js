"use strict";

(function () {
  const root = document.getElementById("panel");
  const $ = (id) => document.getElementById(id);
  const message = $("message");
  const categoryText = $("label-category").innerHTML;
  const counterText = $("label-counter").innerHTML;
  let current = null;
  let offset = 0; // server clock minus browser clock, so the timer uses the server's time

  function say(text, isError) {
    message.textContent = text || "";
    message.classList.toggle("error", !!isError);
  }

  function fillSelect(select, options) {
    const keep = select.value;
    select.replaceChildren();
    options.forEach(([value, text]) => {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      select.appendChild(o);
    });
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }

  function show(view) {
    offset = new Date(view.now) - new Date();
    current = view.current && ["called", "serving"].includes(view.current.status) ? view.current : null;
    $("current-label").textContent = current ? current.label : "—";
    $("current-status").textContent = current ? root.dataset["status" + current.status[0].toUpperCase() + current.status.slice(1)] : root.dataset.none;
    $("served-today").textContent = view.served_today ?? "—"; // null: not counted while closed
    const ul = $("waiting-categories");
    ul.replaceChildren();
    view.categories.forEach((c) => {
      const li = document.createElement("li");
      li.textContent = c.code + " · " + (document.documentElement.lang === "bg" ? c.name_bg : c.name_en) + ": ";
      const b = document.createElement("strong");
      b.textContent = c.waiting;
      li.appendChild(b);
      ul.appendChild(li);
    });
    fillSelect($("transfer-target"), [
      ...view.transfer_categories.map((c) => ["category:" + c, categoryText.replace("{code}", c)]),
      ...view.transfer_counters.map((n) => ["counter:" + n, counterText.replace("{number}", n)]),
    ]);
    fillSelect($("waiting-labels"), view.waiting.map((l) => [l, l]));
    showHealthAlerts($("health-alerts"), view.alerts);
    showAppointments(view.appointments);
    tickTimer();
  }

  // data-booked-checked_in → dataset["bookedChecked_in"]: only the first letter is raised
  const bookedText = (status) => root.dataset["booked" + status[0].toUpperCase() + status.slice(1)];

  function showAppointments(appointments) {
    const body = $("appointment-rows");
    body.replaceChildren();
    appointments.forEach((a) => {
      const tr = document.createElement("tr");
      tr.className = a.status;
      [
        ["time", a.time], ["code", a.code], ["name", a.name || "—"], ["category", a.category],
        ["visit", bookedText(a.status)], ["booked-ticket", a.ticket || ""],
      ].forEach(([cls, text]) => {
        const td = document.createElement("td");
        td.className = cls;
        td.textContent = text;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    $("no-appointments").hidden = appointments.length > 0;
  }

  function tickTimer() {
    if (!current) { $("timer").textContent = ""; return; }
    const since = new Date(current.serving_at || current.called_at);
    const s = Math.max(0, Math.floor((Date.now() + offset - since) / 1000));
    $("timer").textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  setInterval(tickTimer, 1000);

  let refusal = null; // why the server would not show the counter, until it does again
  let closed = false;
  // every press and form that calls or moves a ticket: a closed counter is refused them all
  const calls = document.querySelectorAll(
    "[data-action], #transfer-form button, #call-ticket-form button");

  // open, closed (a break: reopened here), or null: no counter to show, nothing to offer
  function showOpen(open) {
    closed = open !== true;
    $("close-counter").hidden = open !== true;
    $("open-counter").hidden = open !== false;
    $("closed-note").hidden = open !== false;
    calls.forEach((b) => { b.disabled = closed; });
  }

  async function refresh() {
    const response = await fetch("/api/panel", { credentials: "same-origin" });
    if (response.status === 401) { location.href = "/login"; return; }
    if (response.ok) {
      // a closed counter comes with its queue: the clerk on a break sees who waits for her
      const view = await response.json();
      show(view);
      showOpen(!view.closed);
      if (refusal !== null && message.textContent === refusal) say("");
      refusal = null;
    } else {
      // no counter to show (none in the set-up, or the account has none) offers nothing; a
      // passing fault (a busy database) leaves the buttons as they were
      const refused = await response.json().catch(() => ({}));
      if ([403, 409].includes(response.status)) showOpen(null);
      refusal = refused.detail || response.statusText;
      say(refusal, true);
    }
  }

  async function openOrClose(state) {
    try {
      await postJSON("/api/panel/counter/" + root.dataset.counter + "/" + state);
      // closing, the note says it; what the last press did is no longer the news
      say(state === "open" ? root.dataset.opened.replace("{number}", root.dataset.counter) : "");
    } catch (err) {
      say(err.message, true);
    }
    await refresh();
  }
  $("close-counter").addEventListener("click", () => openOrClose("close"));
  $("open-counter").addEventListener("click", () => openOrClose("open"));

  // Calling while the current ticket was only called asks whether that visitor came, so a
  // no-show is never recorded as served; the answer repeats the call with `previous`.
  const ask = $("ask-arrival");
  let pending = null;

  function askArrival(text, action, body) {
    pending = { action, body };
    $("ask-text").textContent = text;
    say("");
    ask.hidden = false;
    ask.querySelector("button").focus();
  }

  ask.querySelectorAll("[data-previous]").forEach((b) =>
    b.addEventListener("click", () => {
      ask.hidden = true;
      const { action, body } = pending || {};
      pending = null;
      if (b.dataset.previous && action) act(action, { ...(body || {}), previous: b.dataset.previous });
    }));

  // data-said-no-show → dataset["saidNoShow"]
  const saidText = (action) =>
    root.dataset["said" + action.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())];

  // true when the server did it: a refused form keeps what the clerk typed
  async function act(action, body) {
    let done = false;
    try {
      const result = await postJSON("/api/panel/" + action, body);
      // what the press did, with the number: a bare number after Done or No-show read as
      // if that ticket were still at the counter
      if (action === "call" && !result.ticket) say(root.dataset.nobody);
      else say(result.ticket ? saidText(action).replace("{label}", result.ticket.label) : "");
      done = true;
    } catch (err) {
      if (err.code === "called_not_started") askArrival(err.message, action, body);
      else say(err.message, true);
    }
    await refresh();
    return done;
  }

  document.querySelectorAll("[data-action]").forEach((b) =>
    b.addEventListener("click", () => act(b.dataset.action)));

  $("transfer-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const [kind, value] = $("transfer-target").value.split(":");
    const reason = e.target.reason.value || null;
    act("transfer", kind === "category"
      ? { to_category: value, reason }
      : { to_counter: Number(value), reason });
  });
  $("call-ticket-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const reason = e.target.reason;
    if (await act("call-ticket", { label: $("waiting-labels").value, reason: reason.value })) {
      reason.value = "";
    }
  });

  const keys = { n: "call", r: "recall", s: "start", d: "finish", x: "no-show" };
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey || e.target.closest("input, select, textarea")) return;
    if (!ask.hidden) return; // the question is answered with its own buttons
    if (closed) return; // as its buttons, the keys call nothing at a closed counter
    const key = e.key.toLowerCase();
    if (keys[key]) { e.preventDefault(); act(keys[key]); }
    else if (key === "t") { e.preventDefault(); $("transfer-target").focus(); }
  });

  liveQueue(() => refresh(), (ok) => {
    if (!ok) say(root.dataset.offline, true);
    else if (message.textContent === root.dataset.offline) say("");
  });
  refresh();
  // the kiosk's health changes without a queue event: looked at again twice a minute
  setInterval(refresh, 30000);
})();
