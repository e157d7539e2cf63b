// The knowledge-base page: reveal another language block on demand; confirm a deletion.
document.addEventListener("DOMContentLoaded", () => {
  const add = document.querySelector(".add-version");
  const spare = () => document.querySelector("fieldset.version.spare");
  if (add && spare()) {
    add.hidden = false;
    add.addEventListener("click", () => {
      const next = spare();
      if (next) {
        next.classList.remove("spare");
        next.querySelector("input")?.focus();
      }
      add.hidden = !spare();
    });
  }
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
