// Visits recorded without signal (stairwells, basements): the form is kept on the phone and
// sent when the connection returns, exactly once — the server keeps one visit per
// idempotency key, so a retry after a lost answer never makes a second one.
(() => {
  const KEY = "weiwang-visit-queue";
  const read = () => JSON.parse(localStorage.getItem(KEY) || "[]");
  const write = (queue) => localStorage.setItem(KEY, JSON.stringify(queue));
  const status = () => document.querySelector("[data-offline-status]");

  function say(text) {
    const box = status();
    if (box) { box.textContent = text; box.hidden = !text; }
  }

  async function flush() {
    const queue = read();
    if (!queue.length || !navigator.onLine) return;
    const left = [];
    const refused = [];
    for (const item of queue) {
      try {
        const token = document.querySelector("[name=csrfmiddlewaretoken]")?.value || item.token;
        const response = await fetch(item.url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": token },
          body: JSON.stringify(item.payload),
          credentials: "same-origin",
        });
        if (response.status >= 500) {
          left.push(item);  // try again later
        } else if (response.status >= 400) {
          const answer = await response.json().catch(() => ({}));
          refused.push(answer.error?.message || String(response.status));
        }
      } catch (error) {
        left.push(item);  // still offline
      }
    }
    write(left);
    const box = status();
    if (box && refused.length) say(`${box.dataset.refused} ${refused.join(" ")}`);
    else if (box && !left.length) say(box.dataset.uploaded);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.querySelector("form[data-offline-visit]");
    if (form) {
      form.addEventListener("submit", (event) => {
        if (navigator.onLine) return;  // online: the ordinary form post
        event.preventDefault();
        const data = new FormData(form);
        const payload = { household_id: Number(form.dataset.household), wellbeing: {} };
        for (const [name, value] of data.entries()) {
          if (name === "csrfmiddlewaretoken") continue;
          if (form.querySelector(`[name="${name}"]`)?.dataset.wellbeing !== undefined) {
            if (value) payload.wellbeing[name] = value;
          } else {
            payload[name] = value;
          }
        }
        const queue = read();
        queue.push({ url: form.dataset.uploadUrl, payload, token: data.get("csrfmiddlewaretoken") });
        write(queue);
        form.reset();
        say(form.dataset.queued);
      });
    }
    flush();
  });
  window.addEventListener("online", flush);
})();
