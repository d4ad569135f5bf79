/* The board's column headers follow the cards that moves.js moved: the count changes, and
 * a column that goes over its WIP limit turns red, says so, and is announced. The server
 * records the same on the move's event; a reload shows its numbers.
 *
 * After an htmx swap of one card (flagged, resolved), focus goes back to that card.
 *
 * The card side panel closes with Escape (or its Close button), and focus goes back to
 * the card that opened it.
 */
(function () {
  "use strict";

  var format = window.Cadence.format;

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
    var name = list ? list.dataset.column : column.querySelector("h3").textContent;
    return over && !wasOver ? name : null;
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

  // Lanes: each cell of the card's lane counts its cards again (a drag stays in its lane).
  document.addEventListener("cadence:moved", function (event) {
    var lane = event.detail.list.closest("[data-lane]");
    if (!lane) return;
    lane.querySelectorAll("[data-lane-cell]").forEach(function (cell) {
      var count = cell.querySelector("[data-lane-count]");
      if (count) count.textContent = String(cell.querySelectorAll("[data-story-id]").length);
    });
  });

  var opener = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "card-panel") return;
    var card = event.detail.elt.closest(".board-card");
    opener = card ? card.id : null;
  });

  function backToCard() {
    var card = opener && document.getElementById(opener);
    if (card) card.focus();
  }

  // "close" doesn't bubble: listen while capturing. Fired by Escape below and by the
  // panel's own Close button (a method="dialog" form).
  document.addEventListener("close", function (event) {
    if (event.target.classList && event.target.classList.contains("card-panel")) backToCard();
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var panel = document.querySelector("#card-panel dialog.card-panel[open]");
    if (!panel) return;
    event.preventDefault();
    panel.close();
  });
})();
