/* Sprint planning: stories go from the team's backlog slice into the sprint and back, by
 * drag (SortableJS), by keyboard (Alt+→ adds, Alt+← takes out) or by the row's button,
 * which is a plain form without JavaScript. Each move is one POST to the sprint's add or
 * remove endpoint (204); then the lists and the committed points are drawn again by the
 * server, so what the page shows is always what was saved. A refusal with a reason (422:
 * a story the Definition of Ready holds back) replaces the lists with the server's, the
 * reason above them.
 *
 * Not moves.js: that one reorders rows by naming their neighbours; here a move changes
 * which sprint a story is in, and the order stays the backlog's.
 *
 * Markup: [data-plan] (data-reload, data-add-url, data-msg-*) holds two lists,
 * [data-plan-list="backlog"] and [data-plan-list="sprint"]; their rows have
 * [data-story-id], [data-title], [data-remove-url], and [data-can-move] when the user may plan.
 */
(function () {
  "use strict";

  var csrfToken = window.Cadence.csrfToken;
  var announce = window.Cadence.announce;
  var format = window.Cadence.format;

  function listOf(root, name) {
    return root.querySelector('[data-plan-list="' + name + '"]');
  }

  // Draw the lists and the summary again from the server; focus the row if asked.
  function reload(root, focusId) {
    if (!window.htmx) { window.location.reload(); return; }
    window.htmx.ajax("GET", root.dataset.reload, { target: "#" + root.id, swap: "outerHTML" })
      .then(function () {
        if (!focusId) return;
        var row = document.getElementById(focusId);
        if (row) row.focus();
      });
  }

  // The row is already in the list it goes to: tell the server.
  function save(root, row, where, keepFocus) {
    var body = new FormData();
    var url = row.dataset.removeUrl;
    if (where === "sprint") {
      url = root.dataset.addUrl;
      body.append("story", row.dataset.storyId);
    }
    fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      // A refusal the server explains (the Definition of Ready): 422 with the lists as
      // they are and the reason above them.
      if (response.status === 422) {
        return response.text().then(function (html) { return { ok: false, html: html }; });
      }
      return { ok: response.ok };
    }, function () { return { ok: false }; })
      .then(function (result) {
        if (result.html && showRefusal(root, result.html)) return;
        var message = where === "sprint" ? root.dataset.msgAdded : root.dataset.msgRemoved;
        announce(result.ok ? format(message, { title: row.dataset.title }) : root.dataset.msgRefused);
        reload(root, keepFocus ? row.id : null);
      });
  }

  // Put the server's lists and its refusal in place of the page's; false if it sent none.
  function showRefusal(root, html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var fresh = template.content.querySelector("[data-plan]");
    if (!fresh) return false;
    root.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    init(fresh);
    var alert = fresh.querySelector("[data-plan-refused]");
    if (alert) {
      announce(alert.textContent.replace(/\s+/g, " ").trim());
      alert.focus();
    }
    return true;
  }

  function send(row, where) {
    var root = row.closest("[data-plan]");
    var list = root && listOf(root, where);
    if (!list || row.parentElement === list) return;
    if (where === "sprint") list.appendChild(row); else list.insertBefore(row, list.firstChild);
    row.focus();
    save(root, row, where, true);
  }

  function onKey(event) {
    var row = event.target.closest && event.target.closest("[data-plan] [data-can-move]");
    if (!row || event.target !== row || !event.altKey) return;
    var from = row.parentElement.dataset.planList;
    if (event.key === "ArrowRight" && from === "backlog") {
      event.preventDefault();
      send(row, "sprint");
    } else if (event.key === "ArrowLeft" && from === "sprint") {
      event.preventDefault();
      send(row, "backlog");
    }
  }

  // The row's "Add" / "Take out" button, handled in place.
  function onSubmit(event) {
    var form = event.target.closest && event.target.closest("[data-plan-move]");
    if (!form) return;
    var row = form.closest("[data-story-id]");
    if (!row || !row.closest("[data-plan]")) return;
    event.preventDefault();
    send(row, form.dataset.planMove === "add" ? "sprint" : "backlog");
  }

  function init(root) {
    if (!window.Sortable || !root.querySelectorAll) return;
    var lists = root.querySelectorAll("[data-plan-list]");
    Array.prototype.forEach.call(lists, function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        group: "plan",
        sort: false,  // the order is the backlog's; only the membership changes
        draggable: "[data-can-move]",
        handle: ".drag-handle",
        animation: 150,
        onEnd: function (event) {
          if (event.from === event.to) return;
          save(event.to.closest("[data-plan]"), event.item, event.to.dataset.planList, false);
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
