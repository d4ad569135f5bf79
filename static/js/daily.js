/* The daily meeting's timebox: start, pause and reset a countdown from the ceremony's
   duration; past zero it counts the overrun and turns red. Without JavaScript the timer
   stays hidden: the meeting needs no timer to be logged. */
(function () {
  "use strict";

  function format(seconds) {
    var sign = seconds < 0 ? "+" : "";
    var s = Math.abs(seconds);
    var minutes = Math.floor(s / 60);
    var rest = s % 60;
    return sign + String(minutes).padStart(2, "0") + ":" + String(rest).padStart(2, "0");
  }

  function setUp(box) {
    if (box.dataset.timerReady) return;
    box.dataset.timerReady = "1";
    var total = parseInt(box.dataset.seconds, 10) || 900;
    var display = box.querySelector("[data-timer-display]");
    var over = box.querySelector("[data-timer-over]");
    var start = box.querySelector("[data-timer-start]");
    var pause = box.querySelector("[data-timer-pause]");
    var reset = box.querySelector("[data-timer-reset]");
    var left = total;
    var ticking = null;
    var lastTick = 0;

    function draw() {
      display.textContent = format(left);
      var late = left < 0;
      box.classList.toggle("is-over", late);
      over.hidden = !late;
    }

    function tick() {
      var now = Date.now();
      // Count whole seconds elapsed, so a throttled background tab stays on time.
      var elapsed = Math.floor((now - lastTick) / 1000);
      if (elapsed > 0) {
        left -= elapsed;
        lastTick += elapsed * 1000;
        draw();
      }
    }

    function run() {
      if (ticking) return;
      lastTick = Date.now();
      ticking = window.setInterval(tick, 250);
      start.hidden = true;
      pause.hidden = false;
      pause.focus();
    }

    function stop() {
      if (!ticking) return;
      window.clearInterval(ticking);
      ticking = null;
      pause.hidden = true;
      start.hidden = false;
      start.focus();
    }

    start.addEventListener("click", run);
    pause.addEventListener("click", stop);
    reset.addEventListener("click", function () {
      stop();
      left = total;
      draw();
    });
    box.hidden = false;
    draw();
  }

  function init(root) {
    (root || document).querySelectorAll("[data-timer]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
