/* The player page's side of the SCORM runtime (resources/play.html).
   The SCO runs in a sandboxed frame with an opaque origin: it has no cookies and cannot call our
   server. Its runtime (scorm-runtime.js) posts every value it sets, and LMSCommit/LMSFinish, to
   this page; only messages whose source is the player frame's window are taken. This page
   collects the values and POSTs them (session cookie + CSRF token) to resources:scorm-commit,
   which re-validates each one. When the page is left half-way, what is still pending goes out
   with navigator.sendBeacon (form-encoded, the CSRF token in the body), so progress is kept. */
(function () {
  "use strict";
  var root = document.getElementById("player");
  var frame = document.getElementById("player-frame");
  if (!root || !frame) return;

  function fit() {
    // The frame fills the viewport below the header (360 px phones included).
    var top = frame.getBoundingClientRect().top + window.scrollY;
    frame.style.height = Math.max(320, window.innerHeight - top - 8) + "px";
  }
  fit();
  window.addEventListener("resize", fit);

  if (root.dataset.kind !== "scorm") return;

  var url = root.dataset.commitUrl, token = root.dataset.token, csrf = root.dataset.csrf;
  var labels = JSON.parse(document.getElementById("player-labels").textContent);
  var statusEl = document.getElementById("player-status");
  var pending = {};      // name → value set since the last send (insertion order kept)
  var sending = null;    // the request in flight, if any

  function isEmpty(obj) { for (var k in obj) { if (Object.prototype.hasOwnProperty.call(obj, k)) return false; } return true; }

  function showStatus(data) {
    if (!statusEl || !data) return;
    var text = labels[data.status] || data.status;
    if (data.score) text += " · " + labels.score.replace("%(score)s", data.score);
    statusEl.textContent = text;
    statusEl.className = "badge " + (data.completed ? "text-bg-success" : "text-bg-secondary");
  }

  function send(finish) {
    if (sending) { // keep the order: send again once the request in flight is answered
      sending.then(function () { send(finish); });
      return;
    }
    if (isEmpty(pending) && !finish) return;
    var body = { token: token, values: pending, finish: !!finish };
    var text = JSON.stringify(body);
    pending = {};
    sending = fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: text,
      keepalive: new Blob([text]).size < 60000 // finishes even as the page closes (64 KB cap)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) showStatus(data);
        else if (statusEl) statusEl.textContent = labels.error;
      });
    }).catch(function () {
      // Offline: put the values back (newer ones win) and try on the next commit or on leaving.
      Object.keys(body.values).forEach(function (k) { if (!(k in pending)) pending[k] = body.values[k]; });
      if (statusEl) statusEl.textContent = labels.offline;
    }).then(function () { sending = null; });
  }

  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) return;
    var msg = event.data;
    if (!msg || msg.type !== "hocso-scorm") return;
    if (msg.kind === "set" && typeof msg.name === "string" && typeof msg.value === "string") {
      delete pending[msg.name]; // re-insert at the end: the newest order of setting
      pending[msg.name] = msg.value;
    } else if (msg.kind === "commit" || msg.kind === "unload") {
      send(false);
    } else if (msg.kind === "finish") {
      send(true);
    }
  });

  window.addEventListener("pagehide", function () {
    if (isEmpty(pending)) return;
    var form = new URLSearchParams();
    form.set("csrfmiddlewaretoken", csrf);
    form.set("payload", JSON.stringify({ token: token, values: pending, finish: false }));
    if (navigator.sendBeacon && navigator.sendBeacon(url, form)) pending = {};
  });
})();
