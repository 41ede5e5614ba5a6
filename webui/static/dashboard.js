// Dashboard / wallboard / notices: show the box's refusal (HTTP 4xx/5xx with a message in
// words) where the action's answer goes, instead of htmx's default of dropping it.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var target = ev.detail.target;
    if (ev.detail.xhr.status >= 400 && target && target.id === "action-result") {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
})();
