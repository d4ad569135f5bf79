/* Small behaviours of every page; each has a plain-form fallback. */
(function () {
  "use strict";
  // The language menu switches as soon as a language is picked; without JavaScript its
  // "Switch" button submits it.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var button = form.querySelector("[data-autosubmit-button]");
      if (button) button.classList.add("visually-hidden");
      form.addEventListener("change", function () { form.requestSubmit(); });
    });
  });
})();
