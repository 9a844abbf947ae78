/* The SCORM 1.2 API (window.API) inside the sandboxed player frame.
   resources:package-file injects it at the top of every SCO page, after a small inline
   window.HOCSO_SCORM = {table, state, parentOrigin}: the element table of resources/scorm.py
   (ELEMENT_TABLE_JSON) and the learner's state at launch (resources/tracking.py track_state).
   The frame has an opaque origin (no cookies, no access to the parent), so every Get/Set is
   answered here, synchronously, with the same rules and error codes as scorm.py; each value set
   is posted to the parent page (scorm-bridge.js), which sends them to the server on
   LMSCommit/LMSFinish, where scorm.py checks them all again. Keep this file in step with
   scorm.py: tests/resources/test_scorm.py runs the same calls through both. */
(function () {
  "use strict";
  var cfg = window.HOCSO_SCORM;
  if (!cfg || !cfg.table) return;
  var T = cfg.table;
  var E = T.elements;
  var RE = {};
  Object.keys(T.regex).forEach(function (k) { RE[k] = new RegExp(T.regex[k]); });
  var ARRAYS = {}; T.arrays.forEach(function (a) { ARRAYS[a] = true; });
  var CONTAINERS = {}; T.containers.forEach(function (c) { CONTAINERS[c] = true; });

  var state = {};
  var counts = {};
  var initialized = false, finished = false;
  var lastError = 0, diagnostic = "";

  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }

  /* name → {pattern, indices: [[prefix, index]...], ok} (see scorm.py _parse) */
  function parse(name) {
    var parts = name.split("."), pattern = [], concrete = [], indices = [];
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (/^[0-9]+$/.test(part)) {
        if (!has(ARRAYS, pattern.join(".")) || (part.length > 1 && part[0] === "0")) {
          return { pattern: name, indices: [], ok: false };
        }
        indices.push([concrete.join("."), parseInt(part, 10)]);
        pattern.push("n");
      } else {
        if (part === "n" || part === "") return { pattern: name, indices: [], ok: false };
        pattern.push(part);
      }
      concrete.push(part);
    }
    return { pattern: pattern.join("."), indices: indices, ok: true };
  }

  function grow(parsed) {
    parsed.indices.forEach(function (pi) {
      counts[pi[0]] = Math.max(counts[pi[0]] || 0, pi[1] + 1);
    });
  }

  function indicesExist(parsed, allowAppend) {
    for (var i = 0; i < parsed.indices.length; i++) {
      var count = counts[parsed.indices[i][0]] || 0, index = parsed.indices[i][1];
      if (index > count || (index === count && !allowAppend)) return false;
    }
    return true;
  }

  function knownNode(pattern) { return has(E, pattern) || has(CONTAINERS, pattern); }

  function inRange(n, range) { return !range || (n >= range[0] && n <= range[1]); }

  function valueValid(name, el, value) {
    if (el.blank && value === "") return true;
    switch (el.type) {
      case "string255": return value.length <= 255;
      case "string4096": return value.length <= 4096;
      case "identifier": return RE.identifier.test(value);
      case "timespan": return RE.timespan.test(value);
      case "time": return RE.time.test(value);
      case "vocab": return (el.settable || el.vocab).indexOf(value) >= 0;
      case "result":
        if (el.vocab.indexOf(value) >= 0) return true;
        return RE.decimal.test(value) && inRange(parseFloat(value), el.range);
      case "decimal": return RE.decimal.test(value) && inRange(parseFloat(value), el.range);
      case "sinteger": return RE.sinteger.test(value) && inRange(parseInt(value, 10), el.range);
    }
    return false;
  }

  function fail(code, text) {
    lastError = code;
    diagnostic = text || T.errors[String(code)];
    return "false";
  }
  function ok() { lastError = 0; diagnostic = ""; }

  function post(message) {
    message.type = "hocso-scorm";
    try { window.parent.postMessage(message, cfg.parentOrigin); } catch (e) { /* no parent */ }
  }

  function keyword(name) {
    var dot = name.lastIndexOf(".");
    var last = name.slice(dot + 1), head = name.slice(0, dot);
    if (dot > 0 && (last === "_children" || last === "_count")) return [head, last];
    return null;
  }

  function getKeyword(name, parent, word) {
    var parsed = parse(parent);
    if (!parsed.ok || !knownNode(parsed.pattern)) { fail(201, name + " is not a SCORM 1.2 element"); return ""; }
    if (parsed.indices.length && !indicesExist(parsed, false)) { fail(201, name + ": no such array entry"); return ""; }
    if (word === "_children") {
      if (!has(T.children, parsed.pattern)) { fail(202, parent + " has no _children"); return ""; }
      ok();
      return T.children[parsed.pattern];
    }
    if (!has(ARRAYS, parsed.pattern)) { fail(203, parent + " is not an array"); return ""; }
    ok();
    return String(counts[parent] || 0);
  }

  var api = {
    LMSInitialize: function (arg) {
      if (arg !== "" && arg != null) return fail(201, "LMSInitialize takes an empty string");
      if (initialized || finished) return fail(101, "LMSInitialize was already called");
      initialized = true;
      ok();
      post({ kind: "initialize" });
      return "true";
    },
    LMSFinish: function (arg) {
      if (arg !== "" && arg != null) return fail(201, "LMSFinish takes an empty string");
      if (!initialized) return fail(301);
      initialized = false;
      finished = true;
      ok();
      post({ kind: "finish" });
      return "true";
    },
    LMSCommit: function (arg) {
      if (arg !== "" && arg != null) return fail(201, "LMSCommit takes an empty string");
      if (!initialized) return fail(301);
      ok();
      post({ kind: "commit" });
      return "true";
    },
    LMSGetLastError: function () { return String(lastError); },
    LMSGetErrorString: function (code) {
      var key = String(parseInt(code, 10));
      return has(T.errors, key) ? T.errors[key] : "";
    },
    LMSGetDiagnostic: function (code) {
      if (code == null || code === "" || String(code) === String(lastError)) return diagnostic;
      return api.LMSGetErrorString(code);
    },
    LMSGetValue: function (name) {
      if (!initialized) { fail(301); return ""; }
      name = name == null ? "" : String(name);
      if (name === "") { fail(201, "LMSGetValue needs an element name"); return ""; }
      if (name === "cmi._version") { ok(); return T.version; }
      var kw = keyword(name);
      if (kw) return getKeyword(name, kw[0], kw[1]);
      var parsed = parse(name);
      var el = parsed.ok && has(E, parsed.pattern) ? E[parsed.pattern] : null;
      if (!el) { fail(201, name + " is not a SCORM 1.2 element"); return ""; }
      if (el.access === "wo") { fail(404, name + " is write-only"); return ""; }
      if (!indicesExist(parsed, false)) { fail(201, name + ": no such array entry"); return ""; }
      ok();
      return has(state, name) ? state[name] : "";
    },
    LMSSetValue: function (name, value) {
      if (!initialized) return fail(301);
      name = name == null ? "" : String(name);
      value = value == null ? "" : String(value);
      if (name === "") return fail(201, "LMSSetValue needs an element name");
      if (name === "cmi._version") return fail(402, "cmi._version is a keyword");
      var kw = keyword(name);
      if (kw) {
        var p = parse(kw[0]);
        if (p.ok && knownNode(p.pattern)) return fail(402, name + " is a keyword");
        return fail(201, name + " is not a SCORM 1.2 element");
      }
      var parsed = parse(name);
      var el = parsed.ok && has(E, parsed.pattern) ? E[parsed.pattern] : null;
      if (!el) return fail(201, name + " is not a SCORM 1.2 element");
      if (el.access === "ro") return fail(403, name + " is read-only");
      if (!indicesExist(parsed, true)) return fail(201, name + ": array index out of order");
      for (var i = 0; i < parsed.indices.length; i++) {
        if (parsed.indices[i][1] >= T.maxArray) return fail(101, name + ": at most " + T.maxArray + " entries");
      }
      if (!valueValid(name, el, value)) return fail(405, name + ": " + JSON.stringify(value) + " is not a valid " + el.type);
      state[name] = value;
      grow(parsed);
      ok();
      post({ kind: "set", name: name, value: value });
      return "true";
    }
  };

  Object.keys(cfg.state || {}).forEach(function (name) {
    state[name] = String(cfg.state[name]);
    var parsed = parse(name);
    if (parsed.ok) grow(parsed);
  });

  // The page is leaving (next page of the SCO, or the player closing): let the parent send
  // what it holds even if the SCO never called LMSCommit/LMSFinish.
  window.addEventListener("pagehide", function () { if (initialized) post({ kind: "unload" }); });

  window.API = api;
  // For tests (tests/resources/test_scorm.py runs this file in node).
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})();
