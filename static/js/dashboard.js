// The weekly alignment dashboard: charts from the json_script data, the week picker,
// the sortable campaign table and the attribution switch. No inline script: the CSP forbids it.
(function () {
  "use strict";
  var dataNode = document.getElementById("dashboard-data");
  if (!dataNode || typeof Chart === "undefined") { return; }
  var data = JSON.parse(dataNode.textContent);
  var palette = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#d63384", "#198754", "#ffc107", "#0dcaf0", "#6c757d", "#dc3545", "#6610f2"];
  var percent = function (value) { return value === null || value === undefined ? "—" : Math.round(value * 100) + "%"; };
  // Money in the team's currency, for the page's language (data.money: crm.money.browser_money_format), as the
  // tables show it: the currency's own decimals in tooltips, none on an axis's whole steps.
  var moneyFull = new Intl.NumberFormat(data.money.locale, {style: "currency", currency: data.money.currency});
  var moneyWhole = new Intl.NumberFormat(data.money.locale, {style: "currency", currency: data.money.currency, minimumFractionDigits: 0, maximumFractionDigits: 0});
  var money = function (value) { return moneyFull.format(value); };
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    var chart = new Chart(canvas, config);
    canvas.setAttribute("data-rendered", "true");
    return chart;
  }

  draw("chart-sources", {
    type: "bar",
    data: {
      labels: data.weeks,
      datasets: data.leadsBySource.map(function (series, i) {
        return {label: series.label, data: series.data, backgroundColor: palette[i % palette.length], stack: "leads"};
      })
    },
    options: {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}}
  });

  draw("chart-funnel", {
    type: "bar",
    data: {labels: data.funnel.labels, datasets: [{label: "Leads", data: data.funnel.data, backgroundColor: palette[0]}]},
    options: {indexAxis: "y", plugins: {legend: {display: false}}, scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}
  });

  draw("chart-rates", {
    type: "line",
    data: {
      labels: data.weeks,
      datasets: [
        {label: "Acceptance rate", data: data.acceptance, borderColor: palette[0], backgroundColor: palette[0], spanGaps: true, tension: 0.2},
        {label: "Service level met", data: data.serviceLevel, borderColor: palette[1], backgroundColor: palette[1], spanGaps: true, tension: 0.2}
      ]
    },
    options: {
      scales: {y: {min: 0, max: 1, ticks: {callback: function (value) { return percent(value); }}}},
      plugins: {tooltip: {callbacks: {label: function (ctx) { return ctx.dataset.label + ": " + percent(ctx.parsed.y); }}}}
    }
  });

  draw("chart-rejections", {
    type: "doughnut",
    data: {labels: data.rejections.labels, datasets: [{data: data.rejections.data, backgroundColor: palette}]},
    options: {plugins: {legend: {position: "right"}}}
  });

  draw("chart-capacity", {
    type: "bar",
    data: {
      labels: data.capacity.labels,
      datasets: [
        {label: "Open leads", data: data.capacity.open, backgroundColor: palette[2]},
        {label: "Capacity", data: data.capacity.capacity, backgroundColor: "rgba(108, 117, 125, 0.35)"}
      ]
    },
    options: {scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
  });

  if (data.speed) {
    draw("chart-speed", {
      type: "bar",
      data: {
        labels: data.speed.labels,
        datasets: data.speed.series.map(function (series, i) {
          return {label: series.label, data: series.data, backgroundColor: palette[(i + 4) % palette.length]};
        })
      },
      options: {
        scales: {y: {min: 0, max: 1, ticks: {callback: function (value) { return percent(value); }}}},
        plugins: {tooltip: {callbacks: {label: function (ctx) { return ctx.dataset.label + ": " + percent(ctx.parsed.y); }}}}
      }
    });
  }

  var attribution = draw("chart-attribution", {
    type: "bar",
    data: {labels: data.attribution.labels, datasets: [{label: data.attribution.models.first_touch.label, data: data.attribution.models.first_touch.data, backgroundColor: palette[3]}]},
    options: {
      indexAxis: "y",
      plugins: {legend: {display: false}, tooltip: {callbacks: {label: function (ctx) { return ctx.dataset.label + ": " + money(ctx.parsed.x); }}}},
      scales: {x: {beginAtZero: true, ticks: {callback: function (value) { return (Number.isInteger(value) ? moneyWhole : moneyFull).format(value); }}}}
    }
  });

  // The attribution switch redraws the revenue chart and highlights the model's column.
  function showModel(model) {
    var series = data.attribution.models[model];
    if (!series || !attribution) { return; }
    attribution.data.datasets[0].data = series.data;
    attribution.data.datasets[0].label = series.label;
    attribution.update();
    document.querySelectorAll("#attribution-table [data-model]").forEach(function (th) {
      th.classList.toggle("text-primary", th.getAttribute("data-model") === model);
    });
    document.getElementById("chart-attribution").setAttribute("data-model", model);
  }
  document.querySelectorAll("#attribution-switch input[name=attribution]").forEach(function (input) {
    input.addEventListener("change", function () { if (input.checked) { showModel(input.value); } });
  });
  showModel("first_touch");

  // Changing the week picker shows that week.
  var picker = document.getElementById("week-input");
  if (picker) {
    picker.addEventListener("change", function () {
      if (/^\d{4}-W\d{2}$/.test(picker.value)) { picker.form.submit(); }
    });
  }

  // Sortable campaign table: click a header to sort, again to reverse.
  var table = document.getElementById("campaign-table");
  if (table) {
    table.querySelectorAll("thead [data-sort]").forEach(function (button, column) {
      button.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (row) { return row.cells.length > 1; });
        var numeric = button.getAttribute("data-sort") === "number";
        var descending = button.getAttribute("aria-sort") !== "descending";
        table.querySelectorAll("thead [data-sort]").forEach(function (other) { other.removeAttribute("aria-sort"); });
        button.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var key = function (row) {
          var raw = row.cells[column].getAttribute("data-value");
          if (!numeric) { return raw.toLowerCase(); }
          return raw === "" ? -Infinity : parseFloat(raw);
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var order = x < y ? -1 : x > y ? 1 : 0;
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }
  document.body.setAttribute("data-dashboard-ready", "true");
})();
