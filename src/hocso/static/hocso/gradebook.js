/* Grade book: spreadsheet keys, paste from Excel, instant validation and an autosave that never
   loses a typed score. Plain JavaScript, no build step. The page works without it as a form
   posting the whole table; this file enhances it.

   - Tables marked data-grid: arrows and Enter move between cells (Tab as usual), focusing a
     cell selects it so typing replaces, Esc undoes the cell being edited.
   - The grade book form (data-gradebook, data-editable="1"): each change is checked at once
     (red cell and a message), then queued and POSTed in small batches to data-save-url. Every
     typed value is also kept in localStorage under data-storage-key until the server has
     confirmed it, so a reload, a crash or a lost connection loses nothing: unsaved values are
     restored and sent again, a counter shows how many remain, and leaving warns.
   - data-mode="levels" (the primary evaluation sheet): select cells take one of their options
     (typed keys and pasted text go through the JSON map data-aliases, folded text → option),
     text cells (comments) take any text. */
(function () {
  "use strict";

  var BATCH_SIZE = 40;
  var DEBOUNCE_MS = 600;
  var RETRY_FIRST_MS = 2000;
  var RETRY_MAX_MS = 30000;

  function fmt(text, params) {
    return String(text).replace(/%\((\w+)\)s/g, function (_, name) {
      return params && name in params ? params[name] : "";
    });
  }

  function fold(text) {
    return String(text)
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d")
      .toLowerCase()
      .replace(/\s+/g, " ")
      .trim();
  }

  // --- grid navigation --------------------------------------------------------------------

  function buildGrid(table) {
    var grid = [];
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      var cells = Array.prototype.slice.call(tr.querySelectorAll(".gb-cell"));
      if (cells.length) grid.push(cells);
    });
    return grid;
  }

  function positionOf(grid, el) {
    for (var r = 0; r < grid.length; r++) {
      var c = grid[r].indexOf(el);
      if (c !== -1) return [r, c];
    }
    return null;
  }

  function focusCell(grid, r, c) {
    if (r < 0 || r >= grid.length) return false;
    var row = grid[r];
    if (c < 0 || c >= row.length) return false;
    row[c].focus();
    return true;
  }

  function isTextInput(el) {
    return el.tagName === "INPUT" && el.type === "text";
  }

  function caretAt(el, edge) {
    if (!isTextInput(el)) return true;
    var start = el.selectionStart, end = el.selectionEnd, len = el.value.length;
    if (start === 0 && end === len) return true; // the whole cell selected: move
    return edge === "start" ? start === 0 && end === 0 : start === len && end === len;
  }

  function setupGrid(table, hooks) {
    var grid = buildGrid(table);
    if (!grid.length) return null;

    table.addEventListener("focusin", function (event) {
      var el = event.target;
      if (!el.classList || !el.classList.contains("gb-cell")) return;
      el.dataset.editStart = el.value;
      if (el.tagName === "INPUT") {
        try { el.select(); } catch (error) { /* not selectable: nothing to replace */ }
      }
      if (hooks && hooks.focus) hooks.focus(el);
    });

    table.addEventListener("keydown", function (event) {
      var el = event.target;
      if (!el.classList || !el.classList.contains("gb-cell")) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return; // Alt+↓ opens a select
      var pos = positionOf(grid, el);
      if (!pos) return;
      var r = pos[0], c = pos[1], target = null;
      switch (event.key) {
        case "ArrowUp": target = [r - 1, c]; break;
        case "ArrowDown": target = [r + 1, c]; break;
        case "ArrowLeft": if (caretAt(el, "start")) target = [r, c - 1]; break;
        case "ArrowRight": if (caretAt(el, "end")) target = [r, c + 1]; break;
        case "Enter":
          if (event.shiftKey) target = [r - 1, c];
          else if (r + 1 < grid.length) target = [r + 1, c];
          else target = [0, c + 1]; // end of a column: on to the top of the next one
          break;
        case "Escape":
          if (el.dataset.editStart !== undefined && el.value !== el.dataset.editStart) {
            el.value = el.dataset.editStart;
            if (hooks && hooks.change) hooks.change(el);
            if (isTextInput(el)) el.select();
          }
          event.preventDefault();
          return;
        default:
          if (el.tagName === "SELECT" && hooks && hooks.selectKey) hooks.selectKey(event, el);
          return;
      }
      if (target) {
        event.preventDefault(); // also keeps Enter from submitting the form
        focusCell(grid, target[0], target[1]);
      }
    });
    return grid;
  }

  // --- the grade book ---------------------------------------------------------------------

  function setupGradebook(form) {
    var table = form.querySelector("table[data-grid]");
    var messagesNode = document.getElementById("gb-messages");
    var M = messagesNode ? JSON.parse(messagesNode.textContent) : {};
    var mode = form.dataset.mode;
    var decimalMark = form.dataset.decimalMark || ".";
    var aliases = form.dataset.aliases ? JSON.parse(form.dataset.aliases) : {};
    var editable = form.dataset.editable === "1";
    var storageKey = form.dataset.storageKey;
    var statusBox = document.getElementById("gb-status");
    var statusText = document.getElementById("gb-status-text");
    var retryButton = document.getElementById("gb-retry");
    var notice = document.getElementById("gb-notice");
    var info = document.getElementById("gb-info");
    var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");

    var store = loadJSON(storageKey); // key → typed value not yet confirmed by the server
    // key → {v, version}: values the server confirmed, with the grade book version after the
    // save. A page reloaded while a save was still being written can be drawn from before it;
    // these put such values back on the page (they are saved: nothing is sent again).
    var recentKey = storageKey + ":saved";
    var recent = loadJSON(recentKey);
    var cells = {}; // key → element
    var pending = new Map(); // key → element, waiting to be sent
    var inflight = null; // [{key, el, canon}] being sent
    var debounce = null, retryTimer = null, retryDelay = RETRY_FIRST_MS;
    var problem = ""; // why saving stopped or failed, shown beside the counter
    var halted = false; // the server refused (403/409/401): wait for "Thử lại"
    var everSaved = false;

    function loadJSON(key) {
      try {
        return JSON.parse(window.localStorage.getItem(key) || "{}") || {};
      } catch (error) {
        return {};
      }
    }

    function save(key, value) {
      try {
        if (Object.keys(value).length) window.localStorage.setItem(key, JSON.stringify(value));
        else window.localStorage.removeItem(key);
      } catch (error) {
        /* storage full or disabled: the values stay in the page and in the queue */
      }
    }

    function persist() {
      save(storageKey, store);
    }

    function keyOf(el) {
      return el.dataset.student + ":" + el.dataset.kind + ":" + el.dataset.seq;
    }

    // What a typed value means: {ok, canon} or {ok: false, message}.
    function validate(raw) {
      var text = String(raw == null ? "" : raw).trim();
      if (mode === "levels") return { ok: true, canon: text }; // a select's option or free text
      if (mode === "comment") {
        if (text === "" || text === "D" || text === "CD") return { ok: true, canon: text };
        return { ok: false, message: M.comment };
      }
      if (text === "") return { ok: true, canon: "" };
      if (!/^[+-]?\d+([.,]\d+)?$/.test(text)) {
        return { ok: false, message: fmt(M.notNumber, { value: text }) };
      }
      var plain = text.replace(",", ".");
      var number = Math.abs(Number(plain)) === 0 ? 0 : Number(plain);
      if (mode === "primary") {
        if (!Number.isInteger(number) || number < 1 || number > 10) {
          return { ok: false, message: M.primaryRange };
        }
        return { ok: true, canon: String(number) };
      }
      if (number < 0 || number > 10) return { ok: false, message: M.range };
      var decimals = (plain.split(".")[1] || "").replace(/0+$/, "");
      if (decimals.length > 1) return { ok: false, message: M.precision };
      return { ok: true, canon: String(number) };
    }

    function commentValue(text) {
      var key = fold(text);
      if (mode === "levels") return key === "" ? "" : key in aliases ? aliases[key] : null;
      if (key === "") return "";
      // The spellings the grade importer accepts (assessment/importers.py _PASSED), with the
      // English UI's P / NP.
      if (["d", "dat", "p", "passed", "pass"].indexOf(key) !== -1) return "D";
      if (["cd", "chua dat", "khong dat", "np", "not passed", "fail"].indexOf(key) !== -1) return "CD";
      return null;
    }

    function setInvalid(el, message) {
      el.classList.add("gb-invalid");
      el.classList.remove("gb-dirty", "gb-saving", "gb-saved", "gb-error");
      el.setAttribute("aria-invalid", "true");
      el.title = message;
      el.dataset.error = message;
      if (document.activeElement === el) describe(el);
    }

    function clearInvalid(el) {
      if (!el.classList.contains("gb-invalid")) return;
      el.classList.remove("gb-invalid");
      el.removeAttribute("aria-invalid");
      el.removeAttribute("title");
      delete el.dataset.error;
      if (document.activeElement === el) describe(el);
    }

    // The value of a cell changed (typed, pasted, restored, undone): check and queue it.
    function process(el) {
      var key = keyOf(el);
      var check = validate(el.value);
      el.classList.remove("gb-saved");
      if (!check.ok) {
        pending.delete(key);
        store[key] = el.value;
        persist();
        setInvalid(el, check.message);
        updateStatus();
        return;
      }
      clearInvalid(el);
      if (check.canon === el.dataset.saved) {
        pending.delete(key);
        delete store[key];
        el.classList.remove("gb-dirty", "gb-error");
      } else {
        store[key] = el.value;
        pending.set(key, el);
        el.classList.add("gb-dirty");
      }
      persist();
      updateStatus();
      schedule(DEBOUNCE_MS);
    }

    function schedule(delay) {
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(flush, delay);
    }

    function sentValue(canon) {
      if (mode === "comment") return canon === "" ? null : canon === "D";
      return canon === "" ? null : canon;
    }

    function flush() {
      debounce = null;
      if (inflight || halted || pending.size === 0) return;
      var batch = [];
      pending.forEach(function (el, key) {
        if (batch.length < BATCH_SIZE) batch.push({ key: key, el: el, canon: validate(el.value).canon });
      });
      batch.forEach(function (item) {
        pending.delete(item.key);
        item.el.classList.remove("gb-error");
        item.el.classList.add("gb-saving");
      });
      inflight = batch;
      updateStatus();
      var body = JSON.stringify({
        cells: batch.map(function (item) {
          return {
            student: Number(item.el.dataset.student),
            kind: item.el.dataset.kind,
            seq: Number(item.el.dataset.seq),
            value: sentValue(item.canon),
          };
        }),
      });
      fetch(form.dataset.saveUrl, {
        method: "POST",
        credentials: "same-origin",
        keepalive: body.length < 60000,
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": csrfInput ? csrfInput.value : "",
          "X-Requested-With": "XMLHttpRequest",
        },
        body: body,
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () { return null; })
            .then(function (data) { return { status: response.status, data: data }; });
        })
        .then(function (answer) { handleAnswer(batch, answer.status, answer.data); })
        .catch(function () { failed(batch); });
    }

    function handleAnswer(batch, status, data) {
      inflight = null;
      if (status === 200 && data && data.ok) {
        saved(batch, data);
      } else if (status === 400 && data && Array.isArray(data.errors) && data.errors.length) {
        var refused = {};
        data.errors.forEach(function (error) {
          refused[error.student + ":" + error.kind + ":" + error.seq] = error.message;
        });
        batch.forEach(function (item) {
          item.el.classList.remove("gb-saving");
          if (refused[item.key]) setInvalid(item.el, refused[item.key]);
          else process(item.el); // not refused: queued again, sent in the next batch
        });
        updateStatus();
        schedule(0);
      } else if (status === 401 || status === 403 || status === 409 || (status === 400 && data)) {
        halt(batch, status === 401 ? M.expired : fmt(M.refused, { message: (data && data.message) || status }));
      } else {
        failed(batch);
      }
    }

    function saved(batch, data) {
      everSaved = true;
      retryDelay = RETRY_FIRST_MS;
      problem = "";
      batch.forEach(function (item) {
        var el = item.el;
        el.classList.remove("gb-saving", "gb-error");
        el.dataset.saved = item.canon;
        var now = validate(el.value);
        recent[item.key] = { v: item.canon, version: data.version };
        if (now.ok && now.canon === item.canon) {
          delete store[item.key];
          el.classList.remove("gb-dirty");
          el.classList.add("gb-saved");
          setTimeout(function () { el.classList.remove("gb-saved"); }, 1500);
        } else {
          process(el); // changed again while it was being sent
        }
      });
      persist();
      var keys = Object.keys(recent);
      if (keys.length > 400) {
        keys.sort(function (a, b) { return recent[a].version - recent[b].version; });
        keys.slice(0, keys.length - 400).forEach(function (key) { delete recent[key]; });
      }
      save(recentKey, recent);
      Object.keys(data.results || {}).forEach(function (studentId) {
        var cell = form.querySelector('[data-result-for="' + studentId + '"]');
        if (cell) cell.textContent = data.results[studentId].result;
      });
      var badge = document.getElementById("gb-lock-status");
      if (badge && data.status_label) badge.textContent = data.status_label;
      updateStatus();
      if (pending.size) schedule(0);
    }

    function requeue(batch) {
      batch.forEach(function (item) {
        item.el.classList.remove("gb-saving");
        var check = validate(item.el.value);
        if (check.ok && check.canon !== item.el.dataset.saved) {
          pending.set(item.key, item.el);
          item.el.classList.add("gb-dirty", "gb-error");
        }
      });
    }

    function failed(batch) {
      inflight = null;
      requeue(batch);
      var seconds = Math.round(retryDelay / 1000);
      problem = fmt(M.offline, { seconds: seconds });
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = setTimeout(retry, retryDelay);
      retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
      updateStatus();
    }

    function halt(batch, message) {
      requeue(batch);
      halted = true;
      problem = message;
      updateStatus();
    }

    function retry() {
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      halted = false;
      problem = "";
      // Anything kept but not queued (left by a refused save) is queued again.
      Object.keys(store).forEach(function (key) {
        var el = cells[key];
        if (el && !pending.has(key) && !el.classList.contains("gb-invalid")) process(el);
      });
      updateStatus();
      schedule(0);
    }

    function updateStatus() {
      if (!statusBox) return;
      var unsaved = Object.keys(store).length;
      var invalid = form.querySelectorAll(".gb-invalid").length;
      var parts = [];
      if (unsaved) parts.push(fmt(M.unsaved, { count: unsaved }));
      if (invalid) parts.push(fmt(M.invalid, { count: invalid }));
      if (inflight) parts.push(M.saving);
      if (problem) parts.push(problem);
      if (!parts.length && everSaved) parts.push(M.allSaved);
      statusText.textContent = parts.join(" · ");
      statusBox.classList.toggle("d-none", !parts.length);
      statusBox.classList.toggle("gb-has-unsaved", unsaved > 0 && !problem);
      statusBox.classList.toggle("gb-has-error", Boolean(problem) || invalid > 0);
      retryButton.classList.toggle("d-none", !(problem && unsaved));
    }

    function describe(el) {
      if (!info) return;
      info.textContent = "";
      var label = document.createElement("span");
      label.textContent = el.getAttribute("aria-label") + (form.dataset.historyUrl ? " · " : "");
      info.appendChild(label);
      if (form.dataset.historyUrl) {
        var link = document.createElement("a");
        link.href = form.dataset.historyUrl + "?student=" + el.dataset.student +
          "&cell=" + el.dataset.kind + "-" + el.dataset.seq;
        link.textContent = M.cellHistory;
        info.appendChild(link);
      }
      if (el.dataset.error) {
        var error = document.createElement("span");
        error.className = "d-block text-danger fw-semibold";
        error.textContent = el.dataset.error;
        info.appendChild(error);
      }
    }

    function paste(event) {
      var el = event.target;
      if (!el.classList || !el.classList.contains("gb-cell")) return;
      var text = (event.clipboardData || window.clipboardData).getData("text");
      if (!/[\t\r\n]/.test(text) && el.tagName !== "SELECT") return; // one value: as usual
      event.preventDefault();
      var lines = text.replace(/\r\n?/g, "\n").split("\n");
      if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
      var start = positionOf(grid, el);
      if (!start) return;
      var count = 0;
      lines.forEach(function (line, i) {
        var row = grid[start[0] + i];
        if (!row) return;
        line.split("\t").forEach(function (value, j) {
          var cell = row[start[1] + j];
          if (!cell) return;
          if (cell.tagName === "SELECT") {
            var choice = commentValue(value);
            if (choice === null) {
              setInvalid(cell, M.comment + " («" + value.trim() + "»)");
              return;
            }
            cell.value = choice;
          } else {
            cell.value = value.trim();
          }
          process(cell);
          count += 1;
        });
      });
      describe(el);
    }

    var grid = setupGrid(table, {
      focus: describe,
      change: process,
      selectKey: function (event, el) {
        var key = event.key;
        var value = null;
        if (key === "Delete" || key === "Backspace") value = "";
        else if (mode === "levels") value = key.length === 1 && fold(key) in aliases ? aliases[fold(key)] : null;
        // Đ / CĐ in Vietnamese, P / NP in English: d or p is Đạt, c or n Chưa đạt.
        else if (key.length === 1 && (fold(key) === "d" || fold(key) === "p")) value = "D";
        else if (key.length === 1 && (fold(key) === "c" || fold(key) === "n")) value = "CD";
        if (value === null) return;
        event.preventDefault();
        el.value = value;
        process(el);
      },
    });
    if (!grid) return;

    form.querySelectorAll(".gb-cell").forEach(function (el) {
      el.dataset.saved = validate(el.dataset.orig).ok ? validate(el.dataset.orig).canon : el.dataset.orig;
      cells[keyOf(el)] = el;
    });
    table.addEventListener("input", function (event) {
      if (event.target.classList.contains("gb-cell")) process(event.target);
    });
    table.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT" && event.target.classList.contains("gb-cell")) process(event.target);
    });
    table.addEventListener("focusout", function (event) {
      if (event.target.classList && event.target.classList.contains("gb-cell") && pending.size) schedule(150);
    });
    table.addEventListener("paste", paste);
    form.addEventListener("submit", function (event) {
      event.preventDefault(); // JavaScript saves as you type; the button only sends at once
      retry();
    });
    retryButton.addEventListener("click", retry);
    window.addEventListener("online", function () { if (Object.keys(store).length) retry(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && pending.size) flush();
    });
    window.addEventListener("beforeunload", function (event) {
      if (!Object.keys(store).length) return undefined;
      if (pending.size && !inflight) flush();
      event.preventDefault();
      event.returnValue = M.leave;
      return M.leave;
    });
    document.querySelectorAll(".gb-js-only").forEach(function (node) { node.classList.remove("d-none"); });
    var submit = document.getElementById("gb-submit");
    if (submit) submit.classList.replace("btn-primary", "btn-outline-primary");

    // Saves confirmed after this page was drawn (it was loaded while they were being written).
    var pageVersion = Number(form.dataset.version || 0);
    Object.keys(recent).forEach(function (key) {
      var entry = recent[key];
      var el = cells[key];
      if (!el || !entry || !(entry.version > pageVersion) || key in store) {
        delete recent[key];
        return;
      }
      var check = validate(entry.v);
      if (check.ok) {
        el.value = check.canon === "" || mode === "comment" || mode === "levels" ? check.canon : check.canon.replace(".", decimalMark);
        el.dataset.saved = check.canon;
      }
    });
    save(recentKey, recent);

    // Values typed on this computer but never confirmed by the server: put them back and send.
    var restored = 0;
    Object.keys(store).forEach(function (key) {
      var el = cells[key];
      if (!el) {
        delete store[key]; // the cell no longer exists (learner left the class, column removed)
        return;
      }
      var options = el.tagName === "SELECT" ? Array.prototype.map.call(el.options, function (o) { return o.value; }) : null;
      if (options && options.indexOf(store[key]) === -1) {
        delete store[key];
        return;
      }
      el.value = store[key];
      restored += 1;
      process(el);
    });
    persist();
    if (restored && notice) {
      notice.textContent = fmt(M.restored, { count: restored });
      notice.classList.remove("d-none");
    }
    updateStatus();
    if (pending.size) schedule(0);
  }

  // A grade book that cannot be edited now (locked, or someone else's subject): say whether this
  // computer still holds values typed earlier, and keep them for when it opens again.
  function reportStranded(form) {
    var messagesNode = document.getElementById("gb-messages");
    var notice = document.getElementById("gb-notice");
    if (!messagesNode || !notice) return;
    var kept = {};
    try {
      kept = JSON.parse(window.localStorage.getItem(form.dataset.storageKey) || "{}") || {};
    } catch (error) {
      kept = {};
    }
    var count = Object.keys(kept).length;
    if (!count) return;
    var M = JSON.parse(messagesNode.textContent);
    notice.textContent = fmt(M.stranded, { count: count });
    notice.classList.replace("alert-info", "alert-warning");
    notice.classList.remove("d-none");
  }

  function start() {
    var form = document.querySelector("form[data-gradebook]");
    if (form && form.dataset.editable === "1") setupGradebook(form);
    else if (form) reportStranded(form);
    document.querySelectorAll("table[data-grid]").forEach(function (table) {
      if (!table.closest("form[data-gradebook]")) setupGrid(table, null);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
