// Shared by the board and the panel: the live queue stream that reconnects by itself,
// and JSON calls that carry the session's CSRF token.
"use strict";

function liveQueue(onData, onState) {
  let source = null;
  let retry = null;
  function open() {
    source = new EventSource("/api/events");
    source.addEventListener("open", () => onState(true));
    source.addEventListener("queue", (e) => { onState(true); onData(JSON.parse(e.data)); });
    source.addEventListener("error", () => {
      onState(false);
      // The browser retries by itself unless the stream was refused; then we start anew.
      if (source.readyState === EventSource.CLOSED && retry === null) {
        retry = setTimeout(() => { retry = null; open(); }, 2000);
      }
    });
  }
  open();
}

async function postJSON(url, body) {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
    body: JSON.stringify(body || {}),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(typeof data.detail === "string" ? data.detail : response.statusText);
    error.code = data.code; // a refused step names its case: the panel may ask and try again
    throw error;
  }
  return data;
}
