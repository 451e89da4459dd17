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

// A form sent through htmx that never reached the server (no signal): say so on the
// form, instead of nothing happening; pressing the button again sends it again.
document.addEventListener("htmx:sendError", function (event) {
  var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
  if (!form || form.querySelector(".offline")) return;
  var note = document.createElement("p");
  note.className = "error offline";
  note.setAttribute("role", "alert");
  note.textContent = "Mất kết nối mạng: chưa gửi được, điều vừa chọn chưa được lưu. " +
    "Khi có sóng, xin bấm lại.";
  form.insertBefore(note, form.firstChild);
});

// Each tap on a question page sends a higher order key than the one before (the page's
// base plus the number of taps), so the server can tell a late, earlier tap from the last.
document.addEventListener("submit", function (event) {
  var seq = event.target.querySelector && event.target.querySelector("input[name=seq]");
  if (!seq) return;
  var base = seq.getAttribute("data-base") || seq.value;
  var taps = Math.min(999, parseInt(seq.getAttribute("data-taps") || "0", 10) + 1);
  seq.setAttribute("data-base", base);
  seq.setAttribute("data-taps", String(taps));
  seq.value = String(parseInt(base, 10) + taps);
}, true);

// After an htmx step, keyboard and screen reader users start at the new step, not at the
// top of the page.
document.addEventListener("htmx:afterSettle", function () {
  var step = document.getElementById("step");
  if (step && step.contains(document.activeElement) === false) step.focus({ preventScroll: true });
});
