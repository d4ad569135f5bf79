/* Reordering stories in place: drag (SortableJS), keyboard (Alt+arrows) and the row's
 * "Move" menu, which is a plain form without JavaScript. A move sends the story's new
 * neighbours (and the column's status on a board); the server computes the rank.
 *
 * Markup: a list with [data-sortable] holds rows with [data-story-id]; a row that the user
 * may move has [data-can-move] and [data-move-url]. A board column's list has
 * [data-status] and shares [data-group] with the other columns; its [data-column] (the
 * column's name) fills %(column)s in the "moved" message.
 */
(function () {
  "use strict";

  var csrfToken = window.Cadence.csrfToken;
  var announce = window.Cadence.announce;
  var format = window.Cadence.format;

  function rowsOf(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.hasAttribute("data-story-id");
    });
  }

  // After any change, each row's "Up"/"Down" buttons and position number follow the DOM.
  function renumber(list) {
    var rows = rowsOf(list);
    var start = parseInt(list.dataset.start || "1", 10);
    rows.forEach(function (row, i) {
      var position = row.querySelector("[data-position]");
      if (position) position.textContent = String(start + i);
      var up = row.querySelector('[data-move="up"]');
      var down = row.querySelector('[data-move="down"]');
      if (up) { up.value = i > 0 ? rows[i - 1].dataset.storyId : ""; up.disabled = i === 0; }
      if (down) { down.value = i < rows.length - 1 ? rows[i + 1].dataset.storyId : ""; down.disabled = i === rows.length - 1; }
    });
  }

  function reload(list) {
    if (list.dataset.reload && window.htmx) {
      window.htmx.ajax("GET", list.dataset.reload, {
        target: list.dataset.reloadTarget || list, swap: "outerHTML",
      });
    } else {
      window.location.reload();
    }
  }

  function send(row, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) {
      if (fields[key] !== null && fields[key] !== undefined) body.append(key, fields[key]);
    });
    return fetch(row.dataset.moveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body,
      credentials: "same-origin",
    }).then(function (response) { return response.ok; }, function () { return false; });
  }

  // The row is where it should be in the DOM: tell the server its new neighbours.
  function placed(list, row, message) {
    var rows = rowsOf(list);
    var index = rows.indexOf(row);
    var fields = {
      after: index > 0 ? rows[index - 1].dataset.storyId : null,
      before: index < rows.length - 1 ? rows[index + 1].dataset.storyId : null,
      status: list.dataset.status || null,
    };
    if (fields.after) fields.before = null;  // one neighbour is enough; "after" wins
    renumber(list);
    return send(row, fields).then(function (ok) {
      var root = list.closest("[data-msg-refused]") || list;
      if (!ok) {
        announce(root.dataset.msgRefused || "");
        reload(list);
        return;
      }
      announce(message || format(root.dataset.msgMoved, {
        position: index + 1, title: row.dataset.title, column: list.dataset.column || "",
      }));
      document.dispatchEvent(new CustomEvent("cadence:moved", { detail: { row: row, list: list } }));
    });
  }

  function moveTo(list, row, where) {
    var root = list.closest("[data-msg-refused]") || list;
    var more = list.querySelector(".backlog-more");
    var fields = { position: where };
    if (where === "top") {
      list.insertBefore(row, rowsOf(list)[0] || list.firstChild);
    } else if (more) {
      row.remove();  // the bottom is past the rows loaded so far
    } else {
      list.appendChild(row);
    }
    renumber(list);
    send(row, fields).then(function (ok) {
      if (!ok) { announce(root.dataset.msgRefused || ""); reload(list); return; }
      announce(where === "top" ? root.dataset.msgTop : root.dataset.msgBottom);
    });
    if (row.isConnected) row.focus();
  }

  function step(list, row, delta) {
    var rows = rowsOf(list);
    var index = rows.indexOf(row);
    var target = rows[index + delta];
    if (!target) return;
    list.insertBefore(row, delta < 0 ? target : target.nextSibling);
    row.focus();
    placed(list, row);
  }

  // Board only: the next column to the left or right, keeping the row near its height.
  function across(list, row, delta) {
    var board = list.closest("[data-board]");
    if (!board) return;
    // With swimlanes, left and right stay in the card's lane.
    var scope = list.closest("[data-lane]") || board;
    var lists = Array.prototype.slice.call(scope.querySelectorAll("[data-sortable][data-status]"));
    var target = lists[lists.indexOf(list) + delta];
    if (!target) return;
    var index = Math.min(rowsOf(list).indexOf(row), rowsOf(target).length);
    target.insertBefore(row, rowsOf(target)[index] || null);
    row.focus();
    renumber(list);
    placed(target, row);
  }

  function onKey(event) {
    var row = event.target.closest("[data-can-move]");
    if (!row || event.target !== row || !event.altKey) return;
    var list = row.parentElement;
    var keys = {
      ArrowUp: function () { if (event.shiftKey) moveTo(list, row, "top"); else step(list, row, -1); },
      ArrowDown: function () { if (event.shiftKey) moveTo(list, row, "bottom"); else step(list, row, 1); },
      Home: function () { moveTo(list, row, "top"); },
      End: function () { moveTo(list, row, "bottom"); },
      ArrowLeft: function () { across(list, row, -1); },
      ArrowRight: function () { across(list, row, 1); },
    };
    if (keys[event.key]) {
      event.preventDefault();
      keys[event.key]();
    }
  }

  // The row's "Move" menu, handled in place; "Go to position" reloads the list.
  function onSubmit(event) {
    var form = event.target.closest("[data-move-form]");
    if (!form) return;
    var submitter = event.submitter;
    var how = submitter && submitter.dataset.move;
    var row = form.closest("[data-story-id]");
    var list = row && row.parentElement;
    if (!how || !list || !list.hasAttribute("data-sortable")) return;
    event.preventDefault();
    var details = form.closest("details");
    if (details) details.open = false;
    if (how === "up") step(list, row, -1);
    else if (how === "down") step(list, row, 1);
    else if (how === "top" || how === "bottom") moveTo(list, row, how);
    else if (how === "position") {
      var value = form.querySelector('[name="to_position"]').value;
      if (!value) return;
      // Counted in the list on screen (a PO's team slice, say): the form names its filters.
      var seen = form.querySelector('[name="list"]');
      send(row, { to_position: value, list: seen ? seen.value : "" }).then(function () { reload(list); });
    }
  }

  function init(root) {
    if (!window.Sortable) return;
    var lists = root.querySelectorAll ? root.querySelectorAll("[data-sortable]") : [];
    if (root.matches && root.matches("[data-sortable]")) lists = [root].concat(Array.prototype.slice.call(lists));
    Array.prototype.forEach.call(lists, function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        group: list.dataset.group || undefined,
        draggable: "[data-can-move]",
        handle: list.dataset.handle || ".drag-handle",
        animation: 150,
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          if (event.from !== event.to) renumber(event.from);
          placed(event.to, event.item);
        },
      });
    });
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("submit", onSubmit);
  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  }
})();
