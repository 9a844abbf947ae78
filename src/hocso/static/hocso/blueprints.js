/* Blueprint pages: the editor's "add a row" / "remove" buttons (focus moves to the new row, or
   to the next one after a removal, so the table works from the keyboard), the running totals of
   items and points, the topic lists reloaded when the subject or grade changes, confirmations,
   and the "generating…" state of the generation form. */
(function () {
  "use strict";

  function parseNumber(text) {
    var value = parseFloat(String(text || "").trim().replace(",", "."));
    return isFinite(value) ? value : NaN;
  }

  function formatPoints(value) {
    return String(Math.round(value * 1000) / 1000).replace(".", ",");
  }

  function updateTotals(form) {
    var totals = document.getElementById("blueprint-totals");
    if (!totals) return;
    var items = 0;
    var points = 0;
    form.querySelectorAll("[data-cell-row]").forEach(function (row) {
      var count = parseInt(row.querySelector("[data-cell-field=count]").value, 10);
      var each = parseNumber(row.querySelector("[data-cell-field=points]").value);
      if (count > 0 && !isNaN(each)) { items += count; points += count * each; }
    });
    var wanted = parseNumber(form.querySelector("[name=total_points]").value);
    var shown = totals.querySelector("[data-total-cell-points]");
    totals.querySelector("[data-total-items]").textContent = String(items);
    shown.textContent = formatPoints(points);
    var match = !isNaN(wanted) && Math.abs(points - wanted) < 1e-9;
    shown.classList.toggle("text-success", match);
    shown.classList.toggle("text-danger", !match);
  }

  function updatePartCodes(form) {
    var list = document.getElementById("part-codes");
    if (!list) return;
    list.replaceChildren();
    form.querySelectorAll("[name=part_code]").forEach(function (input) {
      if (!input.value.trim()) return;
      var option = document.createElement("option");
      option.value = input.value.trim();
      list.appendChild(option);
    });
  }

  function reloadTopics(form) {
    var subject = form.querySelector("[name=subject]");
    var grade = form.querySelector("[name=grade]");
    if (!subject || !grade || !form.dataset.topicUrl) return;
    var url = form.dataset.topicUrl + "?subject=" + encodeURIComponent(subject.value) +
      "&grade=" + encodeURIComponent(grade.value);
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null) return;
      var selects = form.querySelectorAll("[data-topic-select]");
      var template = form.querySelector("template[data-row-template=cells]");
      var holder = document.createElement("template");
      holder.innerHTML = html;
      function fill(select) {
        var keep = select.value;
        select.innerHTML = holder.innerHTML;
        select.querySelector("option").textContent = select.dataset.anyLabel;
        select.value = keep;
        if (select.value !== keep) select.value = "";
      }
      selects.forEach(fill);
      if (template) {
        var inner = template.content.querySelector("[data-topic-select]");
        if (inner) fill(inner);
      }
    });
  }

  function setupEditor(form) {
    form.querySelectorAll("[data-topic-select]").forEach(function (select) {
      select.dataset.anyLabel = select.querySelector("option").textContent;
    });
    var templateTopic = form.querySelector("template[data-row-template=cells]");
    if (templateTopic) {
      var inner = templateTopic.content.querySelector("[data-topic-select]");
      if (inner) inner.dataset.anyLabel = inner.querySelector("option").textContent;
    }
    var counter = 1000;  // ids of added rows never collide with the server's
    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function () {
        var kind = button.dataset.addRow;
        var rows = form.querySelector("[data-rows='" + kind + "']");
        var template = form.querySelector("template[data-row-template='" + kind + "']");
        var holder = document.createElement("template");
        holder.innerHTML = template.innerHTML.replace(/__i__/g, String(counter++));
        var last = rows.querySelector("[data-row]:last-of-type [name=cell_part]");
        var part = holder.content.querySelector("[name=cell_part]");
        if (last && part) part.value = last.value;  // a new cell usually extends the same part
        var first = holder.content.querySelector("input, select, textarea");
        rows.appendChild(holder.content);
        if (first) document.getElementById(first.id).focus();
        updateTotals(form);
      });
    });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-row]");
      if (!button) return;
      var row = button.closest("[data-row]");
      var container = row.parentElement;
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      var focus = next && next.querySelector("input, select, textarea");
      if (focus) focus.focus();
      else form.querySelector("[data-add-row='" + container.dataset.rows + "']").focus();
      updateTotals(form);
      updatePartCodes(form);
    });
    form.addEventListener("input", function (event) {
      var name = event.target.name;
      if (name === "cell_count" || name === "cell_points" || name === "total_points") updateTotals(form);
      if (name === "part_code") updatePartCodes(form);
    });
    form.addEventListener("change", function (event) {
      var name = event.target.name;
      if (name === "subject" || name === "grade") reloadTopics(form);
    });
    updateTotals(form);
  }

  function setupConfirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var message = form.dataset.confirm;
      if (message && !window.confirm(message)) { event.preventDefault(); return; }
      var busy = form.querySelector("[data-busy-text]");
      if (busy) {
        // Generation takes a few seconds: say so, and keep a second click from starting another.
        busy.disabled = true;
        busy.setAttribute("aria-busy", "true");
        busy.querySelector("[data-busy-spinner]").hidden = false;
        busy.querySelector("[data-busy-label]").textContent = busy.dataset.busyText;
      }
    });
    document.querySelectorAll("[data-download]").forEach(function (link) {
      link.addEventListener("click", function () {
        var status = document.getElementById(link.dataset.download);
        if (status) status.hidden = false;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("blueprint-editor");
    if (form) setupEditor(form);
    setupConfirmations();
  });
})();
