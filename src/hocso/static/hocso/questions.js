/* Question-bank pages: KaTeX on every item text, and the item editor's live preview, type
   switch, "add a row" buttons and confirmations. The preview applies the same rules as
   questions/richtext.py: only allowlisted tags count as tags, everything else is text. */
(function () {
  "use strict";
  var DELIMITERS = [
    { left: "\\(", right: "\\)", display: false },
    { left: "\\[", right: "\\]", display: true }
  ];
  var TAGS = ["p", "br", "b", "i", "u", "em", "strong", "sub", "sup", "span", "div", "ul", "ol",
    "li", "table", "thead", "tbody", "tr", "td", "th", "img", "code", "pre", "s"];
  var ATTRIBUTES = { img: ["src", "alt", "width", "height"], td: ["colspan", "rowspan"],
    th: ["colspan", "rowspan"] };
  var TAG_RE = new RegExp("</?(?:" + TAGS.slice().sort(function (a, b) { return b.length - a.length; })
    .join("|") + ")\\b[^<>]*>", "gi");

  function math(element) {
    if (element && window.renderMathInElement) {
      window.renderMathInElement(element, { delimiters: DELIMITERS, throwOnError: false });
    }
  }

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function fromEditor(text) {
    var out = "";
    var position = 0;
    text = text.replace(/\r\n?/g, "\n").trim();
    text.replace(TAG_RE, function (tag, offset) {
      out += escapeText(text.slice(position, offset)) + tag;
      position = offset + tag.length;
      return tag;
    });
    return (out + escapeText(text.slice(position))).replace(/\n/g, "<br>");
  }

  /* Keep allowlisted elements and attributes; images only when the item has them. */
  function clean(node, images, missing) {
    Array.prototype.slice.call(node.childNodes).forEach(function (child) {
      if (child.nodeType === 3) return;
      if (child.nodeType !== 1) { child.remove(); return; }
      var tag = child.tagName.toLowerCase();
      if (TAGS.indexOf(tag) < 0) { child.replaceWith(document.createTextNode(child.textContent)); return; }
      var allowed = ATTRIBUTES[tag] || [];
      Array.prototype.slice.call(child.attributes).forEach(function (attribute) {
        if (allowed.indexOf(attribute.name) < 0) child.removeAttribute(attribute.name);
      });
      if (tag === "img") {
        var name = child.getAttribute("src") || "";
        if (images[name]) { child.setAttribute("src", images[name]); child.className = "img-fluid"; }
        else { child.replaceWith(document.createTextNode(missing.replace("%(name)s", name))); }
        return;
      }
      clean(child, images, missing);
    });
  }

  function preview(source, target, images) {
    var holder = document.createElement("template");  // inert: nothing loads or runs
    holder.innerHTML = fromEditor(source.value);
    clean(holder.content, images, target.dataset.missingImage || "[%(name)s]");
    target.replaceChildren(holder.content);
    math(target);
  }

  function showType(form, type) {
    form.querySelectorAll("[data-type-section]").forEach(function (section) {
      section.hidden = section.dataset.typeSection.split(" ").indexOf(type) < 0;
    });
  }

  function setupEditor(form) {
    var images = {};
    try { images = JSON.parse(form.dataset.images || "{}"); } catch (e) { images = {}; }
    var target = document.getElementById("stem-preview");
    var source = target && document.getElementById(target.dataset.previewFor);
    if (source) {
      var timer = null;
      source.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { preview(source, target, images); }, 250);
      });
      preview(source, target, images);
    }
    var typeSelect = form.querySelector("select[name=type]");
    if (typeSelect) {
      typeSelect.addEventListener("change", function () { showType(form, typeSelect.value); });
      showType(form, typeSelect.value);  // a type restored by the browser's back button
    }
    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.addEventListener("click", function () {
        var kind = button.dataset.addRow;
        var rows = form.querySelector("[data-rows='" + kind + "']");
        var template = form.querySelector("template[data-row-template='" + kind + "']");
        var index = rows.querySelectorAll("[data-row]").length;
        var holder = document.createElement("template");
        holder.innerHTML = template.innerHTML.replace(/__i__/g, String(index));
        var number = holder.content.querySelector("[data-row-number]");
        if (number) number.textContent = String(index + 1);
        if (typeSelect) showType(holder.content, typeSelect.value);
        var first = holder.content.querySelector("input, textarea");
        rows.appendChild(holder.content);
        if (first) document.getElementById(first.id).focus();
      });
    });
  }

  function setupConfirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var button = event.submitter;
      var message = (button && button.dataset.confirm) || form.dataset.confirm;
      if (message && !window.confirm(message)) event.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-math]").forEach(math);
    var editor = document.getElementById("item-editor");
    if (editor) setupEditor(editor);
    setupConfirmations();
  });
})();
