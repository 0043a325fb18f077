// Hand-off inbox and pipeline board: the service-level clock ticks down, cards move by drag and drop.
// Everything here is an enhancement: without it the server-rendered clock and the "Move…" forms work.
(function () {
  "use strict";

  // Same words as handoffs/clock.py.
  function durationText(seconds) {
    var minutes = Math.floor(seconds / 60);
    var hours = Math.floor(minutes / 60);
    minutes -= hours * 60;
    var days = hours >= 48 ? Math.floor(hours / 24) : 0;
    hours -= days * 24;
    if (days) { return hours ? days + " d " + hours + " h" : days + " d"; }
    if (hours) { return minutes ? hours + " h " + minutes + " min" : hours + " h"; }
    if (minutes) { return minutes + " min"; }
    return "under a minute";
  }

  // The server renders the clock in working time: the seconds left (negative: overdue) and the working
  // stretches of the week ahead, as seconds from then with the label of the pause before each. The browser
  // counts its own elapsed time from when it first saw the clock, so a skewed browser clock changes nothing.
  function workedSince(schedule, elapsed) {
    var worked = 0;
    for (var i = 0; i < schedule.length; i++) {
      var starts = schedule[i][0], ends = schedule[i][1] === null ? Infinity : schedule[i][1];
      if (elapsed < starts) { return { worked: worked, running: false, label: schedule[i][2] }; }
      if (elapsed < ends) { return { worked: worked + elapsed - starts, running: true, label: "" }; }
      worked += ends - starts;
    }
    return { worked: worked, running: false, label: "paused" };
  }

  function tickClocks() {
    var now = Date.now();
    document.querySelectorAll("[data-working-seconds]").forEach(function (clock) {
      var seconds = parseInt(clock.getAttribute("data-working-seconds"), 10);
      var schedule;
      try { schedule = JSON.parse(clock.getAttribute("data-schedule") || "[]"); } catch (e) { return; }
      if (isNaN(seconds)) { return; }
      if (!clock.seenAt) { clock.seenAt = now; }
      var state = workedSince(schedule, Math.floor((now - clock.seenAt) / 1000));
      var elapsed = state.worked;
      var delta = seconds - elapsed;
      var overdue = delta < 0;
      var text = clock.querySelector(".sla-text") || clock;
      text.textContent = overdue ? "overdue by " + durationText(-delta) : durationText(Math.ceil(delta / 60) * 60) + " left";
      var paused = clock.querySelector(".sla-paused");
      if (paused) {
        paused.hidden = state.running;
        var label = paused.querySelector(".sla-paused-text");
        if (label && state.label) { label.textContent = state.label; }
      }
      if (clock.classList.contains("badge")) {
        clock.classList.toggle("text-bg-danger", overdue);
        clock.classList.toggle("text-bg-light", !overdue);
        clock.classList.toggle("border", !overdue);
      } else {
        clock.classList.toggle("sla-overdue", overdue);
      }
    });
  }

  // A move form shows the deal value only for won, the lost reason only for lost.
  function syncMoveForm(form) {
    var select = form.querySelector("select[name=to_status]");
    if (!select) { return; }
    form.querySelectorAll("[data-for]").forEach(function (part) {
      part.hidden = part.getAttribute("data-for") !== select.value;
    });
  }

  function syncMoveForms(root) {
    (root || document).querySelectorAll("form.move-form").forEach(syncMoveForm);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("form.move-form select[name=to_status]")) { syncMoveForm(event.target.form); }
  });

  // Drag and drop on the board: dropping a card on a column submits its move form.
  var dragged = null;

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card[draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("opacity-50");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-lead"));
  });

  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("opacity-50"); }
    dragged = null;
    document.querySelectorAll(".board-column.drop-ok").forEach(function (c) { c.classList.remove("drop-ok"); });
  });

  function allowedColumn(event) {
    var column = event.target.closest && event.target.closest(".board-column[data-status]");
    if (!column || !dragged) { return null; }
    var next = (dragged.getAttribute("data-next") || "").split(" ");
    return next.indexOf(column.getAttribute("data-status")) >= 0 ? column : null;
  }

  document.addEventListener("dragover", function (event) {
    var column = allowedColumn(event);
    if (!column) { return; }
    event.preventDefault();
    column.classList.add("drop-ok");
  });

  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-ok"); }
  });

  document.addEventListener("drop", function (event) {
    var column = allowedColumn(event);
    if (!column) { return; }
    event.preventDefault();
    var form = dragged.querySelector("form.move-form");
    var status = column.getAttribute("data-status");
    form.querySelector("select[name=to_status]").value = status;
    syncMoveForm(form);
    var needs = status === "won" ? form.querySelector("[name=deal_value]")
      : status === "lost" ? form.querySelector("[name=lost_reason]") : null;
    if (needs && !needs.value) {
      // Won asks for the deal value, lost for the reason: open the card's form at that field.
      form.closest("details").open = true;
      needs.focus();
      return;
    }
    form.requestSubmit();
  });

  function init(root) {
    syncMoveForms(root);
    tickClocks();
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
  window.setInterval(tickClocks, 30000);
})();
