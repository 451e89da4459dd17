// «Nghe» (issue 24): reads the question and its choices aloud with the phone's own
// Vietnamese voice; a second tap stops it, and so does moving on or leaving the page.
(function () {
  var synth = window.speechSynthesis;
  function voice() {
    var voices = synth.getVoices();
    for (var i = 0; i < voices.length; i++) if (/^vi(\W|$)/i.test(voices[i].lang)) return voices[i];
    return null;
  }
  function stop() { synth.cancel(); }
  window.cdsoListen = function () {
    var step = document.getElementById("step");
    if (synth.speaking) return stop();
    var parts = [step.querySelector("legend").textContent.trim()];
    var labels = step.querySelectorAll(".choices label");
    for (var i = 0; i < labels.length; i++) parts.push("Phương án " + (i + 1) + ": " + labels[i].textContent.trim());
    var said = new SpeechSynthesisUtterance(parts.join(". "));
    said.lang = "vi-VN";
    said.voice = voice();
    said.rate = 0.9;
    stop();
    synth.speak(said);
  };
  document.addEventListener("htmx:beforeRequest", stop);
  window.addEventListener("pagehide", stop);
})();
