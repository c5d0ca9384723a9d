// "Use my position": fill the hidden latitude/longitude fields of a report form from the
// phone's location, and say what happened (no position leaves the phone unless tapped).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-locate]");
  if (!button) return;
  const form = button.closest("form");
  const status = document.querySelector("[data-locate-status]");
  if (!("geolocation" in navigator)) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", () => {
    status.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
        status.textContent = button.dataset.done;
      },
      () => { status.textContent = button.dataset.failed; },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
});
