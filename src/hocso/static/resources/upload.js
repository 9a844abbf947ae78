/* Library pages: the upload forms' progress bar, the fields shown per resource type, and
   confirmations (data-confirm on a form or on a submit button).

   Upload: the same multipart form is sent with XMLHttpRequest so `upload.onprogress` can drive
   the progress bar. The server answers such a request with JSON: {"redirect": url} on success,
   or {"errors": {field: [messages]}} with status 400, shown next to the fields, so everything
   typed (the chosen file too) stays on the page. Without JavaScript the form posts normally
   and the server re-renders it with what was typed. */
(function () {
  "use strict";

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1);
  }

  /* --- confirmations ------------------------------------------------------------------- */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  /* --- fields per type ---------------------------------------------------------------- */
  function showType(form, select) {
    var type = select.value;
    form.querySelectorAll("[data-type-section]").forEach(function (section) {
      var types = section.dataset.typeSection.split(" ");
      section.hidden = Boolean(type) && types.indexOf(type) < 0;
    });
  }

  /* --- errors from the server --------------------------------------------------------- */
  function clearErrors(form) {
    form.querySelectorAll("[data-js-error], .invalid-feedback").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".is-invalid").forEach(function (node) {
      node.classList.remove("is-invalid");
      node.removeAttribute("aria-invalid");
    });
    var box = form.querySelector("[data-form-errors]");
    if (box) box.replaceChildren();
  }

  function alertBox(form, lines) {
    var box = form.querySelector("[data-form-errors]");
    if (!box) return;
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    alert.setAttribute("role", "alert");
    lines.forEach(function (line) {
      var div = document.createElement("div");
      div.textContent = line;
      alert.appendChild(div);
    });
    box.replaceChildren(alert);
  }

  function showErrors(form, payload) {
    clearErrors(form);
    var general = [];
    var first = null;
    Object.keys(payload.errors || {}).forEach(function (name) {
      var input = name === "__all__" ? null : form.querySelector("[name='" + name + "']");
      if (!input) { general = general.concat(payload.errors[name]); return; }
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
      var holder = input.closest(".mb-3") || input.parentNode;
      var section = input.closest("[data-type-section]");
      if (section) section.hidden = false;
      payload.errors[name].forEach(function (message) {
        var div = document.createElement("div");
        div.className = "invalid-feedback d-block";
        div.dataset.jsError = "1";
        div.textContent = message;
        holder.appendChild(div);
      });
      if (!first) first = input;
    });
    alertBox(form, general.length ? general : [payload.message || ""]);
    (first || form).scrollIntoView({ block: "center" });
    if (first) first.focus({ preventScroll: true });
  }

  /* --- upload with progress ----------------------------------------------------------- */
  function setupUpload(form) {
    var progress = form.querySelector("#upload-progress");
    var bar = progress && progress.querySelector(".progress-bar");
    var meter = progress && progress.querySelector("[role=progressbar]");
    var text = form.querySelector("#upload-progress-text");
    var button = form.querySelector("[data-upload-submit]");
    var busy = false;

    function setProgress(percent, label) {
      if (!progress) return;
      progress.hidden = false;
      bar.style.width = percent + "%";
      bar.textContent = percent + "%";
      meter.setAttribute("aria-valuenow", String(percent));
      if (label !== undefined) text.textContent = label;
    }

    function done() {
      busy = false;
      if (button) button.disabled = false;
      bar.classList.remove("progress-bar-animated");
    }

    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      var submitter = event.submitter;
      if (submitter && submitter.name === "refresh_topics") return;  // plain re-render
      if (!window.FormData || !window.XMLHttpRequest || !progress) return;
      event.preventDefault();
      if (busy) return;
      var fileInput = form.querySelector("input[type=file][name=upload]");
      var limit = fileInput && Number(fileInput.dataset.maxBytes || 0);
      var file = fileInput && fileInput.files && fileInput.files[0];
      var section = fileInput && fileInput.closest("[data-type-section]");
      if (file && limit && file.size > limit && !(section && section.hidden)) {
        showErrors(form, { errors: { upload: [format(text.dataset.tooLarge,
          { name: file.name, limit: Math.round(limit / 1048576) })] } });
        return;
      }
      var data = new FormData(form);
      if (section && section.hidden) data.delete("upload");  // a link needs no file
      if (submitter && submitter.name) data.append(submitter.name, submitter.value);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.floor((e.loaded / e.total) * 100);
        setProgress(percent, format(text.dataset.sending,
          { done: megabytes(e.loaded), total: megabytes(e.total) }));
      };
      xhr.upload.onload = function () { setProgress(100, text.dataset.processing); };
      xhr.onload = function () {
        var payload = null;
        try { payload = JSON.parse(xhr.responseText); } catch (e) { payload = null; }
        if (payload && payload.redirect) { window.location.assign(payload.redirect); return; }
        done();
        progress.hidden = true;
        if (payload && payload.errors) { showErrors(form, payload); return; }
        alertBox(form, [text.dataset.failed + " (HTTP " + xhr.status + ")"]);
      };
      xhr.onerror = function () {
        done();
        alertBox(form, [text.dataset.failed]);
      };
      busy = true;
      if (button) button.disabled = true;
      clearErrors(form);
      bar.classList.add("progress-bar-animated");
      setProgress(0, format(text.dataset.sending, { done: "0.0", total: file ? megabytes(file.size) : "0.0" }));
      xhr.send(data);
    });
  }

  /* --- PDFs on phones ------------------------------------------------------------------- */
  /* Browsers without a built-in PDF viewer (Chrome on Android, most phones) would show an
     empty box: show the <object>'s fallback (thumbnail and an "open" button) instead. */
  function pdfFallback() {
    if (navigator.pdfViewerEnabled !== false) return;
    document.querySelectorAll("object[data-pdf]").forEach(function (object) {
      var holder = document.createElement("div");
      holder.className = "border rounded";
      while (object.firstChild) holder.appendChild(object.firstChild);
      object.replaceWith(holder);
    });
  }

  function init() {
    pdfFallback();
    document.querySelectorAll("form").forEach(function (form) {
      var select = form.querySelector("[data-type-select]");
      if (select) {
        showType(form, select);
        select.addEventListener("change", function () { showType(form, select); });
      }
      if (window.htmx) {
        form.querySelectorAll("[data-refresh-topics]").forEach(function (b) { b.hidden = true; });
      }
      if (form.hasAttribute("data-upload-form")) setupUpload(form);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
