// Progressive enhancement only: every page works without this file.
// Counts down the time left of an attempt from the server's deadline.
(function () {
  function tick() {
    var el = document.querySelector("[data-deadline]");
    if (!el) return;
    var left = Math.max(0, Math.floor((Date.parse(el.getAttribute("data-deadline")) - Date.now()) / 1000));
    var out = el.querySelector("[data-left]");
    // Whole minutes (one short line on a phone), seconds only in the last minute.
    if (out) out.textContent = left >= 60 ? Math.ceil(left / 60) + " phút" : left + " giây";
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();

// A form sent through htmx that never reached the server (no signal): say so beside the
// button that was pressed, inside the screen and in a live region, instead of nothing
// happening; the choice stays as it was, and pressing the button again sends it again.
document.addEventListener("htmx:sendError", function (event) {
  var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
  if (!form) return;
  var note = form.querySelector(".step-note");
  var text = "Mất kết nối mạng: chưa gửi được, điều vừa chọn chưa được lưu. " +
    "Khi có sóng, xin bấm lại.";
  if (!note) {  // a live region first, its text a moment later: read out as a change
    note = document.createElement("p");
    note.className = "step-note error offline";
    note.setAttribute("role", "alert");
    var place = form.querySelector(".actions") || form.lastElementChild;
    place.parentNode.insertBefore(note, place);
    setTimeout(function () { note.textContent = text; }, 50);
  } else {
    note.textContent = text;
  }
  note.scrollIntoView({ block: "nearest" });
});

// «Chữ lớn» comes back to the page shown now, also after htmx moved to another question.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.text-size");
  if (link) link.search = "?tiep=" + encodeURIComponent(location.pathname + location.search);
});

// «Nghe» (issue 24): only where the phone has a Vietnamese voice; the script that reads
// aloud (js/listen.js) is fetched on the first tap, so it costs nothing when unused.
(function () {
  var synth = window.speechSynthesis;
  function hasVoice() {
    var voices = (synth && synth.getVoices()) || [];
    for (var i = 0; i < voices.length; i++) if (/^vi(\W|$)/i.test(voices[i].lang)) return true;
    return false;
  }
  function listen() {
    if (window.cdsoListen) return window.cdsoListen();
    var script = document.createElement("script");
    script.src = document.querySelector("meta[name=cdso-listen]").content;
    script.onload = function () { window.cdsoListen(); };
    document.head.appendChild(script);
  }
  function offer() {
    var row = document.querySelector("#step .progress");
    if (!row || row.querySelector(".listen") || !document.querySelector("#step legend") || !hasVoice()) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "listen";
    button.textContent = "Nghe";
    button.setAttribute("aria-label", "Nghe đọc câu hỏi và các phương án");
    button.addEventListener("click", listen);
    row.appendChild(button);
  }
  document.addEventListener("DOMContentLoaded", offer);
  document.addEventListener("htmx:afterSettle", offer);
  if (synth && synth.addEventListener) synth.addEventListener("voiceschanged", offer);
})();

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
