// Forms filled without signal (stairwells, basements) — visits and survey answers: the form is
// kept on the phone and sent as JSON when the connection returns, exactly once — the server
// keeps one record per idempotency key, so a retry after a lost answer never makes a second.
//
// <form data-offline data-upload-url=… data-offline-base='{"household_id": 5}' data-queued=…>;
// a field with data-group="answers" goes into payload.answers; a name given twice (checkboxes)
// becomes a list. Files (photos) cannot wait on the phone and are left out.
(() => {
  const KEY = "weiwang-offline-queue";
  const OLD_KEY = "weiwang-visit-queue";  // queues saved before the rename
  const read = () => JSON.parse(localStorage.getItem(KEY) || "[]")
    .concat(JSON.parse(localStorage.getItem(OLD_KEY) || "[]"));
  const write = (queue) => { localStorage.setItem(KEY, JSON.stringify(queue)); localStorage.removeItem(OLD_KEY); };
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

  function add(target, name, value) {
    if (name in target) target[name] = [].concat(target[name], value);
    else target[name] = value;
  }

  function payloadOf(form) {
    const payload = JSON.parse(form.dataset.offlineBase || "{}");
    for (const [name, value] of new FormData(form).entries()) {
      if (name === "csrfmiddlewaretoken" || value instanceof File) continue;
      const group = form.querySelector(`[name="${name}"]`)?.dataset.group;
      if (group) {
        payload[group] = payload[group] || {};
        if (value) add(payload[group], name, value);
      } else {
        add(payload, name, value);
      }
    }
    return payload;
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form[data-offline]")) {
      form.addEventListener("submit", (event) => {
        if (navigator.onLine) return;  // online: the ordinary form post
        event.preventDefault();
        const queue = read();
        const token = form.querySelector("[name=csrfmiddlewaretoken]")?.value;
        const payload = payloadOf(form);
        payload.queued_at = new Date().toISOString();  // when it was filled in, not sent
        queue.push({ url: form.dataset.uploadUrl, payload, token });
        write(queue);
        form.reset();
        say(form.dataset.queued);
      });
    }
    flush();
  });
  window.addEventListener("online", flush);
})();
