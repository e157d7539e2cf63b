/* crowdcare console: live updates over /api/v1/stream (session cookie), presence, shortcuts.
   No build step; htmx does the swapping. */
(function () {
  "use strict";
  var body = document.body;
  var page = body.dataset.page;
  var conversationId = body.dataset.conversation ? Number(body.dataset.conversation) : null;
  var me = body.dataset.me ? Number(body.dataset.me) : null;
  var wsBase = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  window.crowdcare = { events: 0, lastEventId: null };

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function debounce(fn, ms) { var t; return function () { clearTimeout(t); t = setTimeout(fn, ms); }; }

  /* ---------- inbox ---------- */
  var selectedIndex = -1;
  function rows() { return $all("#rows .row"); }
  function rememberOrder() {
    try { sessionStorage.setItem("cc-order", JSON.stringify(rows().map(function (r) { return Number(r.dataset.id); }))); } catch (e) { /* private mode */ }
  }
  function select(i) {
    var list = rows();
    if (!list.length) return;
    selectedIndex = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (r, n) { r.classList.toggle("selected", n === selectedIndex); });
    list[selectedIndex].scrollIntoView({ block: "nearest" });
  }
  function checkedIds() { return $all("#rows input[name=ids]:checked").map(function (c) { return c.value; }); }
  function updateSelectedCount() {
    var el = $("#selected-count");
    if (el) el.textContent = checkedIds().length + " selected";
  }
  var known = null;
  function refreshInbox() {
    var list = $("#rows");
    if (!list || !window.htmx) return;
    var checked = checkedIds();
    var selectedId = selectedIndex >= 0 && rows()[selectedIndex] ? rows()[selectedIndex].dataset.id : null;
    known = {};
    rows().forEach(function (r) { known[r.dataset.id] = r.querySelector(".preview").textContent; });
    htmx.ajax("GET", list.dataset.refresh, { target: "#inbox-list", swap: "innerHTML" }).then(function () {
      rows().forEach(function (r, n) {
        if (known && known[r.dataset.id] !== r.querySelector(".preview").textContent) r.classList.add("fresh");
        if (checked.indexOf(r.dataset.id) >= 0) r.querySelector("input[name=ids]").checked = true;
        if (r.dataset.id === selectedId) select(n);
      });
      updateSelectedCount();
      rememberOrder();
      body.dataset.refreshed = String(Date.now());
    });
    htmx.trigger(body, "cc:refresh");
  }
  var refreshInboxSoon = debounce(refreshInbox, 120);

  if (page === "inbox") {
    document.addEventListener("click", function (e) {
      var row = e.target.closest && e.target.closest(".row");
      if (row && !e.target.closest("input, a, button, select")) location.href = row.dataset.href;
    });
    document.addEventListener("change", function (e) {
      if (e.target.id === "select-all") {
        $all("#rows input[name=ids]").forEach(function (c) { c.checked = e.target.checked; });
      }
      updateSelectedCount();
    });
    document.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target && e.detail.target.id === "inbox-list") { rememberOrder(); selectedIndex = -1; }
    });
    document.addEventListener("submit", function (e) {   // come back to the filters in view
      if (e.target.id === "bulk") e.target.querySelector("[name=back_to]").value = location.pathname + location.search;
    });
    rememberOrder();
  }

  /* ---------- conversation ---------- */
  function scrollTimeline() { var t = $("#timeline"); if (t) t.scrollTop = t.scrollHeight; }
  function upsertMessage(id) {
    return fetch("/c/" + conversationId + "/m/" + id, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : "";
    }).then(function (html) {
      if (!html) return;
      var tpl = document.createElement("template");
      tpl.innerHTML = html.trim();
      var el = tpl.content.firstElementChild;
      var old = document.getElementById("m-" + id);
      if (old) { old.replaceWith(el); } else { $("#timeline").appendChild(el); scrollTimeline(); }
    });
  }
  function refreshTicketBar() {
    if (!window.htmx || !$("#ticket-bar")) return;
    if (document.activeElement && document.activeElement.closest && document.activeElement.closest("#ticket-bar")) return;
    htmx.ajax("GET", "/c/" + conversationId + "/header", { target: "#ticket-bar", swap: "outerHTML" });
  }
  var refreshTicketBarSoon = debounce(refreshTicketBar, 150);

  if (page === "conversation") {
    scrollTimeline();
    var text = $("#reply-text");
    var canned = $("#canned");
    if (canned) canned.addEventListener("change", function () {
      var opt = canned.selectedOptions[0];
      if (opt && opt.dataset.body) {
        text.value = text.value.trim() ? text.value.replace(/\s*$/, "\n") + opt.dataset.body : opt.dataset.body;
        text.focus();
      }
      canned.value = "";
    });
    document.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target && e.detail.target.id === "timeline") {
        text.value = "";
        var flash = $("#composer-flash"); if (flash) flash.innerHTML = "";
        var attach = $(".attach textarea"); if (attach) attach.value = "";
        var seen = {};
        $all("#timeline > li").reverse().forEach(function (li) {   // the live event may have won
          if (seen[li.id]) li.remove(); else seen[li.id] = true;
        });
        scrollTimeline();
        presenceSend("idle");
      }
    });
    text && text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        var send = $("#send");
        $("#composer").requestSubmit(send && !send.disabled ? send : $(".note-btn"));
      }
    });
  }

  /* ---------- presence ---------- */
  var presence = null, lastTyping = 0;
  function presenceSend(what) { if (presence && presence.readyState === 1) presence.send(what); }
  function renderPresence(state) {
    var box = $("#presence");
    if (!box) return;
    box.innerHTML = "";
    state.viewers.filter(function (v) { return v.agent_id !== me; }).forEach(function (v) {
      var span = document.createElement("span");
      span.className = "viewer" + (v.typing ? " typing" : "");
      span.dataset.agent = v.agent_id;
      var av = document.createElement("span");
      av.className = "avatar sm";
      av.textContent = v.name.split(/\s+/).slice(0, 2).map(function (p) { return p[0]; }).join("").toUpperCase();
      span.appendChild(av);
      span.appendChild(document.createTextNode(v.name + (v.typing ? " is typing…" : " is viewing")));
      box.appendChild(span);
    });
  }
  function connectPresence() {
    presence = new WebSocket(wsBase + "/web/presence/" + conversationId);
    presence.onmessage = function (e) { renderPresence(JSON.parse(e.data)); };
    presence.onclose = function () { setTimeout(connectPresence, 3000); };
  }
  if (page === "conversation" && conversationId) {
    connectPresence();
    var t = $("#reply-text");
    t && t.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 2000) { lastTyping = now; presenceSend("typing"); }
    });
    t && t.addEventListener("blur", function () { lastTyping = 0; presenceSend("idle"); });
  }

  /* ---------- the live feed: /web/live, the console's shape of /api/v1/stream ---------- */
  var backoff = 500;
  function onEvent(ev) {
    if (ev.name === "pong") return;
    window.crowdcare.events += 1;
    window.crowdcare.lastEventId = ev.id;
    if (page === "inbox") {
      refreshInboxSoon();
    } else if (page === "conversation" && ev.conversation_id === conversationId) {
      if (ev.name === "message.created" || ev.name === "message.updated") upsertMessage(ev.message_id);
      else refreshTicketBarSoon();
    }
  }
  function connectStream() {
    if (page !== "inbox" && page !== "conversation") return;
    var url = wsBase + "/web/live" + (window.crowdcare.lastEventId ? "?last_event_id=" + window.crowdcare.lastEventId : "");
    var ws = new WebSocket(url);
    var ping;
    ws.onopen = function () {
      backoff = 500;
      var dot = $("#live"); if (dot) { dot.classList.add("on"); dot.title = "Live"; }
      body.dataset.live = "1";
      ping = setInterval(function () { if (ws.readyState === 1) ws.send("ping"); }, 25000);
    };
    ws.onmessage = function (e) {
      var data = JSON.parse(e.data);
      (Array.isArray(data) ? data : [data]).forEach(onEvent);
    };
    ws.onclose = function () {
      clearInterval(ping);
      body.dataset.live = "0";
      var dot = $("#live"); if (dot) { dot.classList.remove("on"); dot.title = "Reconnecting…"; }
      setTimeout(connectStream, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }
  connectStream();

  /* ---------- keyboard ---------- */
  function neighbour(step) {
    try {
      var order = JSON.parse(sessionStorage.getItem("cc-order") || "[]");
      var i = order.indexOf(conversationId);
      if (i >= 0 && order[i + step]) location.href = "/c/" + order[i + step];
    } catch (e) { /* nothing to go to */ }
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (page === "inbox") {
      if (e.key === "j") { select(selectedIndex + 1); e.preventDefault(); }
      else if (e.key === "k") { select(selectedIndex - 1); e.preventDefault(); }
      else if ((e.key === "Enter" || e.key === "o") && rows()[selectedIndex]) { location.href = rows()[selectedIndex].dataset.href; }
      else if (e.key === "x" && rows()[selectedIndex]) { var c = rows()[selectedIndex].querySelector("input[name=ids]"); c.checked = !c.checked; updateSelectedCount(); }
      else if (e.key === "/") { var s = $(".search"); if (s) { s.focus(); e.preventDefault(); } }
    } else if (page === "conversation") {
      if (e.key === "j") neighbour(1);
      else if (e.key === "k") neighbour(-1);
      else if (e.key === "r") { var t = $("#reply-text"); if (t) { t.focus(); e.preventDefault(); } }
      else if (e.key === "s") { var b = $("#solve-button"); if (b) b.click(); }
      else if (e.key === "u") location.href = "/inbox";
    }
  });
})();
