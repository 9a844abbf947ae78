/* Logging out clears the grades this browser kept for the grade book (typed but unconfirmed
   values, and recently saved ones), so nothing stays on a shared computer. If some were never
   saved, the user is asked first. */
(function () {
  "use strict";
  var form = document.getElementById("logout-form");
  if (!form || !window.localStorage) return;
  form.addEventListener("submit", function (event) {
    var keys = [];
    var unsaved = 0;
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf("hocso:gradebook:") === 0) {
        keys.push(key);
        if (!/:saved$/.test(key)) {
          try { unsaved += Object.keys(JSON.parse(window.localStorage.getItem(key) || "{}")).length; }
          catch (e) { unsaved += 1; }
        }
      }
    }
    if (unsaved && !window.confirm(form.dataset.unsavedMessage.replace("%(n)s", unsaved))) {
      event.preventDefault();
      return;
    }
    keys.forEach(function (key) { window.localStorage.removeItem(key); });
  });
})();
