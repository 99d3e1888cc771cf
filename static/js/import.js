/* Barometer import page (admin): while a large file uploads and imports, say so and keep the
   button from being pressed twice. Without this script the form works the same. */
(function () {
  "use strict";
  document.querySelectorAll("form.import-form").forEach(function (form) {
    form.addEventListener("submit", function () {
      var status = form.querySelector(".import-status");
      if (status) {
        status.textContent = form.getAttribute("data-busy-message");
      }
      form.setAttribute("aria-busy", "true");
      form.querySelectorAll("input[type=submit], button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    });
  });
})();
