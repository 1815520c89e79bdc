// Guanxi's charts: each element with a data-chart attribute holds a spec the
// server wrote (charts.go) — labels in the page's language, figures already
// formatted — and is drawn here with the vendored Apache ECharts. The figures
// are also in a table under each chart, open without JavaScript; once the
// chart is drawn, the table folds away behind its summary.
(function () {
  "use strict";
  var root = document.documentElement;
  var charts = [];
  var palette = ["#0a58ca", "#1a7f37", "#bc4c00", "#8250df", "#bf3989", "#0e7490", "#57606a"];

  function font() {
    return window.getComputedStyle(document.body).fontFamily || "sans-serif";
  }

  // short writes an axis figure briefly in the page's language (12K, 1.2萬).
  function short(v) {
    try {
      return new Intl.NumberFormat(root.lang || "en", { notation: "compact", maximumFractionDigits: 1 }).format(v);
    } catch (e) {
      return String(v);
    }
  }

  function tooltipBox() {
    return {
      confine: true,
      backgroundColor: "#ffffff",
      borderColor: "#8c959f",
      textStyle: { color: "#1f2328", fontFamily: font() },
      extraCssText: "max-width: 18rem; white-space: normal;"
    };
  }

  // bar draws bars with their figures: standing (steps in order, labels
  // broken over lines to fit) or lying (names on the left, any number of
  // them: the chart grows with them).
  function bar(spec, horizontal, el) {
    var n = spec.categories.length;
    var data = spec.values.map(function (v, i) {
      return { value: v, label: (spec.labels || [])[i], tip: (spec.tips || [])[i], link: (spec.links || [])[i] };
    });
    if (horizontal) {
      el.style.height = Math.max(160, 44 * n + 40) + "px";
    }
    var slot = Math.max(48, (el.clientWidth - 64) / Math.max(n, 1) - 8);
    var category = { type: "category", data: spec.categories, axisTick: { alignWithLabel: true },
      axisLabel: horizontal ?
        { color: "#1f2328", interval: 0, width: 100, overflow: "truncate" } :
        { color: "#1f2328", interval: 0, width: slot, overflow: "break", lineHeight: 16 } };
    // Lying bars carry their figures at their ends: no scale needed.
    var value = { type: "value", minInterval: spec.money ? 0 : 1,
      axisLabel: { show: !horizontal, color: "#57606a", formatter: short, hideOverlap: true },
      splitLine: { show: !horizontal, lineStyle: { color: "#eaeef2" } } };
    var tip = tooltipBox();
    tip.trigger = "item";
    tip.formatter = function (p) {
      var lines = [p.name, p.data.label || String(p.value)];
      if (p.data.tip) { lines.push(p.data.tip); }
      return lines.map(escapeHTML).join("<br>");
    };
    return {
      grid: horizontal ? { left: 112, right: 96, top: 8, bottom: 8 } : { left: 56, right: 16, top: 24, bottom: 64 },
      tooltip: tip,
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign(category, { inverse: true }) : value,
      series: [{
        type: "bar", data: data, barMaxWidth: horizontal ? 28 : 56, itemStyle: { color: palette[0], borderRadius: horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0] },
        label: { show: true, position: horizontal ? "right" : "top", color: "#1f2328", fontSize: 12,
          formatter: function (p) { return p.data.label || ""; } },
        labelLayout: { hideOverlap: true }
      }]
    };
  }

  function heatmap(spec) {
    var max = 0;
    spec.cells.forEach(function (c) { if (c.v > max) { max = c.v; } });
    var data = spec.cells.map(function (c) {
      return { value: [c.x, c.y, c.v], label: { color: c.v > max * 0.55 ? "#ffffff" : "#1f2328" }, tip: c.label, link: c.link };
    });
    var tip = tooltipBox();
    tip.formatter = function (p) { return escapeHTML(p.data.tip || ""); };
    return {
      grid: { left: 64, right: 16, top: 8, bottom: 72 },
      tooltip: tip,
      xAxis: { type: "category", data: spec.categories, name: spec.xName, nameLocation: "middle", nameGap: 28,
        splitArea: { show: true }, axisLabel: { color: "#1f2328" }, nameTextStyle: { color: "#57606a" } },
      yAxis: { type: "category", data: spec.rows, name: spec.yName, nameLocation: "middle", nameGap: 44,
        splitArea: { show: true }, axisLabel: { color: "#1f2328" }, nameTextStyle: { color: "#57606a" } },
      visualMap: { min: 0, max: Math.max(max, 1), calculable: false, orient: "horizontal", left: "center", bottom: 0,
        itemHeight: 120, itemWidth: 12, textStyle: { color: "#57606a" }, inRange: { color: ["#eef5ff", "#0a3069"] } },
      series: [{ type: "heatmap", data: data, label: { show: true, fontWeight: 600 },
        itemStyle: { borderColor: "#ffffff", borderWidth: 2 },
        emphasis: { itemStyle: { borderColor: "#f5b400", borderWidth: 3 } } }]
    };
  }

  function curve(spec) {
    var marks = [];
    if (spec.markY != null) { marks.push({ yAxis: spec.markY }); }
    if (spec.markX != null) { marks.push({ xAxis: spec.markX }); }
    var pct = function (v) { return Math.round(v) + "%"; };
    var tip = tooltipBox();
    tip.trigger = "axis";
    tip.formatter = function (ps) {
      var p = ps[0];
      return escapeHTML(spec.xName + ": " + pct(p.value[0])) + "<br>" + escapeHTML(spec.yName + ": " + pct(p.value[1]));
    };
    return {
      grid: { left: 56, right: 24, top: 16, bottom: 56 },
      tooltip: tip,
      xAxis: { type: "value", min: 0, max: 100, name: spec.xName, nameLocation: "middle", nameGap: 30,
        axisLabel: { formatter: pct, color: "#57606a" }, nameTextStyle: { color: "#57606a" }, splitLine: { lineStyle: { color: "#eaeef2" } } },
      yAxis: { type: "value", min: 0, name: spec.yName, nameLocation: "middle", nameGap: 42,
        axisLabel: { formatter: pct, color: "#57606a" }, nameTextStyle: { color: "#57606a" }, splitLine: { lineStyle: { color: "#eaeef2" } } },
      series: [{
        type: "line", data: spec.points, showSymbol: false, smooth: false, lineStyle: { width: 3, color: palette[0] },
        areaStyle: { color: "rgba(10, 88, 202, 0.08)" },
        markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { type: "dashed", color: "#bc4c00" }, data: marks }
      }]
    };
  }

  function escapeHTML(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function draw(el) {
    if (el.getAttribute("data-drawn") === "1" || !window.echarts) { return; }
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
    var option;
    switch (spec.kind) {
      case "bar": option = bar(spec, false, el); break;
      case "hbar": option = bar(spec, true, el); break;
      case "heatmap": option = heatmap(spec); break;
      case "curve": option = curve(spec); break;
      default: return;
    }
    option.animation = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    option.textStyle = { fontFamily: font() };
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    // Tests, and anyone, can tell when the drawing is complete.
    chart.on("finished", function () { el.setAttribute("data-finished", "1"); });
    chart.on("click", function (p) {
      var link = p.data && p.data.link;
      if (link && link.charAt(0) === "/" && link.charAt(1) !== "/") { window.location.href = link; }
    });
    el.setAttribute("data-drawn", "1");
    el.classList.add("drawn");
    charts.push(chart);
    // The table is there for whoever wants the figures: fold it away.
    var fig = el.closest("figure");
    var table = fig && fig.querySelector("details.figures");
    if (table) { table.removeAttribute("open"); }
  }

  function drawAll(scope) {
    var els = (scope && scope.querySelectorAll ? scope : document).querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) { draw(els[i]); }
  }

  var pending;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });

  if (window.htmx) {
    window.htmx.onLoad(drawAll);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
})();
