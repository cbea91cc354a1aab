// Keeps a background job's state up to date without reloading the page: each element with
// data-job-status (a polite live region) asks that URL for the state every few seconds and
// takes over its words, until the job is done or failed. A reload would make a screen
// reader lose its place (WCAG 2.2.1); without this script the page has a "Vernieuwen" link.
// A file script, as CSP has no 'unsafe-inline' for scripts.
(function () {
  "use strict";

  var EVERY_MS = 3000;
  var AFTER_ERROR_MS = 15000;

  function show(region, data) {
    // Only a change is written, so the live region announces news, not the same words again.
    if (region.innerHTML.trim() !== data.html.trim()) {
      region.innerHTML = data.html;
    }
    var bar = document.getElementById(region.dataset.jobProgressBar || "");
    if (bar && typeof data.progress === "number") {
      bar.value = data.progress;
      var label = document.getElementById(bar.id + "-text");
      if (label) {
        label.textContent = data.progress + "%";
      }
    }
    region.dataset.jobState = data.status;
  }

  function poll(region) {
    fetch(region.dataset.jobStatus, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 403 || response.status === 404) {
          return null; // logged out or gone: stop asking
        }
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        show(region, data);
        if (!data.finished) {
          window.setTimeout(poll, EVERY_MS, region);
        }
      })
      .catch(function () {
        window.setTimeout(poll, AFTER_ERROR_MS, region);
      });
  }

  document.querySelectorAll("[data-job-status]").forEach(function (region) {
    window.setTimeout(poll, EVERY_MS, region);
  });
})();
