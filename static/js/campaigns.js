// Campaign pages: charts drawn from json_script data, and the slug that follows the name.
// No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";

  var COLORS = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545", "#6c757d"];

  // <canvas data-chart="bar|line" data-chart-source="id-of-json-script" [data-chart-axis="y"]>
  // The JSON is {"labels": [...], "series": [{"label": ..., "data": [...]}, ...]}.
  function drawCharts() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart-source]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart-source"));
      if (!source || canvas.getAttribute("data-drawn")) { return; }
      var data = JSON.parse(source.textContent);
      var horizontal = canvas.getAttribute("data-chart-axis") === "y";
      var valueAxis = horizontal ? "x" : "y";
      var scales = {};
      scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 } };
      new window.Chart(canvas, {
        type: canvas.getAttribute("data-chart") || "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (series, index) {
            return {
              label: series.label,
              data: series.data,
              backgroundColor: COLORS[index % COLORS.length],
              borderColor: COLORS[index % COLORS.length],
              borderRadius: 3,
            };
          }),
        },
        options: {
          indexAxis: horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: data.series.length > 1 } },
          scales: scales,
        },
      });
      canvas.setAttribute("data-drawn", "true");
    });
  }

  // Django's slugify, near enough: the server makes the real slug when the field is left empty.
  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^\w\s-]/g, "").replace(/[-\s]+/g, "-").replace(/^[-_]+|[-_]+$/g, "").slice(0, 100);
  }

  // Fields marked data-slug-target follow the data-slug-source field until someone types in them.
  function wireSlugs() {
    var source = document.querySelector("[data-slug-source]");
    if (!source) { return; }
    var targets = Array.prototype.slice.call(document.querySelectorAll("[data-slug-target]"));
    targets.forEach(function (target) {
      target.setAttribute("data-edited", target.value ? "true" : "");
      target.addEventListener("input", function () {
        target.setAttribute("data-edited", target.value ? "true" : "");
      });
    });
    source.addEventListener("input", function () {
      var slug = slugify(source.value);
      targets.forEach(function (target) {
        if (!target.getAttribute("data-edited")) { target.value = slug; }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    wireSlugs();
  });
})();
