// Marketing setup pages: copy a snippet to the clipboard (buttons marked data-copy-target).
(function () {
  "use strict";
  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  function done(button, ok) {
    var label = button.querySelector("span") || button;
    var icon = button.querySelector("i");
    label.textContent = ok ? "Copied" : "Press Ctrl+C";
    if (icon) { icon.className = ok ? "bi bi-clipboard-check me-1" : "bi bi-clipboard me-1"; }
    window.setTimeout(function () {
      label.textContent = "Copy";
      if (icon) { icon.className = "bi bi-clipboard me-1"; }
    }, 2000);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-copy-target"));
    if (!source) { return; }
    var text = source.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(button, true); }, function () {
        selectText(source);
        done(button, false);
      });
    } else {
      // Plain http on a LAN address: the Clipboard API is unavailable; select for Ctrl+C.
      selectText(source);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
      done(button, ok);
    }
  });
})();
