// The live ticket: follows its number by Server-Sent Events, says plainly when the data may
// be old, and rings (with the page open) when the number is near or called.
(function () {
  const box = document.getElementById("ticket");
  if (!box) return;
  const headline = document.getElementById("headline");
  const detail = document.getElementById("detail");
  const near = document.getElementById("near");
  const stale = document.getElementById("stale");
  const asOf = document.getElementById("as-of");
  const notify = document.getElementById("notify");
  const heartbeat = parseFloat(box.dataset.heartbeat) * 1000;
  let last = Date.now();
  let lastTime = null;
  let rang = { near: false, called: false };

  function ring() {
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.6);
    } catch (e) { /* no sound on this phone: the page still says it */ }
    if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
  }

  function tell(text) {
    if (window.Notification && Notification.permission === "granted") {
      new Notification(text);
    }
  }

  function show(words) {
    headline.textContent = words.headline;
    detail.textContent = words.detail;
    box.className = "ticket " + words.status + (words.near ? " near" : "");
    near.hidden = !words.near;
    if (words.near && !rang.near) { rang.near = true; ring(); tell(box.dataset.near); }
    if (words.status === "called" && !rang.called) { rang.called = true; ring(); tell(words.headline); }
    if (words.status !== "waiting" || words.leaving) {
      document.querySelectorAll(".actions").forEach(function (el) { el.hidden = true; });
    }
  }

  // the time of the data, as the office's clock tells it; the office's own notice (a site
  // that stopped reporting to the centre) until the connection itself is lost
  let reported = "";
  function fresh(clock) {
    last = Date.now();
    lastTime = clock.time;
    asOf.textContent = asOf.dataset.text.replace("{time}", clock.time);
    stale.textContent = reported;
    stale.hidden = !reported;
  }

  const source = new EventSource(box.dataset.stream);
  source.onmessage = function (event) {
    const words = JSON.parse(event.data);
    reported = words.stale;
    fresh(words);
    show(words);
    if (words.final) source.close();
  };
  source.addEventListener("alive", function (event) {
    fresh(JSON.parse(event.data));
  });
  setInterval(function () {
    const quiet = Date.now() - last;
    if (source.readyState === EventSource.CLOSED && box.className.indexOf("waiting") < 0) return;
    if (quiet > 2 * heartbeat + 2000 || source.readyState !== EventSource.OPEN) {
      const time = lastTime || new Date().toLocaleTimeString(document.documentElement.lang);
      stale.textContent = box.dataset.stale.replace("{time}", time);
      stale.hidden = false;
    }
  }, 1000);

  if (notify && window.Notification && Notification.permission === "default") {
    notify.hidden = false;
    notify.onclick = function () {
      Notification.requestPermission().then(function () { notify.hidden = true; });
    };
  }
})();
