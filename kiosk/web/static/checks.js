// The admin page's checks: the slow ones (printer, speech, central server) run when asked,
// with a progress bar meanwhile; the list that comes back replaces the quick one.
"use strict";

(function () {
  const section = document.getElementById("checks");
  const button = document.getElementById("run-checks");
  if (!section || !button) return;
  const progress = document.getElementById("checks-progress");
  const note = document.getElementById("checks-note");
  button.addEventListener("click", async () => {
    button.disabled = true;
    progress.hidden = false;
    note.textContent = "";
    section.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/admin/checks", { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.statusText);
      document.getElementById("check-list").outerHTML = await response.text();
    } catch (error) {
      note.textContent = section.dataset.failed;
    } finally {
      button.disabled = false;
      progress.hidden = true;
      section.setAttribute("aria-busy", "false");
    }
  });
})();
