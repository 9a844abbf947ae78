/*
 * Phân số – Toán 6: a one-SCO SCORM 1.2 lesson made by the hocso project (CC BY 4.0).
 *
 * How it talks to the LMS (SCORM 1.2 run-time environment):
 * - finds the API object the standard way: window.API, then the parents (at most 7 levels), then
 *   the opener. A frame of another origin throws when its properties are read, so every step is
 *   guarded. Without an API (an author opening index.html) it runs the same, saving nothing.
 * - LMSInitialize, then reads cmi.core.entry, cmi.core.lesson_location and cmi.suspend_data to
 *   resume at the page where the learner stopped (and with the answers given so far).
 * - on every page change: lesson_location = the page number, suspend_data = the answers as JSON,
 *   LMSCommit. lesson_status goes "incomplete" on the first launch, "passed"/"failed" (with
 *   score.raw/min/max) when the quiz is handed in.
 * - on leaving (pagehide/unload): session_time, exit = "suspend" unless the quiz was handed in,
 *   then LMSFinish.
 * Plain ES5 on purpose: SCOs have to run in whatever browser the school has.
 */
(function () {
  "use strict";

  var PAGES = 5;
  var KEY = { q1: "b", q2: "c", q3: "c", q4: "a", q5: "d" };
  var POINTS_PER_QUESTION = 20;
  var DEFAULT_MASTERY = 60;

  // --- the LMS ------------------------------------------------------------------------------

  function apiIn(win) {
    try {
      return win && win.API ? win.API : null;
    } catch (e) {
      return null; // a parent of another origin (the player frame is sandboxed)
    }
  }

  function findAPI(win) {
    var tries = 0;
    while (win && tries <= 7) {
      var api = apiIn(win);
      if (api) return api;
      var parent;
      try {
        parent = win.parent;
      } catch (e) {
        return null;
      }
      if (!parent || parent === win) return null;
      win = parent;
      tries += 1;
    }
    return null;
  }

  function getAPI() {
    var api = findAPI(window);
    if (!api) {
      try {
        if (window.opener) api = findAPI(window.opener);
      } catch (e) {
        api = null;
      }
    }
    return api;
  }

  var api = getAPI();
  var connected = false;
  var finished = false;

  function lmsGet(name) {
    if (!connected) return "";
    var value = api.LMSGetValue(name);
    return value === null || value === undefined ? "" : String(value);
  }

  function lmsSet(name, value) {
    if (!connected) return false;
    return String(api.LMSSetValue(name, String(value))) === "true";
  }

  function lmsCommit() {
    if (connected) api.LMSCommit("");
  }

  // --- the learner's state --------------------------------------------------------------------

  var state = { page: 1, answers: {}, ex: { ex1: "", ex2: "" }, cmp: "", done: false, score: null };
  var started = new Date().getTime();
  var mastery = DEFAULT_MASTERY;

  function saveState() {
    lmsSet("cmi.core.lesson_location", String(state.page));
    lmsSet(
      "cmi.suspend_data",
      JSON.stringify({ v: 1, a: state.answers, ex: state.ex, cmp: state.cmp, done: state.done,
                       s: state.score })
    );
  }

  function restoreState(raw) {
    if (!raw) return;
    try {
      var data = JSON.parse(raw);
      if (data && typeof data === "object") {
        state.answers = data.a && typeof data.a === "object" ? data.a : {};
        state.ex = data.ex && typeof data.ex === "object" ? data.ex : state.ex;
        state.cmp = typeof data.cmp === "string" ? data.cmp : "";
        state.done = data.done === true;
        state.score = typeof data.s === "number" ? data.s : null;
      }
    } catch (e) {
      // suspend_data written by something else: start afresh rather than break
    }
  }

  function timespan(ms) {
    // CMITimespan: HHHH:MM:SS.SS (hours 2 to 4 digits)
    var total = Math.max(0, Math.round(ms / 10)) / 100;
    var h = Math.min(9999, Math.floor(total / 3600));
    var m = Math.floor((total % 3600) / 60);
    var s = total - h * 3600 - m * 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    var sec = s.toFixed(2);
    if (s < 10) sec = "0" + sec;
    return two(h) + ":" + two(m) + ":" + sec;
  }

  function finish() {
    if (finished || !connected) return;
    finished = true;
    saveState();
    lmsSet("cmi.core.session_time", timespan(new Date().getTime() - started));
    lmsSet("cmi.core.exit", state.done ? "" : "suspend");
    api.LMSFinish("");
  }

  // --- pages ----------------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function show(page, persist) {
    page = Math.max(1, Math.min(PAGES, page));
    state.page = page;
    for (var i = 1; i <= PAGES; i += 1) $("page-" + i).hidden = i !== page;
    $("page-label").textContent = "Trang " + page + "/" + PAGES;
    $("btn-prev").disabled = page === 1;
    $("btn-next").disabled = page === PAGES;
    if (persist) {
      saveState();
      lmsCommit();
      window.scrollTo(0, 0);
    }
  }

  // Page 1: a bar cut into `den` equal parts, `num` of them coloured.
  function drawBar() {
    var num = parseInt($("demo-num").value, 10);
    var den = parseInt($("demo-den").value, 10);
    var svg = $("demo-bar");
    var text = $("demo-text");
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (!(den >= 1 && den <= 12) || !(num >= 0 && num <= 12)) {
      text.textContent = "Mẫu số từ 1 đến 12, tử số từ 0 đến 12 (mẫu số không được bằng 0).";
      return;
    }
    var ns = "http://www.w3.org/2000/svg";
    var width = 296 / den;
    for (var i = 0; i < den; i += 1) {
      var rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", String(2 + i * width));
      rect.setAttribute("y", "2");
      rect.setAttribute("width", String(width));
      rect.setAttribute("height", "36");
      rect.setAttribute("fill", i < num ? "#f0a30a" : "#ffffff");
      rect.setAttribute("stroke", "#0b5394");
      rect.setAttribute("stroke-width", "2");
      svg.appendChild(rect);
    }
    var said = num + "/" + den + ": chia đơn vị thành " + den + " phần bằng nhau, lấy " + num + " phần.";
    if (num > den) said += " Tử lớn hơn mẫu: phân số này lớn hơn 1 (hình chỉ tô được " + den + " phần).";
    text.textContent = said;
  }

  function checkCompare() {
    var sign = $("cmp-sign").value;
    state.cmp = sign;
    var out = $("cmp-feedback");
    if (!sign) { out.textContent = ""; return; }
    out.className = "center " + (sign === ">" ? "ok" : "ko");
    out.textContent = sign === ">"
      ? "Đúng! 5/6 = 15/18 và 7/9 = 14/18, nên 5/6 > 7/9."
      : "Chưa đúng. Gợi ý: quy đồng mẫu số 18 rồi so sánh hai tử.";
  }

  function checkExercise() {
    state.ex.ex1 = $("ex1").value;
    state.ex.ex2 = $("ex2").value;
    var right1 = parseInt(state.ex.ex1, 10) === 3;
    var right2 = parseInt(state.ex.ex2, 10) === 3;
    var out = $("ex-feedback");
    if (right1 && right2) {
      out.className = "center ok";
      out.textContent = "Đúng cả hai! 1/4 + 2/4 = 3/4 và 1/3 + 1/6 = 2/6 + 1/6 = 3/6 = 1/2.";
    } else {
      out.className = "center ko";
      out.textContent = (right1 ? "Câu thứ nhất đúng. " : "Câu thứ nhất: cộng hai tử, giữ mẫu 4. ") +
        (right2 ? "Câu thứ hai đúng." : "Câu thứ hai: đổi 1/3 thành 2/6 trước khi cộng.");
    }
    saveState();
  }

  // --- the quiz -------------------------------------------------------------------------------

  function readAnswers() {
    var inputs = $("quiz").querySelectorAll("input[type=radio]");
    var answers = {};
    for (var i = 0; i < inputs.length; i += 1) {
      if (inputs[i].checked) answers[inputs[i].name] = inputs[i].value;
    }
    return answers;
  }

  function fillAnswers() {
    var inputs = $("quiz").querySelectorAll("input[type=radio]");
    for (var i = 0; i < inputs.length; i += 1) {
      inputs[i].checked = state.answers[inputs[i].name] === inputs[i].value;
    }
  }

  function showResult() {
    var correct = 0;
    for (var q in KEY) {
      if (!Object.prototype.hasOwnProperty.call(KEY, q)) continue;
      var right = state.answers[q] === KEY[q];
      if (right) correct += 1;
      $(q).className = right ? "right" : "wrong";
    }
    var passed = state.score >= mastery;
    var out = $("quiz-result");
    out.className = "result " + (passed ? "ok" : "ko");
    out.textContent = "Kết quả: " + correct + "/5 câu đúng, " + state.score + " điểm (trên 100) — " +
      (passed ? "Đạt. Chúc mừng em!" : "Chưa đạt. Em xem lại bài rồi làm lại nhé.");
    $("quiz-submit").hidden = true;
    $("quiz-retry").hidden = false;
  }

  function submitQuiz(event) {
    event.preventDefault();
    state.answers = readAnswers();
    var missing = [];
    for (var q in KEY) {
      if (Object.prototype.hasOwnProperty.call(KEY, q) && !state.answers[q]) missing.push(q.slice(1));
    }
    if (missing.length) {
      $("quiz-result").className = "result ko";
      $("quiz-result").textContent = "Em chưa trả lời câu " + missing.join(", ") + ".";
      return;
    }
    var correct = 0;
    for (var k in KEY) {
      if (Object.prototype.hasOwnProperty.call(KEY, k) && state.answers[k] === KEY[k]) correct += 1;
    }
    state.score = correct * POINTS_PER_QUESTION;
    state.done = true;
    lmsSet("cmi.core.score.min", "0");
    lmsSet("cmi.core.score.max", "100");
    lmsSet("cmi.core.score.raw", String(state.score));
    lmsSet("cmi.core.lesson_status", state.score >= mastery ? "passed" : "failed");
    lmsSet("cmi.core.exit", "");
    saveState();
    lmsCommit();
    showResult();
    var out = $("quiz-result");
    if (out.scrollIntoView) out.scrollIntoView({ block: "center" });
  }

  function retryQuiz() {
    state.answers = {};
    fillAnswers();
    for (var q in KEY) {
      if (Object.prototype.hasOwnProperty.call(KEY, q)) $(q).className = "";
    }
    $("quiz-result").textContent = "";
    $("quiz-submit").hidden = false;
    $("quiz-retry").hidden = true;
    saveState();
    lmsCommit();
  }

  // --- start ----------------------------------------------------------------------------------

  function start() {
    if (api) {
      connected = String(api.LMSInitialize("")) === "true";
    }
    $("standalone-note").hidden = connected;
    var resumeAt = 1;
    if (connected) {
      var status = lmsGet("cmi.core.lesson_status");
      if (status === "" || status === "not attempted") lmsSet("cmi.core.lesson_status", "incomplete");
      var score = parseFloat(lmsGet("cmi.student_data.mastery_score"));
      if (score >= 0 && score <= 100) mastery = score;
      var entry = lmsGet("cmi.core.entry");
      restoreState(lmsGet("cmi.suspend_data"));
      var location = parseInt(lmsGet("cmi.core.lesson_location"), 10);
      if (entry !== "ab-initio" && location >= 1 && location <= PAGES) resumeAt = location;
    }
    if (resumeAt > 1) {
      var note = $("resume-note");
      note.textContent = "Tiếp tục từ trang " + resumeAt + ".";
      note.hidden = false;
    }

    $("demo-num").addEventListener("input", drawBar);
    $("demo-den").addEventListener("input", drawBar);
    drawBar();
    $("cmp-sign").value = state.cmp;
    $("cmp-sign").addEventListener("change", checkCompare);
    checkCompare();
    $("ex1").value = state.ex.ex1 || "";
    $("ex2").value = state.ex.ex2 || "";
    $("ex-check").addEventListener("click", checkExercise);
    $("quiz").addEventListener("submit", submitQuiz);
    $("quiz").addEventListener("change", function () {
      state.answers = readAnswers();
      saveState();
    });
    $("quiz-retry").addEventListener("click", retryQuiz);
    fillAnswers();
    if (state.done && state.score !== null) showResult();

    $("btn-prev").addEventListener("click", function () { show(state.page - 1, true); });
    $("btn-next").addEventListener("click", function () { show(state.page + 1, true); });
    show(resumeAt, connected);

    window.addEventListener("pagehide", finish);
    window.addEventListener("beforeunload", finish);
    window.addEventListener("unload", finish);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
