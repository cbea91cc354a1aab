// Sends a form once: after the first submit (a click, Enter in a field, or a submit button
// reached with the keyboard) its submit buttons are disabled and a second submit is ignored.
// This only spares a round trip; the server's one-time key (vakwerk/idempotency.py) is what
// guarantees that a repeated POST saves nothing twice. A file script, as CSP has no
// 'unsafe-inline' for scripts.
(function () {
  "use strict";

  var RELEASE_AFTER_MS = 15000;

  function submitButtons(form) {
    // form.elements also holds buttons outside the <form> that point at it with form="…".
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.type === "submit";
    });
  }

  function release(form) {
    delete form.dataset.submitted;
    submitButtons(form).forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.submitted === "1") {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) {
      return;
    }
    form.dataset.submitted = "1";
    // Disabled only after this event: a disabled submit button would drop its name=value
    // from the request being built.
    window.setTimeout(function () {
      submitButtons(form).forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
      });
    }, 0);
    // An answer that is a download leaves this page in place: let the form be used again.
    window.setTimeout(function () {
      release(form);
    }, RELEASE_AFTER_MS);
  });

  // Back to a page kept in the browser's cache: its forms were left disabled.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      Array.prototype.forEach.call(document.forms, release);
    }
  });
})();
