// Links whose file takes a while to make (data-download="name"): fetched here with a
// progress bar and a note meanwhile, then saved under their name. Without scripts the
// links still download, only without the progress.
"use strict";

(function () {
  const box = document.getElementById("yearly-downloads");
  if (!box) return;
  const progress = document.getElementById("yearly-progress");
  const note = document.getElementById("yearly-note");
  const status = note.textContent;
  for (const link of box.querySelectorAll("a[data-download]")) {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      if (box.getAttribute("aria-busy") === "true") return;
      box.setAttribute("aria-busy", "true");
      progress.hidden = false;
      note.hidden = false;
      note.textContent = status;
      try {
        const response = await fetch(link.href, { credentials: "same-origin" });
        if (!response.ok) throw new Error(response.statusText);
        const url = URL.createObjectURL(await response.blob());
        const save = document.createElement("a");
        save.href = url;
        save.download = link.dataset.download;
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        note.hidden = true;
      } catch (error) {
        note.textContent = box.dataset.failed;
      } finally {
        progress.hidden = true;
        box.setAttribute("aria-busy", "false");
      }
    });
  }
})();
