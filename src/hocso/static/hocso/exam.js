/* The exam page (exams/take.html) over the delivery API (exams/api_delivery.py).
   Saving: each change takes the question's next seq (kept in localStorage, so a reload goes on
   above the server's) and replaces its entry in the queue kept under "hocso:exam:<attempt>"
   with the device token. The queue goes out in answer order, one batch at a time; an entry
   leaves it only when the server returns a stored seq >= the one sent (after its commit).
   Errors retry with backoff. Clock: remaining seconds from the server on every reply, counted
   down with performance.now(), never the phone's date. */
(() => {
  "use strict";
  var root = document.getElementById("exam");
  if (!root || root.dataset.phase !== "open") return;

  var BATCH = 50, RETRY_MIN_MS = 1000, RETRY_MAX_MS = 30000, HEARTBEAT_MS = 30000;
  var FETCH_TIMEOUT_MS = 20000, TEXT_DEBOUNCE_MS = 700, ESSAY_DEBOUNCE_MS = 1200, ESSAY_MAX = 20000;
  var MATH = /\\\(|\\\[/;
  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  var M = JSON.parse(document.getElementById("ex-messages").textContent);
  var API = root.dataset.api;
  var KEY = "hocso:exam:" + root.dataset.attempt;

  function $(id) { return document.getElementById(id); }
  function fmt(text, params) {
    return String(text).replace(/%\((\w+)\)s/g, (_, name) => {
      return params && name in params ? params[name] : "";
    });
  }
  /* el("tag.class1.class2", {attribute: value, text, html, onclick: fn}, [children]) */
  function el(spec, attrs, children) {
    var parts = spec.split(".");
    var node = document.createElement(parts[0]);
    if (parts.length > 1) node.className = parts.slice(1).join(" ");
    Object.keys(attrs || {}).forEach(name => {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "html") node.innerHTML = value; // item content: cleaned by questions/richtext.py
      else if (name.indexOf("on") === 0) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(child => { if (child) node.appendChild(child); });
    return node;
  }
  function text(detail) { // an API error's detail: a text, a list or {field: [texts]}
    if (detail === null || typeof detail !== "object") return String(detail || "");
    return Object.keys(detail).map(k => text((detail[k] && detail[k].msg) || detail[k])).join(" ");
  }

  // --- what this browser keeps

  function load() {
    try {
      var kept = JSON.parse(localStorage.getItem(KEY));
      if (kept && typeof kept === "object" && kept.pending && kept.seqs) return kept;
    } catch (e) { /* private mode or damaged: start clean */ }
    return { token: "", code: "", seqs: {}, pending: {}, page: 0, clock: 0 };
  }
  var store = load();
  var hadRecord = !!store.token;
  var persistTimer = null;
  function persist() {
    clearTimeout(persistTimer);
    persistTimer = null;
    try { localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) { /* full */ }
  }

  // --- state of the page

  var questions = [], byId = {};
  var serverSeq = {}; // question id → seq the server is known to hold
  var answers = {}; // question id → the answer shown
  var refused = {}; // question id → true when the server refused its answer (422)
  var typing = {}; // question id → timer of a text being typed
  var inFlight = null, retryTimer = null, retryDelay = 0, batchSize = BATCH;
  var failing = false, loginExpired = false, locked = false, closed = false;
  var finishing = false, submitting = false, onePerPage = false;
  var endsAt = 0, warned = {}, ticker = null, beat = null;

  function isEmpty(answer) {
    if (answer === null || answer === undefined) return true;
    if (typeof answer === "string") return answer.trim() === "";
    if (Array.isArray(answer)) return answer.every(v => v === null);
    return false;
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function waitingIds() { return Object.keys(store.pending); }
  function title(q) {
    var text = fmt(M.question, { n: q.number });
    return q.part ? fmt(M.part, { part: q.part }) + " · " + text : text;
  }
  function stateOf(q) {
    if (refused[q.id]) return "error";
    if (store.pending[q.id]) return "waiting";
    return isEmpty(answers[q.id]) ? "empty" : "saved";
  }
  var STATE_TEXT = { saved: M.stateSaved, waiting: M.stateWaiting, empty: M.stateEmpty, error: M.stateError };

  // --- status bar, per-question marks

  function showQuestionState(q) {
    var state = stateOf(q);
    q.badge.textContent = STATE_TEXT[state];
    q.badge.className = "ex-q-state ex-" + state;
    q.navButton.className = "ex-nav-btn ex-" + state;
    q.navButton.setAttribute("aria-label", fmt(M.navLabel, { question: title(q), state: STATE_TEXT[state] }));
  }
  function showStatus() {
    var n = waitingIds().length;
    var status = $("ex-status");
    var text, kind;
    if (locked || closed) { text = n ? fmt(M.kept, { n: n }) : M.allSaved; kind = n ? "bad" : "ok"; }
    else if (loginExpired) { text = fmt(M.expiredLogin, { n: n }); kind = "bad"; }
    else if (failing || navigator.onLine === false) {
      text = n ? fmt(M.offline, { n: n }) : M.offlineEmpty; kind = "bad";
    } else if (n || inFlight) { text = M.saving; kind = "busy"; }
    else { text = M.allSaved; kind = "ok"; }
    if (status.textContent !== text) status.textContent = text;
    status.className = "ex-status ex-" + kind;
    refreshConfirm();
  }
  function showAll() { questions.forEach(showQuestionState); showStatus(); }
  function alertBox(text) {
    var box = $("ex-alert");
    box.textContent = text;
    box.classList.toggle("d-none", !text);
  }

  // --- recording an answer

  function changed(q, answer, delay) {
    if (locked || closed || finishing) return;
    answers[q.id] = answer;
    var p = store.pending[q.id];
    if (!p || p.sent) { // a save once sent keeps its seq: a new answer needs the next one
      var seq = Math.max(store.seqs[q.id] || 0, serverSeq[q.id] || 0) + 1;
      p = store.pending[q.id] = { seq: seq };
      store.seqs[q.id] = seq;
    }
    p.answer = answer;
    p.t = store.clock += 1;
    delete refused[q.id];
    clearTimeout(typing[q.id]);
    if (delay) { // text being typed: kept at once, sent when the typing pauses
      typing[q.id] = setTimeout(() => sendNow(q), delay);
      if (!persistTimer) persistTimer = setTimeout(persist, 250);
    } else sendNow(q);
    showQuestionState(q);
    showStatus();
  }
  function sendNow(q) {
    clearTimeout(typing[q.id]);
    delete typing[q.id];
    persist();
    flush();
  }
  function sendTyping() { Object.keys(typing).forEach(id => sendNow(byId[id])); }

  // --- talking to the server

  function call(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      // The cookie's token: logging in again (in another tab) rotates it.
      var cookie = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
      options.headers["X-CSRFToken"] = cookie ? decodeURIComponent(cookie[1]) : root.dataset.csrf;
      options.body = JSON.stringify(body);
    }
    var timer = null;
    if (window.AbortController) {
      var controller = new AbortController();
      options.signal = controller.signal;
      timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
    }
    return fetch(API + path, options).then(response => {
      return response.text().then(text => {
        clearTimeout(timer);
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { /* an HTML error page */ }
        return { status: response.status, data: data || {} };
      });
    }, error => { clearTimeout(timer); throw error; });
  }
  function sync(data) {
    if (typeof data.remaining_seconds === "number") endsAt = performance.now() + data.remaining_seconds * 1000;
    if (data.status === "submitted") close();
  }
  function refusedBy409(res) {
    if (res.status !== 409) return false;
    if (res.data.code === "device_replaced") lock();
    else close(text(res.data.detail));
    return true;
  }

  function flush() {
    if (inFlight || retryTimer || locked || closed || !store.token) return;
    var saves = Object.keys(store.pending).filter(id => !typing[id]).map(id => {
      var p = store.pending[id];
      return { question: Number(id), seq: p.seq, answer: p.answer, t: p.t, p: p };
    }).sort((a, b) => a.t - b.t).slice(0, batchSize);
    if (!saves.length) { showStatus(); afterFlush(); return; }
    inFlight = saves;
    saves.forEach(save => { save.p.sent = true; });
    persist();
    showStatus();
    var body = { device_token: store.token,
      saves: saves.map(s => ({ question: s.question, seq: s.seq, answer: s.answer })) };
    call("POST", "/responses", body).then(res => {
      inFlight = null;
      if (res.status === 200) {
        failing = loginExpired = false;
        retryDelay = 0;
        batchSize = BATCH;
        acknowledge(res.data.saved || []);
        sync(res.data);
        showAll();
        if (!closed) setTimeout(flush, 0);
      } else if (refusedBy409(res)) {
        showAll();
      } else if (res.status === 422) {
        // The detail names each refused question ({"<id>": [reasons]}): drop those saves and
        // send the others; without names, find the culprit one save at a time.
        var detail = res.data.detail || {};
        var named = saves.filter(s => detail[s.question]);
        if (!named.length && saves.length > 1) batchSize = 1;
        (named.length ? named : saves.length === 1 ? saves : []).forEach(s => {
          var q = byId[s.question];
          delete store.pending[s.question];
          refused[s.question] = true;
          alertBox(fmt(M.refused, { n: q ? title(q) : s.question, detail: text(detail[s.question] || detail) }));
        });
        if (named.length || saves.length === 1) batchSize = BATCH;
        persist();
        showAll();
        setTimeout(flush, 0);
      } else {
        loginExpired = res.status === 401 || res.status === 403;
        retryLater();
      }
    }, () => { inFlight = null; retryLater(); });
  }
  function acknowledge(saved) {
    saved.forEach(s => {
      var id = String(s.question);
      serverSeq[id] = Math.max(serverSeq[id] || 0, s.seq);
      var p = store.pending[id];
      if (p && s.seq >= p.seq) delete store.pending[id];
    });
    persist();
  }
  function retryLater() {
    failing = true;
    retryDelay = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, retryDelay * 2));
    // Spread the retries of a room that lost the connection at the same moment.
    var wait = retryDelay * (0.6 + Math.random() * 0.4);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => { retryTimer = null; flush(); }, wait);
    showAll();
    afterFlush();
  }
  function retryNow() {
    clearTimeout(retryTimer);
    retryTimer = null;
    retryDelay = 0;
    flush();
  }

  var state = () => call("GET", "/state?device_token=" + encodeURIComponent(store.token));
  function heartbeat() {
    if (locked || closed || !store.token) return;
    state().then(res => {
      if (res.status === 200) {
        var wasFailing = failing;
        failing = false;
        sync(res.data);
        acknowledge(Object.keys(res.data.saved || {}).map(id => ({ question: id, seq: res.data.saved[id] })));
        showAll();
        if (wasFailing) retryNow();
      } else if (!refusedBy409(res) && res.status >= 500) {
        failing = true;
        showStatus();
      }
    }, () => { failing = true; showStatus(); });
  }

  // --- the clock

  function clockText(seconds) {
    var two = n => (n < 10 ? "0" : "") + n, h = Math.floor(seconds / 3600);
    return (h ? h + ":" : "") + two(Math.floor(seconds / 60) % 60) + ":" + two(seconds % 60);
  }
  function tick() {
    var left = Math.max(0, Math.round((endsAt - performance.now()) / 1000));
    $("ex-timer").textContent = clockText(left);
    $("ex-bar").classList.toggle("ex-low", left <= 300);
    if (left <= 300 && left > 60 && !warned[5]) { warned[5] = true; alertBox(M.warn5); }
    if (left <= 60 && left > 0 && !warned[1]) { warned[1] = true; alertBox(M.warn1); }
    if (left === 0 && !finishing && !closed && !locked) timeUp();
  }
  function timeUp() {
    // Ask the server first: a supervisor may have added time since the last answer.
    finishing = true;
    state().then(res => {
      if (res.status === 200) sync(res.data);
      else if (refusedBy409(res)) return;
      if (res.status === 200 && res.data.remaining_seconds > 1 && !closed) finishing = false;
      else endEditing();
    }, endEditing);
  }
  function endEditing() {
    if (closed || locked) return;
    finishing = true;
    sendTyping();
    setDisabled(true);
    alertBox(M.timeUp);
    retryNow();
  }
  function afterFlush() {
    // Time is up: submit once nothing waits (the server submits anyway after the grace period).
    if (finishing && !closed && !locked && !submitting && !inFlight && !waitingIds().length) {
      submit(true);
    }
  }

  // --- start, lock, close, submit

  function start(event) {
    if (event) event.preventDefault();
    var input = $("ex-code");
    var code = input ? input.value.trim() : "";
    var button = $("ex-take-back").hidden ? $("ex-start-btn") : $("ex-take-back");
    button.disabled = true;
    var error = $("ex-start-error");
    var failed = message => {
      button.disabled = false;
      error.textContent = message || M.startFailed;
      error.classList.remove("d-none");
      if (locked) $("ex-lock-text").textContent = error.textContent;
      else if (input) input.focus();
    };
    call("POST", "/start", { access_code: code, device_label: navigator.userAgent.slice(0, 200) })
      .then(res => {
        button.disabled = false;
        if (res.status !== 200) return failed(text(res.data.detail));
        store.code = code;
        begin(res.data);
      }, () => failed());
  }

  function begin(data) {
    store.token = data.device_token;
    onePerPage = !!data.one_per_page;
    questions = data.questions || [];
    byId = {}, serverSeq = {}, answers = {};
    var server = data.responses || {};
    questions.forEach(q => {
      q.id = String(q.id);
      byId[q.id] = q;
      var held = server[q.id];
      serverSeq[q.id] = held ? held.seq : 0;
      if (held) answers[q.id] = held.answer;
      store.seqs[q.id] = Math.max(store.seqs[q.id] || 0, serverSeq[q.id]);
    });
    // Answers this browser kept but the server may not have: they are what the learner saw
    // last on this device, so they are shown and sent again, numbered above the server's.
    var restored = 0;
    Object.keys(store.pending).forEach(id => {
      var p = store.pending[id];
      var held = server[id];
      if (!byId[id]) { delete store.pending[id]; return; }
      if (held && held.seq >= p.seq) {
        if (same(held.answer, p.answer)) { delete store.pending[id]; return; }
        p.seq = store.seqs[id] = held.seq + 1;
        p.sent = false;
      }
      answers[id] = p.answer;
      restored += 1;
    });
    persist();
    locked = false;
    $("ex-lock").hidden = $("ex-start").hidden = true;
    $("ex-app").hidden = false;
    render();
    sync(data);
    tick();
    stopTimers();
    ticker = setInterval(tick, 1000);
    beat = setInterval(heartbeat, HEARTBEAT_MS);
    alertBox(restored ? fmt(M.restored, { n: restored }) : "");
    retryNow();
  }

  function setDisabled(flag) {
    $("ex-questions").querySelectorAll("input, select, textarea, button").forEach(node => { node.disabled = flag; });
    $("ex-submit").disabled = flag;
  }
  function stopTimers() {
    clearInterval(ticker);
    clearInterval(beat);
    clearTimeout(retryTimer);
    retryTimer = null;
  }
  function lock() {
    locked = true;
    stopTimers();
    setDisabled(true);
    $("ex-lock-text").textContent = M.replaced;
    $("ex-take-back").hidden = $("ex-lock").hidden = false;
    $("ex-take-back").focus();
    showAll();
  }
  function close(detail) {
    if (closed) return;
    closed = true;
    stopTimers();
    sendTyping();
    setDisabled(true);
    var n = waitingIds().length;
    if (!n) { try { localStorage.removeItem(KEY); } catch (e) { /* nothing kept */ } }
    $("ex-timer").textContent = clockText(0);
    $("ex-lock-text").textContent = M.closed + (n ? " " + fmt(M.closedUnsent, { n: n }) : "") +
      (detail && detail !== M.closed ? " (" + detail + ")" : "");
    $("ex-take-back").hidden = true;
    $("ex-lock").hidden = false;
    $("ex-lock-leave").focus();
    showStatus();
  }

  function unansweredTitles() {
    return questions.filter(q => isEmpty(answers[q.id])).map(title);
  }
  function refreshConfirm() {
    var dialog = $("ex-confirm");
    if (!dialog.open) return;
    var n = waitingIds().length;
    var blocked = $("ex-confirm-blocked");
    blocked.hidden = !n;
    blocked.textContent = n ? fmt(M.blocked, { n: n }) : "";
    $("ex-confirm-yes").disabled = n > 0 || submitting;
  }
  function openConfirm() {
    sendTyping();
    var missing = unansweredTitles();
    $("ex-confirm-unanswered").textContent = missing.length
      ? fmt(M.unanswered, { list: missing.join(", ") }) : M.allAnswered;
    $("ex-confirm-error").textContent = "";
    var dialog = $("ex-confirm");
    if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    refreshConfirm();
    if (waitingIds().length) retryNow();
  }
  function closeConfirm() {
    var dialog = $("ex-confirm");
    if (dialog.close) dialog.close(); else dialog.removeAttribute("open");
  }
  function submit(auto) {
    if (submitting || (!auto && waitingIds().length)) return;
    submitting = true;
    refreshConfirm();
    $("ex-confirm-error").textContent = M.submitting;
    call("POST", "/submit", { device_token: store.token }).then(res => {
      submitting = false;
      if (res.status === 200 || (res.status === 409 && res.data.code === "closed")) {
        stopTimers();
        closed = true;
        try { localStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
        window.location.assign(res.data.result_url || root.dataset.myExams);
        return;
      }
      if (refusedBy409(res)) { closeConfirm(); return; }
      failed();
    }, () => { submitting = false; failed(); });
    function failed() {
      $("ex-confirm-error").textContent = M.submitFailed;
      refreshConfirm();
      if (auto) setTimeout(afterFlush, 5000);
    }
  }

  // --- drawing the questions

  function choiceInput(q, type, value, text, html, extra) {
    var input = el("input.form-check-input", { type: type, name: "ex-" + q.id + (extra || ""), value: value });
    return { input: input, label: el("label.ex-opt", {}, [input, text ? el("span.ex-letter", { text: text }) : null,
      el("span.ex-opt-text", { html: html })]) };
  }

  var BUILD = {
    single_choice: (q, body) => {
      var inputs = q.options.map((option, i) => {
        var c = choiceInput(q, "radio", option.value, LETTERS[i] + ".", option.html);
        c.input.addEventListener("change", () => changed(q, Number(option.value)));
        body.appendChild(c.label);
        return c.input;
      });
      body.appendChild(clearButton(q, inputs));
      return answer => {
        inputs.forEach(input => { input.checked = answer !== null && Number(input.value) === answer; });
      };
    },
    multiple_response: (q, body) => {
      var inputs = q.options.map((option, i) => {
        var c = choiceInput(q, "checkbox", option.value, LETTERS[i] + ".", option.html);
        c.input.addEventListener("change", () => {
          changed(q, inputs.filter(x => x.checked)
            .map(x => Number(x.value)).sort((a, b) => a - b));
        });
        body.appendChild(c.label);
        return c.input;
      });
      return answer => {
        inputs.forEach(input => {
          input.checked = Array.isArray(answer) && answer.indexOf(Number(input.value)) >= 0;
        });
      };
    },
    true_false: (q, body) => {
      var inputs = trueFalse(q, body, "", value => changed(q, value));
      body.appendChild(clearButton(q, inputs));
      return answer => setTrueFalse(inputs, answer);
    },
    true_false_4: (q, body) => {
      var current = () => rows.map(inputs => inputs[0].checked ? true : inputs[1].checked ? false : null);
      var rows = q.statements.map((html, i) => {
        var set = el("fieldset.ex-tf4", {}, [el("legend.ex-tf4-text", {}, [
          el("span.ex-letter", { text: "abcd"[i] + ")" }), el("span", { html: html })])]);
        body.appendChild(set);
        return trueFalse(q, set, "-" + i, () => changed(q, current()));
      });
      return answer => rows.forEach((inputs, i) => setTrueFalse(inputs, Array.isArray(answer) ? answer[i] : null));
    },
    short_text: (q, body) => textAnswer(q, body, false),
    short_numeric: (q, body) => textAnswer(q, body, true),
    matching: (q, body) => {
      var selects = q.prompts.map((html, i) => {
        var id = "ex-" + q.id + "-m" + i;
        var select = el("select.form-select", { id: id }, [el("option", { value: "", text: M.choose })]
          .concat(q.right_choices.map(text => el("option", { value: text, text: text }))));
        select.addEventListener("change", () => {
          changed(q, selects.map(s => s.value === "" ? null : s.value));
        });
        body.appendChild(el("div.ex-match", {}, [el("label.ex-match-prompt", { for: id, html: html }), select]));
        return select;
      });
      return answer => {
        selects.forEach((select, i) => {
          select.value = Array.isArray(answer) && answer[i] !== null && answer[i] !== undefined ? answer[i] : "";
        });
      };
    },
    ordering: (q, body) => {
      var order = q.ordering_items.slice();
      var list = el("ol.ex-order");
      var keep = el("button.btn.btn-sm.btn-outline-secondary.ex-keep", { type: "button", text: M.keepOrder,
        onclick: () => changed(q, order.slice()) });
      function draw(focusText, focusDir) {
        list.textContent = "";
        order.forEach((text, i) => {
          var button = (arrow, label, step, off) => el("button.btn.btn-outline-secondary.ex-move", { type: "button",
            text: arrow, "aria-label": fmt(label, { text: text }), disabled: off, onclick: () => move(i, step) });
          var up = button("↑", M.moveUp, -1, i === 0), down = button("↓", M.moveDown, 1, i === order.length - 1);
          list.appendChild(el("li.ex-order-item", {}, [el("span.ex-order-text", { text: text }), up, down]));
          if (text === focusText) (focusDir < 0 && i > 0 || i === order.length - 1 ? up : down).focus();
        });
        keep.hidden = !isEmpty(answers[q.id]);
      }
      function move(i, step) {
        var j = i + step;
        var text = order[i];
        order[i] = order[j];
        order[j] = text;
        changed(q, order.slice());
        draw(text, step);
      }
      body.appendChild(list);
      body.appendChild(keep);
      return answer => {
        if (Array.isArray(answer) && answer.length === order.length) order = answer.slice();
        draw();
      };
    },
    essay: (q, body) => {
      var id = "ex-" + q.id + "-text";
      var counter = el("div.form-text", { id: id + "-count", "aria-live": "off" });
      var area = el("textarea.form-control", { id: id, rows: 8, maxlength: ESSAY_MAX, "aria-describedby": id + "-count" });
      function count() { counter.textContent = fmt(M.chars, { n: area.value.length, max: ESSAY_MAX }); }
      area.addEventListener("input", () => { count(); changed(q, area.value, ESSAY_DEBOUNCE_MS); });
      area.addEventListener("blur", () => { if (typing[q.id]) sendNow(q); });
      body.appendChild(el("label.visually-hidden", { for: id, text: M.answer }));
      body.appendChild(area);
      body.appendChild(counter);
      return answer => { area.value = typeof answer === "string" ? answer : ""; count(); };
    }
  };

  function trueFalse(q, box, suffix, onChange) { // two big "Đúng" / "Sai" radios
    var row = box.appendChild(el("div.ex-pills"));
    return [true, false].map(value => {
      var c = choiceInput(q, "radio", value ? "1" : "0", "", value ? M.true : M.false, suffix);
      c.label.classList.add("ex-pill");
      c.input.addEventListener("change", () => onChange(value));
      row.appendChild(c.label);
      return c.input;
    });
  }
  function setTrueFalse(inputs, value) {
    inputs[0].checked = value === true;
    inputs[1].checked = value === false;
  }
  function clearButton(q, inputs) {
    return el("button.btn.btn-link.btn-sm.ex-clear", { type: "button", text: M.clear, onclick: () => {
      inputs.forEach(input => { input.checked = false; });
      changed(q, null);
    } });
  }
  function textAnswer(q, body, numeric) {
    var id = "ex-" + q.id + "-text";
    var input = el("input.form-control.form-control-lg.ex-short", { id: id, type: "text", autocomplete: "off",
      maxlength: 200, inputmode: numeric ? "decimal" : null, spellcheck: "false",
      "aria-describedby": numeric ? id + "-hint" : null });
    input.addEventListener("input", () => changed(q, input.value.trim(), TEXT_DEBOUNCE_MS));
    input.addEventListener("change", () => { if (typing[q.id]) sendNow(q); });
    body.appendChild(el("label.form-label.small", { for: id, text: M.answer }));
    body.appendChild(input);
    if (numeric) body.appendChild(el("div.form-text", { id: id + "-hint", text: M.numberHint }));
    return answer => { input.value = typeof answer === "string" ? answer : ""; };
  }

  function render() {
    var box = $("ex-questions");
    var nav = $("ex-nav");
    box.textContent = "";
    nav.textContent = "";
    var hasMath = false;
    questions.forEach((q, index) => {
      var headingId = "ex-qh-" + q.id;
      q.badge = el("span.ex-q-state");
      var points = String(Number(q.points)).replace(".", ",");
      var body = el("div.ex-q-body");
      var heading = el("h2.ex-q-title", { id: headingId, tabindex: "-1" }, [
        document.createTextNode(title(q) + " "), el("span.ex-points", { text: "(" + fmt(M.points, { points: points }) + ")" })]);
      q.node = el("section.ex-q", { id: "ex-q-" + q.id, "aria-labelledby": headingId }, [
        el("div.ex-q-head", {}, [heading, q.badge]), el("div.ex-stem", { html: q.stem || "" }), body]);
      q.heading = heading;
      var build = BUILD[q.type];
      q.show = build ? build(q, body) : () => {};
      q.show(answers[q.id] === undefined ? null : answers[q.id]);
      box.appendChild(q.node);
      q.navButton = el("button.ex-nav-btn", { type: "button", text: q.part ? q.part + "." + q.number : String(q.number),
        onclick: () => goTo(index, true) });
      nav.appendChild(q.navButton);
      [q.stem].concat((q.options || []).map(o => o.html), q.statements || [], q.prompts || [])
        .forEach(html => { if (html && MATH.test(html)) hasMath = true; });
    });
    $("ex-pager").hidden = !onePerPage;
    goTo(onePerPage ? Math.min(store.page || 0, questions.length - 1) : -1, false);
    showAll();
    if (hasMath) loadMath(box);
  }

  function goTo(index, focus) {
    if (onePerPage) {
      index = Math.max(0, Math.min(index, questions.length - 1));
      store.page = index;
      persist();
      questions.forEach((q, i) => { q.node.hidden = i !== index; });
      $("ex-prev").disabled = index === 0;
      $("ex-next").disabled = index === questions.length - 1;
    }
    questions.forEach((q, i) => q.navButton.setAttribute("aria-current", i === index && onePerPage ? "step" : "false"));
    var q = questions[index];
    if (q && focus) {
      q.node.scrollIntoView({ block: "start" });
      q.heading.focus({ preventScroll: true });
    }
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      document.head.appendChild(el("script", { src: src, onload: resolve, onerror: reject }));
    });
  }
  function loadMath(box) {
    document.head.appendChild(el("link", { rel: "stylesheet", href: root.dataset.katexCss }));
    loadScript(root.dataset.katexJs).then(() => loadScript(root.dataset.katexAuto)).then(() => {
      window.renderMathInElement(box, { throwOnError: false, delimiters: [
        { left: "\\(", right: "\\)", display: false }, { left: "\\[", right: "\\]", display: true }] });
    }, () => { /* the LaTeX source stays readable */ });
  }

  // --- wiring

  $("ex-start").addEventListener("submit", start);
  $("ex-take-back").addEventListener("click", start);
  $("ex-submit").addEventListener("click", openConfirm);
  $("ex-confirm-no").addEventListener("click", closeConfirm);
  $("ex-confirm-yes").addEventListener("click", () => submit(false));
  $("ex-prev").addEventListener("click", () => goTo(store.page - 1, true));
  $("ex-next").addEventListener("click", () => goTo(store.page + 1, true));
  window.addEventListener("online", () => { failing = false; retryNow(); heartbeat(); showStatus(); });
  window.addEventListener("offline", () => showStatus());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") sendTyping();
    else if (store.token && !locked && !closed) heartbeat();
  });
  window.addEventListener("pagehide", sendTyping);
  window.addEventListener("beforeunload", event => {
    sendTyping();
    if (!closed && waitingIds().length) {
      event.preventDefault();
      event.returnValue = M.leave;
      return M.leave;
    }
  });

  // A reload of an attempt in progress on this device resumes by itself (same room code).
  if (root.dataset.status === "in_progress" && hadRecord) {
    if ($("ex-code")) $("ex-code").value = store.code || "";
    if (!$("ex-code") || store.code) start();
  }
})();
