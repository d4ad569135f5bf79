/* The board's column headers follow the cards that moves.js moved: the count changes, and
 * a column that goes over its WIP limit turns red, says so, and is announced. The server
 * records the same on the move's event; a reload shows its numbers.
 *
 * After an htmx swap of one card (flagged, resolved), focus goes back to that card.
 */
(function () {
  "use strict";

  function format(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // Returns the column's name when this change took it over its limit.
  function adjust(board, status, delta) {
    var column = board.querySelector('[data-column-status="' + status + '"]');
    if (!column) return null;
    var count = column.querySelector("[data-count]");
    var n = parseInt(count.textContent, 10) + delta;
    count.textContent = String(n);
    var limit = parseInt(column.dataset.wipLimit || "0", 10);
    var over = limit > 0 && n > limit;
    var wasOver = column.classList.contains("is-over");
    column.classList.toggle("is-over", over);
    var badge = column.querySelector("[data-over]");
    if (badge) badge.hidden = !over;
    var list = column.querySelector("[data-status]");
    return over && !wasOver && list ? list.dataset.column : null;
  }

  document.addEventListener("cadence:moved", function (event) {
    var row = event.detail.row;
    var list = event.detail.list;
    var board = list.closest("[data-board]");
    if (!board || !row.dataset.status || row.dataset.status === list.dataset.status) return;
    adjust(board, row.dataset.status, -1);
    var over = adjust(board, list.dataset.status, 1);
    row.dataset.status = list.dataset.status;
    if (over) {
      var live = document.getElementById("live-region");
      var text = format(board.dataset.msgOver, { column: over });
      // After moves.js's own announcement (it writes 50 ms later), not instead of it.
      window.setTimeout(function () {
        if (live) live.textContent = (live.textContent + " " + text).trim();
      }, 100);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var old = event.detail.target;
    if (!old || !old.classList || !old.classList.contains("board-card")) return;
    var card = document.getElementById(old.id);
    if (card) card.focus();
  });
})();
