/* Live updates: one websocket per page (/ws/live/), the partials that change redrawn in place.
 *
 * The hook, for any page:
 *   <section id="board"                          the element to refresh (an id is required)
 *            data-live-groups="product-1 sprint-1-3" the groups it follows: product-<id>,
 *                                                  team-<product>-<id>, sprint-<product>-<id>
 *            data-live-refresh="/p/x/…/board/"     the URL that answers an htmx request whose
 *                                                  HX-Target is this id with the partial
 *            data-live-verbs="story. task."         optional: only events whose verb starts so
 *            data-live-presence="team-1-2">        optional: who else looks at it (one per page)
 *   <div data-live-viewers data-msg-viewers="…">   where the viewers' avatars go
 *
 * On an event of one of its groups the element's partial is fetched again and merged into
 * the page node by node (matched by id): unchanged cards stay the same nodes, so Sortable,
 * open menus, focus and scroll stay where they were; while the user drags a card nothing
 * is redrawn until it is dropped. After a reconnection every element is fetched again, as
 * events may have been missed. Each event is also dispatched on the document as
 * "cadence:live-event" (detail: the message), for pages that handle events themselves.
 * Everything here only spares a reload: without JavaScript the page works the same.
 */
(function () {
  "use strict";

  var MIN_DELAY = 1000;
  var MAX_DELAY = 30000;
  var DEBOUNCE = 120;
  // Attributes the page sets on itself and a refresh must leave alone.
  var KEEP = ["data-sortable-ready", "open"];

  var socket = null;
  var delay = MIN_DELAY;
  var connectedOnce = false;
  var lastEventId = 0;

  function liveElements() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-live-groups][id]"));
  }

  function groupsOf(el) {
    return (el.dataset.liveGroups || "").split(/\s+/).filter(Boolean);
  }

  function wanted() {
    var groups = [];
    var presence = null;
    liveElements().forEach(function (el) {
      groupsOf(el).forEach(function (g) { if (groups.indexOf(g) < 0) groups.push(g); });
      if (!presence && el.dataset.livePresence) presence = el.dataset.livePresence;
    });
    return { groups: groups, presence: presence };
  }

  // Does this event concern the element? Its groups name a product, team or sprint id
  // (the id is the last part: "product-1", "team-1-2", "sprint-1-3").
  function concerns(el, message) {
    var verbs = (el.dataset.liveVerbs || "").split(/\s+/).filter(Boolean);
    if (verbs.length && !verbs.some(function (v) { return message.verb.indexOf(v) === 0; })) return false;
    return groupsOf(el).some(function (group) {
      var parts = group.split("-");
      var id = parseInt(parts[parts.length - 1], 10);
      return (parts[0] === "product" && message.product_id === id)
        || (parts[0] === "team" && message.team_id === id)
        || (parts[0] === "sprint" && message.sprint_id === id);
    });
  }

  // A card being dragged (Sortable marks it) must not move under the pointer.
  function dragging() {
    return !!document.querySelector(".sortable-chosen, .sortable-ghost, .sortable-drag");
  }

  /* Merging a fresh partial into the page. */

  function syncAttributes(old, fresh) {
    Array.prototype.slice.call(old.attributes).forEach(function (attr) {
      if (KEEP.indexOf(attr.name) < 0 && !fresh.hasAttribute(attr.name)) old.removeAttribute(attr.name);
    });
    Array.prototype.forEach.call(fresh.attributes, function (attr) {
      if (old.getAttribute(attr.name) !== attr.value) old.setAttribute(attr.name, attr.value);
    });
  }

  function morph(old, fresh) {
    if (old.nodeType !== fresh.nodeType || old.nodeName !== fresh.nodeName
        || (old.nodeType === 1 && old.id !== fresh.id)) {
      var copy = document.importNode(fresh, true);
      old.parentNode.replaceChild(copy, old);
      return copy;
    }
    if (old.nodeType !== 1) {
      if (old.nodeValue !== fresh.nodeValue) old.nodeValue = fresh.nodeValue;
      return old;
    }
    syncAttributes(old, fresh);
    // What the user is typing stays theirs.
    if (old === document.activeElement && /^(INPUT|TEXTAREA|SELECT)$/.test(old.nodeName)) return old;
    morphChildren(old, fresh);
    return old;
  }

  function morphChildren(parent, freshParent) {
    var byId = {};
    Array.prototype.forEach.call(parent.children, function (child) { if (child.id) byId[child.id] = child; });
    var cursor = parent.firstChild;
    Array.prototype.slice.call(freshParent.childNodes).forEach(function (fresh) {
      var match = null;
      if (fresh.nodeType === 1 && fresh.id) {
        match = byId[fresh.id] || null;
        delete byId[fresh.id];
      } else if (cursor && cursor.nodeName === fresh.nodeName && !(cursor.nodeType === 1 && cursor.id)) {
        match = cursor;
      }
      if (!match) {
        parent.insertBefore(document.importNode(fresh, true), cursor);
        return;
      }
      if (match === cursor) cursor = cursor.nextSibling;
      else parent.insertBefore(match, cursor);
      morph(match, fresh);
    });
    while (cursor) {
      var next = cursor.nextSibling;
      parent.removeChild(cursor);
      cursor = next;
    }
  }

  function apply(el, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById(el.id);
    if (!fresh) return;
    var active = document.activeElement;
    var focusId = active && active !== document.body ? (active.id || (active.closest("[id]") || {}).id) : null;
    var x = window.scrollX;
    var y = window.scrollY;
    morph(el, fresh);
    if (focusId && (!document.activeElement || document.activeElement === document.body)) {
      var again = document.getElementById(focusId);
      if (again) again.focus({ preventScroll: true });
    }
    window.scrollTo(x, y);
    if (window.htmx) {
      window.htmx.process(el);
      window.htmx.trigger(el, "htmx:load", { elt: el });  // moves.js: Sortable on new lists
    }
    document.dispatchEvent(new CustomEvent("cadence:live-refreshed", { detail: { element: el } }));
  }

  function refresh(el) {
    if (el.liveTimer) return;
    el.liveTimer = window.setTimeout(function () {
      el.liveTimer = null;
      if (dragging() || el.liveBusy) {
        el.liveAgain = true;
        window.setTimeout(function () { if (el.liveAgain) { el.liveAgain = false; refresh(el); } }, 300);
        return;
      }
      el.liveBusy = true;
      var url = el.dataset.liveRefresh || window.location.pathname + window.location.search;
      fetch(url, {
        headers: { "HX-Request": "true", "HX-Target": el.id, "HX-Current-URL": window.location.href },
        credentials: "same-origin",
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        el.liveBusy = false;
        if (html === null) return;
        if (dragging()) { refresh(el); return; }  // the drag began while we fetched
        apply(el, html);
      }, function () { el.liveBusy = false; });
    }, DEBOUNCE);
  }

  /* Presence. */

  function showViewers(viewers) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-viewers]"), function (box) {
      box.textContent = "";
      if (!viewers.length) { box.hidden = true; return; }
      box.hidden = false;
      var label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = (box.dataset.msgViewers || "") + " " + viewers.map(function (v) { return v.name; }).join(", ");
      box.appendChild(label);
      viewers.forEach(function (viewer) {
        var avatar = document.createElement("span");
        avatar.className = "avatar";
        avatar.title = viewer.name;
        avatar.setAttribute("aria-hidden", "true");
        avatar.dataset.viewerId = String(viewer.id);
        avatar.textContent = viewer.initials;
        box.appendChild(avatar);
      });
    });
  }

  function setOffline(offline) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-viewers]"), function (box) {
      box.classList.toggle("is-offline", offline);
      if (offline && box.dataset.msgOffline) box.title = box.dataset.msgOffline;
      else box.removeAttribute("title");
    });
  }

  /* The socket. */

  function onMessage(event) {
    var message;
    try { message = JSON.parse(event.data); } catch (error) { return; }
    if (message.type === "presence") {
      showViewers(message.viewers || []);
    } else if (message.type === "event") {
      if (message.id > lastEventId) lastEventId = message.id;
      document.dispatchEvent(new CustomEvent("cadence:live-event", { detail: message }));
      liveElements().forEach(function (el) { if (concerns(el, message)) refresh(el); });
    }
  }

  function connect() {
    var want = wanted();
    if (!want.groups.length || !window.WebSocket) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/live/");
    socket.addEventListener("open", function () {
      delay = MIN_DELAY;
      setOffline(false);
      socket.send(JSON.stringify({ type: "join", groups: want.groups, presence: want.presence }));
      // Whatever happened while we were away is fetched once.
      if (connectedOnce) liveElements().forEach(refresh);
      connectedOnce = true;
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      socket = null;
      setOffline(true);
      // Logged out (4401) or no longer a member of anything shown (4403): reconnecting
      // would not help.
      if (event.code === 4401 || event.code === 4403) return;
      // Back-off doubling from 1 s to 30 s, with jitter so a restart isn't met by everyone at once.
      var wait = delay / 2 + Math.random() * delay / 2;
      delay = Math.min(delay * 2, MAX_DELAY);
      window.setTimeout(connect, wait);
    });
  }

  window.cadenceLive = {
    refresh: refresh,
    lastEventId: function () { return lastEventId; },
    connected: function () { return !!socket && socket.readyState === 1; },
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
  else connect();
})();
