/*
 * Mạch điện đơn giản (KHTN 8): a battery, a switch K, an ammeter and 1–3 bulbs in series or in
 * parallel, drawn on a canvas. Made by the hocso project for its demo library (CC BY 4.0).
 *
 * The physics is Ohm's law with ideal wires, source and ammeter: every bulb is a 12 Ω resistor
 * rated 6 V – 3 W, its brightness is the power it takes over the rated power. The moving dots
 * show the conventional current (from + through the circuit to −), faster for a larger current.
 * No network, no storage: everything is computed here. Plain ES5 for old school browsers.
 */
(function () {
  "use strict";

  var R_BULB = 12; // Ω
  var P_RATED = 3; // W
  var W = 600;
  var H = 380;
  var LEFT = 80;
  var RIGHT = 520;
  var TOP = 60;
  var BOTTOM = 320;
  var BRANCH_X1 = 170;
  var BRANCH_X2 = 430;
  var ROW_GAP = 55;

  var canvas = document.getElementById("circuit");
  var ctx = canvas.getContext("2d");
  var model = { voltage: 3, bulbs: 2, mode: "series", closed: false };
  var phase = 0;
  var lastTime = 0;

  function fmt(x, digits) {
    return x.toFixed(digits).replace(".", ",");
  }

  // --- physics --------------------------------------------------------------------------------

  function solve(m) {
    var n = m.bulbs;
    if (!m.closed) return { total: 0, perBulbI: 0, perBulbU: 0, power: 0 };
    if (m.mode === "series") {
      var i = m.voltage / (n * R_BULB);
      return { total: i, perBulbI: i, perBulbU: m.voltage / n, power: i * i * R_BULB };
    }
    var ib = m.voltage / R_BULB;
    return { total: n * ib, perBulbI: ib, perBulbU: m.voltage, power: ib * ib * R_BULB };
  }

  // --- geometry -------------------------------------------------------------------------------

  function bulbPositions(m) {
    var points = [];
    for (var k = 0; k < m.bulbs; k += 1) {
      if (m.mode === "series") {
        var step = (BRANCH_X2 - BRANCH_X1) / (m.bulbs + 1);
        points.push({ x: BRANCH_X1 + step * (k + 1), y: TOP });
      } else {
        points.push({ x: (BRANCH_X1 + BRANCH_X2) / 2, y: TOP + k * ROW_GAP });
      }
    }
    return points;
  }

  // Polylines the current follows, each with the current through it (for the dots' speed).
  function paths(m, sol) {
    var loopRest = [
      [BRANCH_X2, TOP], [RIGHT, TOP], [RIGHT, BOTTOM], [LEFT, BOTTOM], [LEFT, TOP], [BRANCH_X1, TOP]
    ];
    var list = [{ points: loopRest, current: sol.total }];
    if (m.mode === "series") {
      list.push({ points: [[BRANCH_X1, TOP], [BRANCH_X2, TOP]], current: sol.total });
    } else {
      for (var k = 0; k < m.bulbs; k += 1) {
        var y = TOP + k * ROW_GAP;
        list.push({
          points: [[BRANCH_X1, TOP], [BRANCH_X1, y], [BRANCH_X2, y], [BRANCH_X2, TOP]],
          current: sol.perBulbI
        });
      }
    }
    return list;
  }

  function pathLength(points) {
    var len = 0;
    for (var i = 1; i < points.length; i += 1) {
      len += Math.abs(points[i][0] - points[i - 1][0]) + Math.abs(points[i][1] - points[i - 1][1]);
    }
    return len;
  }

  function pointAt(points, d) {
    for (var i = 1; i < points.length; i += 1) {
      var a = points[i - 1];
      var b = points[i];
      var seg = Math.abs(b[0] - a[0]) + Math.abs(b[1] - a[1]);
      if (d <= seg) {
        var t = seg === 0 ? 0 : d / seg;
        return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
      }
      d -= seg;
    }
    return points[points.length - 1];
  }

  // --- drawing --------------------------------------------------------------------------------

  function line(points) {
    ctx.beginPath();
    ctx.moveTo(points[0][0], points[0][1]);
    for (var i = 1; i < points.length; i += 1) ctx.lineTo(points[i][0], points[i][1]);
    ctx.stroke();
  }

  function label(text, x, y, align) {
    ctx.fillStyle = "#1d2330";
    ctx.font = "20px system-ui, sans-serif";
    ctx.textAlign = align || "center";
    ctx.fillText(text, x, y);
  }

  function drawWires(m) {
    ctx.strokeStyle = "#37474f";
    ctx.lineWidth = 3;
    // the loop, with gaps where the battery, the switch and the ammeter sit
    line([[LEFT, 175], [LEFT, TOP], [BRANCH_X1, TOP]]);
    line([[BRANCH_X2, TOP], [RIGHT, TOP], [RIGHT, 170]]);
    line([[RIGHT, 210], [RIGHT, BOTTOM], [330, BOTTOM]]);
    line([[270, BOTTOM], [LEFT, BOTTOM], [LEFT, 205]]);
    if (m.mode === "series") {
      line([[BRANCH_X1, TOP], [BRANCH_X2, TOP]]);
    } else {
      for (var k = 0; k < m.bulbs; k += 1) {
        var y = TOP + k * ROW_GAP;
        line([[BRANCH_X1, TOP], [BRANCH_X1, y], [BRANCH_X2, y], [BRANCH_X2, TOP]]);
      }
      ctx.fillStyle = "#37474f";
      [BRANCH_X1, BRANCH_X2].forEach(function (x) {
        ctx.beginPath();
        ctx.arc(x, TOP, 5, 0, Math.PI * 2);
        ctx.fill();
      });
    }
  }

  function drawBattery() {
    // long plate (+) above the short one (−), across the left wire
    ctx.strokeStyle = "#1d2330";
    ctx.lineWidth = 4;
    line([[LEFT - 22, 180], [LEFT + 22, 180]]);
    ctx.lineWidth = 8;
    line([[LEFT - 11, 198], [LEFT + 11, 198]]);
    label("+", LEFT + 34, 186);
    label("−", LEFT + 34, 206);
    label(fmt(model.voltage, 1) + " V", LEFT - 14, 240, "right");
    label("Nguồn", LEFT - 14, 160, "right");
  }

  function drawSwitch(closed) {
    ctx.strokeStyle = "#1d2330";
    ctx.lineWidth = 3;
    ctx.fillStyle = "#1d2330";
    ctx.beginPath();
    ctx.arc(270, BOTTOM, 5, 0, Math.PI * 2);
    ctx.arc(330, BOTTOM, 5, 0, Math.PI * 2);
    ctx.fill();
    if (closed) line([[330, BOTTOM], [270, BOTTOM]]);
    else line([[330, BOTTOM], [278, BOTTOM - 30]]);
    label("Khóa K " + (closed ? "(đóng)" : "(mở)"), 300, BOTTOM + 32);
  }

  function drawAmmeter(sol) {
    ctx.fillStyle = "#ffffff";
    ctx.strokeStyle = "#1d2330";
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(RIGHT, 190, 20, 0, Math.PI * 2);
    ctx.fill();
    ctx.stroke();
    ctx.font = "bold 20px system-ui, sans-serif";
    ctx.fillStyle = "#1d2330";
    ctx.textAlign = "center";
    ctx.fillText("A", RIGHT, 197);
    label(fmt(sol.total, 2) + " A", RIGHT - 30, 196, "right");
  }

  function drawBulb(p, brightness, index) {
    var glow = Math.max(0, Math.min(1, brightness));
    if (glow > 0) {
      var radius = 20 + 28 * glow;
      var g = ctx.createRadialGradient(p.x, p.y, 4, p.x, p.y, radius);
      g.addColorStop(0, "rgba(255, 213, 0, " + (0.35 + 0.6 * glow) + ")");
      g.addColorStop(1, "rgba(255, 213, 0, 0)");
      ctx.fillStyle = g;
      ctx.beginPath();
      ctx.arc(p.x, p.y, radius, 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.fillStyle = glow > 0 ? "rgb(255, " + Math.round(255 - 60 * glow) + ", " + Math.round(200 - 200 * glow) + ")" : "#ffffff";
    ctx.strokeStyle = "#1d2330";
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(p.x, p.y, 16, 0, Math.PI * 2);
    ctx.fill();
    ctx.stroke();
    var d = 11;
    line([[p.x - d, p.y - d], [p.x + d, p.y + d]]);
    line([[p.x - d, p.y + d], [p.x + d, p.y - d]]);
    ctx.font = "17px system-ui, sans-serif";
    ctx.fillStyle = "#1d2330";
    ctx.textAlign = "center";
    ctx.fillText("Đ" + (index + 1), p.x, p.y - 22);
  }

  function drawDots(list) {
    ctx.fillStyle = "#1565c0";
    list.forEach(function (path) {
      if (path.current <= 0) return;
      var len = pathLength(path.points);
      var spacing = 28;
      var offset = (phase * path.current) % spacing;
      for (var d = offset; d < len; d += spacing) {
        var q = pointAt(path.points, d);
        ctx.beginPath();
        ctx.arc(q[0], q[1], 3.5, 0, Math.PI * 2);
        ctx.fill();
      }
    });
  }

  function draw() {
    var sol = solve(model);
    ctx.setTransform(canvas.width / W, 0, 0, canvas.height / H, 0, 0);
    ctx.clearRect(0, 0, W, H);
    drawWires(model);
    drawBattery();
    drawSwitch(model.closed);
    drawAmmeter(sol);
    var bright = sol.power / P_RATED;
    bulbPositions(model).forEach(function (p, k) { drawBulb(p, bright, k); });
    if (model.closed) drawDots(paths(model, sol));
  }

  // --- controls -------------------------------------------------------------------------------

  function describe() {
    var sol = solve(model);
    var out = document.getElementById("readout");
    var lines = [];
    if (!model.closed) {
      lines.push("Khóa K đang mở: mạch hở, không có dòng điện, các đèn không sáng.");
    } else {
      lines.push("Ampe kế chỉ I = " + fmt(sol.total, 2) + " A.");
      lines.push("Mỗi đèn: hiệu điện thế " + fmt(sol.perBulbU, 2) + " V, cường độ " +
                 fmt(sol.perBulbI, 2) + " A, công suất " + fmt(sol.power, 2) + " W (định mức 3 W).");
      if (sol.power > P_RATED * 1.05) {
        lines.push("<span class=\"warn\">Đèn sáng quá định mức: dùng lâu đèn sẽ nhanh hỏng.</span>");
      } else if (sol.power < P_RATED * 0.2) {
        lines.push("Đèn sáng rất yếu vì hiệu điện thế trên mỗi đèn nhỏ.");
      }
    }
    out.innerHTML = "<p>" + lines.join("</p><p>") + "</p>";
  }

  function readControls() {
    model.voltage = parseFloat(document.getElementById("voltage").value);
    model.bulbs = parseInt(document.getElementById("bulbs").value, 10);
    var modes = document.getElementsByName("mode");
    for (var i = 0; i < modes.length; i += 1) if (modes[i].checked) model.mode = modes[i].value;
    describe();
    draw();
  }

  function toggle() {
    model.closed = !model.closed;
    var btn = document.getElementById("switch");
    btn.textContent = model.closed ? "Mở khóa K" : "Đóng khóa K";
    btn.setAttribute("aria-pressed", model.closed ? "true" : "false");
    describe();
    draw();
  }

  function resize() {
    var ratio = window.devicePixelRatio || 1;
    var width = canvas.clientWidth || W;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round((width * H / W) * ratio);
    draw();
  }

  function tick(time) {
    var dt = lastTime ? Math.min(100, time - lastTime) : 16;
    lastTime = time;
    if (model.closed) {
      phase += dt * 0.25; // dots move at about 250 px/s per ampere
      draw();
    }
    window.requestAnimationFrame(tick);
  }

  document.getElementById("controls").addEventListener("change", readControls);
  document.getElementById("switch").addEventListener("click", toggle);
  canvas.addEventListener("click", function (event) {
    // a tap near the switch toggles it too
    var rect = canvas.getBoundingClientRect();
    var x = (event.clientX - rect.left) * W / rect.width;
    var y = (event.clientY - rect.top) * H / rect.height;
    if (Math.abs(x - 300) < 50 && Math.abs(y - BOTTOM) < 40) toggle();
  });
  window.addEventListener("resize", resize);
  readControls();
  resize();
  window.requestAnimationFrame(tick);
})();
