// Tandem's small page helpers. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";
  // Elements marked data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
