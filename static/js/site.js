/* The site's own script: progressive enhancement only, every page works without it. */
(function () {
  "use strict";

  /* A live character count under textareas that carry data-counter="{count} / {max} …". */
  function addCounter(field) {
    var template = field.getAttribute("data-counter");
    var max = field.getAttribute("maxlength") || "";
    var output = document.createElement("p");
    output.className = "form-text char-counter";
    output.id = field.id + "-laskuri";
    output.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", output);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + output.id);
    function update() {
      output.textContent = template.replace("{count}", field.value.length).replace("{max}", max);
    }
    field.addEventListener("input", update);
    update();
  }

  document.querySelectorAll("textarea[data-counter]").forEach(addCounter);
})();
