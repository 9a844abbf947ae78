/* The monitoring dashboard's charts (Apache ECharts, vendored). Every figure drawn here is also
   written out in the page (cards and tables), so the page reads without JavaScript; the charts
   only add the picture. Data: the JSON of #monitoring-charts; words: #monitoring-labels.
   - data-chart="bullet" data-key=CODE: the value as a bar against the target line.
   - data-chart="trend": the value over the school years with the target line.
   - data-chart="ranking": child units as bars; a click opens the same page for that unit. */
(function () {
  "use strict";
  var COLOURS = { met: "#198754", near: "#e0a800", below: "#dc3545" };
  var NEUTRAL = "#0d6efd";
  var charts = [];

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function format(value, unit) {
    if (value === null || value === undefined) return "—";
    var digits = unit === "count" ? 0 : 1;
    var text = Number(value).toLocaleString("vi-VN", { maximumFractionDigits: digits });
    return unit === "percent" ? text + "%" : text;
  }

  function make(el, option) {
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
    return chart;
  }

  function targetLine(target, labels, axis) {
    if (target === null || target === undefined) return undefined;
    var point = {};
    point[axis] = target;
    point.name = labels.target;
    return {
      silent: true,
      symbol: "none",
      lineStyle: { color: "#212529", width: 2, type: "solid" },
      // The line is explained beside the chart (the card, the legend, the table).
      label: { show: false },
      data: [point],
    };
  }

  function bullet(el, data, labels) {
    var max = data.max;
    if (max === null || max === undefined) {
      max = Math.max(data.value || 0, data.target || 0) * 1.15 || 1;
    }
    make(el, {
      animation: false,
      grid: { left: 4, right: 48, top: 18, bottom: 18 },
      xAxis: { type: "value", min: 0, max: max, splitNumber: 2,
               axisLabel: { fontSize: 10, formatter: function (v) { return format(v, data.unit); } } },
      yAxis: { type: "category", data: [""], show: false },
      series: [
        { type: "bar", data: [max], barWidth: 18, silent: true, barGap: "-100%",
          itemStyle: { color: "#e9ecef" } },
        { type: "bar", data: [data.value], barWidth: 10,
          itemStyle: { color: COLOURS[data.status] || NEUTRAL },
          label: { show: true, position: "right", fontSize: 11,
                   formatter: function (p) { return format(p.value, data.unit); } },
          markLine: targetLine(data.target, labels, "xAxis") },
      ],
    });
  }

  function trend(el, data, labels) {
    var t = data.trend;
    var series = [{
      name: labels.value, type: "line", data: t.values, connectNulls: false, symbolSize: 8,
      itemStyle: { color: NEUTRAL },
      label: { show: true, formatter: function (p) { return format(p.value, data.unit); } },
    }];
    if (t.targets.some(function (v) { return v !== null; })) {
      series.push({ name: labels.target, type: "line", step: "middle", data: t.targets,
                    symbol: "rect", symbolSize: 6, lineStyle: { type: "dashed", color: "#212529" },
                    itemStyle: { color: "#212529" } });
    }
    make(el, {
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return format(v, data.unit); } },
      legend: { bottom: 0 },
      grid: { left: 8, right: 16, top: 24, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: t.years },
      yAxis: { type: "value", min: 0, max: data.unit === "percent" ? 100 : null,
               axisLabel: { formatter: function (v) { return format(v, data.unit); } } },
      series: series,
    });
  }

  function ranking(el, data, labels) {
    var rows = data.ranking;
    var chart = make(el, {
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        var row = rows[p.dataIndex];
        // A formatter string is HTML: unit names are escaped.
        var escape = echarts.format.encodeHTML;
        return escape(row.name) + ": " + escape(format(row.value, data.unit)) + "<br>" + escape(labels.open);
      } },
      grid: { left: 8, right: 56, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: "value", min: 0, max: data.unit === "percent" ? 100 : null,
               axisLabel: { formatter: function (v) { return format(v, data.unit); } } },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
               axisLabel: { width: 130, overflow: "truncate" } },
      series: [{
        type: "bar", barMaxWidth: 18, cursor: "pointer",
        data: rows.map(function (r) {
          return { value: r.value, itemStyle: { color: COLOURS[r.status] || NEUTRAL } };
        }),
        label: { show: true, position: "right",
                 formatter: function (p) { return format(rows[p.dataIndex].value, data.unit); } },
        markLine: targetLine(data.target, labels, "xAxis"),
      }],
    });
    chart.on("click", function (p) {
      if (p.componentType === "series" && rows[p.dataIndex]) {
        window.location.href = rows[p.dataIndex].url;
      }
    });
  }

  function init() {
    // The unit and year pickers open their choice at once (the button stays for no-JS use).
    document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    if (!window.echarts) return;
    var data = read("monitoring-charts");
    var labels = read("monitoring-labels") || { target: "Mục tiêu", value: "Giá trị", open: "" };
    if (!data) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-chart");
      if (kind === "bullet" && data[el.getAttribute("data-key")]) {
        bullet(el, data[el.getAttribute("data-key")], labels);
      } else if (kind === "trend" && data.trend) {
        trend(el, data, labels);
      } else if (kind === "ranking" && data.ranking && data.ranking.length) {
        ranking(el, data, labels);
      }
    });
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        charts.forEach(function (chart) { chart.resize(); });
      }, 100);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
