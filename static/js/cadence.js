/* Small behaviours of every page (each has a plain-form fallback), and the helpers the
 * page scripts share as window.Cadence: loaded first (base.html), deferred like them. */
(function () {
  "use strict";

  window.Cadence = {
    // The CSRF token that base.html puts in <body hx-headers>, for fetch calls.
    csrfToken: function () {
      try {
        return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
      } catch (error) {
        return "";
      }
    },
    // Says text to screen readers through the page's polite live region.
    announce: function (text) {
      var live = document.getElementById("live-region");
      if (!live) return;
      live.textContent = "";
      window.setTimeout(function () { live.textContent = text; }, 50);
    },
    // Fills "%(name)s" placeholders of a translated message (Django's syntax).
    format: function (template, values) {
      return (template || "").replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
    },
  };
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
