// Dashboard / wallboard / notices: show the box's refusal (HTTP 4xx/5xx with a message in
// words) where the action's answer goes, instead of htmx's default of dropping it; and
// count down elements with data-until="<epoch s>" (a SIP registration's time to expiry).
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var target = ev.detail.target;
    if (ev.detail.xhr.status >= 400 && target && target.id === "action-result") {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });
  function countdown() {
    var now = Date.now() / 1000;
    document.querySelectorAll("[data-until]").forEach(function (el) {
      var s = Math.max(0, Math.ceil(parseFloat(el.dataset.until) - now));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
      el.textContent = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(r).padStart(2, "0");
    });
  }
  setInterval(countdown, 1000);
  document.addEventListener("htmx:afterSwap", countdown);
})();
