// What is wrong with the kiosk, on the admin page and the counter panel (never the board):
// one line each, the list hidden when there is none.
"use strict";

function showHealthAlerts(list, texts) {
  list.replaceChildren(...texts.map((text) => {
    const li = document.createElement("li");
    li.textContent = text;
    return li;
  }));
  list.hidden = texts.length === 0;
}

// The admin page (its list marked data-watch) has no stream of its own: it asks again twice
// a minute. The panel's list comes with the panel's data.
(function () {
  const list = document.getElementById("health-alerts");
  if (!list || !("watch" in list.dataset)) return;
  setInterval(async () => {
    const response = await fetch("/api/health-alerts", { credentials: "same-origin" });
    if (response.ok) showHealthAlerts(list, await response.json());
  }, 30000);
})();
