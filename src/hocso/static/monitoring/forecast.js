/* The forecast page's charts (monitoring/forecast.html), drawn with the vendored ECharts from the
   JSON the page carries (#forecast-data). Past years are solid, forecast years dashed or pale.
   The same figures are in the page's tables, so nothing is lost without JavaScript. */
(function () {
  "use strict";
  var source = document.getElementById("forecast-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var years = data.years;
  var lastObserved = data.forecast.lastIndexOf(false);
  var charts = [];

  function make(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  var base = {
    animation: false,
    grid: { left: 48, right: 12, top: 36, bottom: 40 },
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll", textStyle: { fontSize: 11 } },
    xAxis: { type: "category", data: years, axisLabel: { fontSize: 10, hideOverlap: true } },
    yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } }
  };

  function merge(extra) {
    var out = {};
    Object.keys(base).forEach(function (k) { out[k] = base[k]; });
    Object.keys(extra).forEach(function (k) { out[k] = extra[k]; });
    return out;
  }

  // Total: the observed line (solid) and the forecast line (dashed) joined at the last year.
  var total = make("forecast-total");
  if (total) {
    var observed = data.totals.map(function (v, i) { return data.forecast[i] ? null : v; });
    var predicted = data.totals.map(function (v, i) {
      return data.forecast[i] || i === lastObserved ? v : null;
    });
    total.setOption(merge({
      series: [
        { name: labels.observed, type: "line", data: observed, symbolSize: 6,
          lineStyle: { width: 2 }, color: "#0d6efd" },
        { name: labels.forecast, type: "line", data: predicted, symbolSize: 6,
          lineStyle: { width: 2, type: "dashed" }, color: "#6f42c1" }
      ]
    }));
  }

  // By grade: stacked bars, the forecast years pale with a dashed outline.
  var grades = make("forecast-grades");
  if (grades) {
    grades.setOption(merge({
      series: data.grades.map(function (g) {
        return {
          name: labels.grade.replace("%(grade)s", g.grade),
          type: "bar",
          stack: "grades",
          data: g.values.map(function (v, i) {
            return data.forecast[i]
              ? { value: v, itemStyle: { opacity: 0.45, borderType: "dashed", borderWidth: 1,
                                         borderColor: "#495057" } }
              : v;
          })
        };
      })
    }));
  }

  // Teachers: demand in the forecast years against today's teachers (a flat line).
  var teachers = make("forecast-teachers");
  if (teachers && data.demand.length) {
    var demandYears = data.demand.map(function (d) { return d.year; });
    teachers.setOption(merge({
      xAxis: { type: "category", data: demandYears, axisLabel: { fontSize: 10 } },
      series: [
        { name: labels.demand, type: "bar", color: "#6f42c1",
          itemStyle: { opacity: 0.6, borderType: "dashed", borderWidth: 1, borderColor: "#495057" },
          data: data.demand.map(function (d) { return d.teachers; }) },
        { name: labels.today, type: "line", color: "#198754", symbol: "none",
          data: data.demand.map(function () { return data.teachers_today; }) }
      ]
    }));
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
