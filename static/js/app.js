// Progressive enhancement only: every page works without this file.
// Counts down the time left of an attempt from the server's deadline.
(function () {
  function tick() {
    var el = document.querySelector("[data-deadline]");
    if (!el) return;
    var left = Math.max(0, Math.floor((Date.parse(el.getAttribute("data-deadline")) - Date.now()) / 1000));
    var out = el.querySelector("[data-left]");
    if (out) out.textContent = Math.floor(left / 60) + " phút " + ("0" + (left % 60)).slice(-2) + " giây";
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
