// The lead pages: show the deal value or lost reason only when that status is chosen,
// and let htmx swap in the fresh state a stale edit answers with (409).
(function () {
  "use strict";

  function syncTransitionForm(form) {
    var select = form.querySelector("select[name=to_status]");
    if (!select) { return; }
    form.querySelectorAll("[data-show-for]").forEach(function (group) {
      group.hidden = group.getAttribute("data-show-for") !== select.value;
    });
  }

  function init(root) {
    if (root.matches && root.matches("form[data-transition-form]")) { syncTransitionForm(root); }
    root.querySelectorAll("form[data-transition-form]").forEach(syncTransitionForm);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("form[data-transition-form] select[name=to_status]")) {
      syncTransitionForm(event.target.form);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 409) {
      // A stale version: the body is the lead's current state and says nothing was saved.
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
