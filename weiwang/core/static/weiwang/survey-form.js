// Conditional survey questions: a fieldset with data-show-if="q-12" data-show-value="yes" is
// shown only while question 12 has that answer. The server applies the same rule, so without
// this script every question shows and answers to hidden ones are dropped on saving.
(() => {
  function answers(form, name) {
    return [...form.querySelectorAll(`[name="${name}"]`)]
      .filter((field) => (field.type === "radio" || field.type === "checkbox") ? field.checked : field.value)
      .map((field) => field.value);
  }

  function apply(form) {
    for (const box of form.querySelectorAll("[data-show-if]")) {
      const source = form.querySelector(`[data-question="${box.dataset.showIf.slice(2)}"]`);
      const visible = !source?.hidden && answers(form, box.dataset.showIf).includes(box.dataset.showValue);
      box.hidden = !visible;
      for (const field of box.querySelectorAll("input, select, textarea")) field.disabled = !visible;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form[data-survey-form]")) {
      form.addEventListener("change", () => apply(form));
      apply(form);
    }
  });
})();
