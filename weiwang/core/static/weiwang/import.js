// Import progress: poll the job's status while it runs, then reload to show the result.
(function () {
  const box = document.getElementById("import-progress");
  if (!box || !box.dataset.running) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-field=progress-text]");
  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
      const state = await response.json();
      if (!state.running) { window.location.reload(); return; }
      bar.max = state.total || 1;
      bar.value = state.done;
      text.textContent = state.total ? state.done + " / " + state.total : "";
    } catch (error) { /* a dropped request is retried on the next tick */ }
    window.setTimeout(poll, 1000);
  }
  poll();
})();
