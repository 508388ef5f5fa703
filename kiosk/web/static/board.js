"use strict";

(function () {
  const root = document.getElementById("board");
  const lang = root.dataset.lang;
  const callsEl = document.getElementById("calls");
  const waitingEl = document.getElementById("waiting");
  const banner = document.getElementById("reconnecting");
  const soundButton = document.getElementById("sound");
  let soundOn = false;
  // The newest call the page was drawn with: a call made before the stream's first message
  // is then still announced.
  let lastSeq = Number(root.dataset.lastSeq);
  const player = new Audio();
  const pending = [];

  soundButton.addEventListener("click", () => {
    soundOn = true;
    soundButton.hidden = true;
  });

  function playNext() {
    if (!pending.length || !player.paused) return;
    player.src = pending.shift();
    player.play().catch(() => {});
  }
  player.addEventListener("ended", playNext);

  function item(parent, cls, text) {
    const span = document.createElement("span");
    span.className = cls;
    span.textContent = text;
    parent.appendChild(span);
  }

  // a booked visitor's ticket: a small clock after the number, named for screen readers
  const bookedTemplate = document.getElementById("booked-mark");
  function bookedMark(num) {
    num.appendChild(bookedTemplate.content.cloneNode(true));
  }

  function render(data) {
    callsEl.replaceChildren();
    data.calls.forEach((call, i) => {
      const li = document.createElement("li");
      if (i === 0) li.className = "newest";
      item(li, "num", call.label);
      if (call.booked) bookedMark(li.firstChild);
      item(li, "ctr", String(call.counter));
      callsEl.appendChild(li);
    });
    waitingEl.replaceChildren();
    data.categories.forEach((c) => {
      const li = document.createElement("li");
      item(li, "code", c.code);
      item(li, "name", lang === "bg" ? c.name_bg : c.name_en);
      item(li, "count", String(c.waiting));
      waitingEl.appendChild(li);
    });
    const newest = data.calls[0];
    if (newest && newest.seq > lastSeq && soundOn) {
      // by the call's event number: the server speaks only calls it recorded
      pending.push(`/api/announce/${newest.seq}.wav?` + new URLSearchParams({ lang }).toString());
      playNext();
    }
    if (newest) lastSeq = Math.max(lastSeq, newest.seq);
  }

  function tick() {
    document.getElementById("clock").textContent = new Date().toLocaleTimeString(
      lang === "bg" ? "bg-BG" : "en-GB", { hour: "2-digit", minute: "2-digit" });
  }
  tick();
  setInterval(tick, 10000);

  liveQueue(render, (ok) => {
    banner.hidden = ok;
    document.body.classList.toggle("offline", !ok);
  });
})();
