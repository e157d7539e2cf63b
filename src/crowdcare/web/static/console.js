/* crowdcare console: live updates over /web/live (session cookie), presence, shortcuts,
   the inbox cursor and its "new activity" bar, slash commands for canned responses.
   No build step; htmx does the swapping. */
(function () {
  "use strict";
  var body = document.body;
  var page = body.dataset.page;
  var conversationId = body.dataset.conversation ? Number(body.dataset.conversation) : null;
  var customerId = body.dataset.customer ? Number(body.dataset.customer) : null;
  var me = body.dataset.me ? Number(body.dataset.me) : null;
  var wsBase = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  window.crowdcare = { events: 0, lastEventId: body.dataset.liveFrom || null, pending: null };

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function debounce(fn, ms) { var t; return function () { clearTimeout(t); t = setTimeout(fn, ms); }; }
  function store(key, value) { try { sessionStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function recall(key) { try { return sessionStorage.getItem(key); } catch (e) { return null; } }
  function fragment(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    return tpl.content;
  }

  /* ---------- what inline handlers and style attributes did (the CSP allows neither) ---------- */
  document.addEventListener("change", function (e) {   // a select that submits its form
    if (e.target.matches && e.target.matches("[data-autosubmit]")) e.target.form.submit();
  });
  document.addEventListener("submit", function (e) {   // a form that asks first
    var ask = e.target.dataset && e.target.dataset.confirm;
    if (ask && !window.confirm(ask)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
  function widths(root) {   // the triage factors' bars: their width is their points
    $all("[data-width]", root).forEach(function (el) { el.style.width = el.dataset.width + "px"; });
  }
  widths(document);
  document.addEventListener("htmx:afterSettle", function (e) { widths(e.detail.elt || document); });

  /* ---------- the shortcut sheet (?) ---------- */
  function sheet(show) {
    var el = $("#keys-sheet");
    if (!el) return;
    el.hidden = show === undefined ? !el.hidden : !show;
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest(".show-keys")) { e.preventDefault(); sheet(true); }
    else if (e.target.id === "keys-sheet") sheet(false);
  });

  /* ---------- inbox: a cursor on a conversation, not a row position ---------- */
  function rows() { return $all("#rows .row"); }
  var cursorId = page === "inbox" ? recall("cc-cursor") : null;
  function rememberOrder() {
    store("cc-order", JSON.stringify(rows().filter(function (r) { return !r.classList.contains("gone"); })
      .map(function (r) { return Number(r.dataset.id); })));
  }
  function cursorRow() { return cursorId ? document.getElementById("conv-" + cursorId) : null; }
  function paintCursor(scroll) {
    rows().forEach(function (r) { r.classList.toggle("selected", r.dataset.id === cursorId); });
    var row = cursorRow();
    if (row && scroll) row.scrollIntoView({ block: "nearest" });
    body.dataset.cursor = cursorId || "";
  }
  function move(step) {
    var list = rows();
    if (!list.length) return;
    var i = list.indexOf(cursorRow());
    var n = i < 0 ? (step > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, i + step));
    cursorId = list[n].dataset.id;
    store("cc-cursor", cursorId);
    paintCursor(true);
  }
  function checkedIds() { return $all("#rows input[name=ids]:checked").map(function (c) { return c.value; }); }
  function updateSelectedCount() {
    var el = $("#selected-count");
    if (el) el.textContent = checkedIds().length + " selected";
  }

  /* Live changes never move rows under the agent: a row that is on screen is updated where
     it is; new conversations and a changed order wait behind the "new activity" bar. */
  function activityBar(counts) {
    var bar = $("#new-activity");
    if (!bar) return;
    var parts = [];
    if (counts.added) parts.push(counts.added + " new");
    if (counts.moved) parts.push(counts.moved + " moved");
    if (counts.gone) parts.push(counts.gone + " left this view");
    bar.hidden = !parts.length;
    bar.querySelector(".what").textContent = "New activity: " + parts.join(", ");
  }
  function applyPending() {
    var html = window.crowdcare.pending;
    if (html === null) return;
    var checked = checkedIds();
    $("#inbox-list").innerHTML = html;
    window.crowdcare.pending = null;
    rows().forEach(function (r) {
      if (checked.indexOf(r.dataset.id) >= 0) r.querySelector("input[name=ids]").checked = true;
    });
    activityBar({});
    paintCursor(true);
    updateSelectedCount();
    rememberOrder();
  }
  function refreshInbox() {
    var list = $("#rows");
    if (!list) return;
    fetch(list.dataset.refresh, { credentials: "same-origin",
                                  headers: { "HX-Request": "true", "HX-Target": "inbox-list" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var incoming = fragment(html);
        var fresh = $all("#rows .row", incoming);
        var shown = rows();
        if (!shown.length) {   // nothing on screen to keep in place
          window.crowdcare.pending = html;
          applyPending();
          body.dataset.refreshed = String(Date.now());
          return;
        }
        var freshIds = fresh.map(function (r) { return r.dataset.id; });
        var shownIds = shown.filter(function (r) { return !r.classList.contains("gone"); })
          .map(function (r) { return r.dataset.id; });
        var counts = { added: 0, moved: 0, gone: 0 };
        fresh.forEach(function (r) {
          var old = document.getElementById(r.id);
          if (!old) { counts.added += 1; return; }
          old.classList.remove("gone");
          if (old.querySelector(".preview").textContent !== r.querySelector(".preview").textContent ||
              old.querySelector(".prio").textContent !== r.querySelector(".prio").textContent) {
            var box = old.querySelector("input[name=ids]").checked;
            old.className = r.className + " fresh" + (old.classList.contains("selected") ? " selected" : "");
            old.innerHTML = r.innerHTML;
            old.querySelector("input[name=ids]").checked = box;
          }
        });
        shown.forEach(function (r) {
          if (freshIds.indexOf(r.dataset.id) < 0) { r.classList.add("gone"); counts.gone += 1; }
        });
        var kept = freshIds.filter(function (id) { return shownIds.indexOf(id) >= 0; });
        var before = shownIds.filter(function (id) { return freshIds.indexOf(id) >= 0; });
        kept.forEach(function (id, i) { if (before[i] !== id) counts.moved += 1; });
        window.crowdcare.pending = (counts.added || counts.moved || counts.gone) ? html : null;
        activityBar(counts);
        paintCursor(false);
        body.dataset.refreshed = String(Date.now());
      });
    if (window.htmx) htmx.trigger(body, "cc:refresh");
  }
  var refreshInboxSoon = debounce(refreshInbox, 150);

  if (page === "inbox") {
    document.addEventListener("click", function (e) {
      if (e.target.closest && e.target.closest("#show-activity")) { applyPending(); return; }
      var row = e.target.closest && e.target.closest(".row");
      if (row && !e.target.closest("input, a, button, select")) {
        store("cc-cursor", row.dataset.id);
        location.href = row.dataset.href;
      } else if (row && e.target.closest("a.who")) store("cc-cursor", row.dataset.id);
    });
    document.addEventListener("change", function (e) {
      if (e.target.id === "select-all") {
        $all("#rows input[name=ids]").forEach(function (c) { c.checked = e.target.checked; });
      }
      updateSelectedCount();
    });
    document.addEventListener("htmx:afterSwap", function (e) {   // the agent's own filter/page
      if (e.detail.target && e.detail.target.id === "inbox-list") {
        window.crowdcare.pending = null;
        activityBar({});
        rememberOrder();
        paintCursor(false);
      }
    });
    document.addEventListener("submit", function (e) {   // come back to the filters in view
      if (e.target.id === "bulk") e.target.querySelector("[name=back_to]").value = location.pathname + location.search;
    });
    rememberOrder();
    paintCursor(true);
  }

  /* ---------- conversation ---------- */
  function scrollTimeline() { var t = $("#timeline"); if (t) t.scrollTop = t.scrollHeight; }
  function openAtNewest() {   // the newest message, with the composer in view
    scrollTimeline();
    var composer = $(".composer");
    if (composer && composer.getBoundingClientRect().bottom > window.innerHeight) {
      composer.scrollIntoView({ block: "end" });
    }
  }
  function upsertMessage(id) {
    return fetch("/c/" + conversationId + "/m/" + id, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : "";
    }).then(function (html) {
      if (!html) return;
      var el = fragment(html).firstElementChild;
      var old = document.getElementById("m-" + id);
      if (old) { old.replaceWith(el); } else { $("#timeline").appendChild(el); scrollTimeline(); }
      if (window.htmx) htmx.process(el);
    });
  }
  function refreshTicketBar() {
    if (!window.htmx || !$("#ticket-bar")) return;
    if (document.activeElement && document.activeElement.closest && document.activeElement.closest("#ticket-bar")) return;
    htmx.ajax("GET", "/c/" + conversationId + "/header", { target: "#ticket-bar", swap: "outerHTML" });
  }
  function refreshSide() {   // the live journey: triage state, links, tickets, orders
    if (!window.htmx || !$("#conv-side")) return;
    if (document.activeElement && document.activeElement.closest && document.activeElement.closest("#conv-side")) return;
    var open = $all("#conv-side details[open]").map(function (d) { return d.id; }).filter(Boolean);
    htmx.ajax("GET", "/c/" + conversationId + "/side", { target: "#conv-side", swap: "outerHTML" }).then(function () {
      open.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true; });
    });
  }
  var refreshTicketBarSoon = debounce(refreshTicketBar, 150);
  var refreshSideSoon = debounce(refreshSide, 250);

  /* canned responses: the select, or "/" + a few letters in the composer */
  var canned = [];
  try { canned = JSON.parse(($("#canned-data") || {}).textContent || "[]"); } catch (e) { canned = []; }
  var UNFILLED = /\{\{\s*([a-z]+)\.([a-z_]+)\s*\}\}/g;
  var text = $("#reply-text");

  function unfilled() {
    var seen = {}, out = [];
    (text ? text.value : "").replace(UNFILLED, function (whole, group, name) {
      var key = group + "." + name;
      if (!seen[key]) { seen[key] = 1; out.push(key); }
      return whole;
    });
    return out;
  }
  function checkUnfilled() {   // the composer asks for what a canned response could not fill
    var box = $("#fill-in"), send = $("#send");
    if (!box || !text) return;
    var missing = unfilled();
    box.hidden = !missing.length;
    box.innerHTML = "";
    missing.forEach(function (key, i) {
      var label = document.createElement("label");
      label.className = "fill";
      label.appendChild(document.createTextNode("Fill in " + key.replace(".", " ").replace("_", " ") + " "));
      var input = document.createElement("input");
      input.dataset.variable = key;
      input.setAttribute("aria-label", "Fill in " + key);
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); fillVariable(key, input.value); }
      });
      label.appendChild(input);
      var ok = document.createElement("button");
      ok.type = "button"; ok.textContent = "Fill";
      ok.addEventListener("click", function () { fillVariable(key, input.value); });
      label.appendChild(ok);
      box.appendChild(label);
      if (i === 0 && document.activeElement !== text) input.focus();
    });
    if (send && send.dataset.gate !== "closed") {
      send.disabled = missing.length > 0;
      send.title = missing.length ? "Fill in " + missing.map(function (k) { return "{{" + k + "}}"; }).join(", ") + " first" : "";
    }
  }
  function fillVariable(key, value) {
    value = (value || "").trim();
    if (!value) return;
    var parts = key.split(".");
    var rx = new RegExp("\\{\\{\\s*" + parts[0] + "\\." + parts[1] + "\\s*\\}\\}", "g");
    text.value = text.value.replace(rx, value);
    checkUnfilled();
    var next = $("#fill-in input");
    if (next) next.focus(); else text.focus();
  }
  function insertCanned(item, replaceFrom) {
    if (replaceFrom !== undefined) {   // the "/ret" the agent typed becomes the response
      var caret = text.selectionStart;
      text.value = text.value.slice(0, replaceFrom) + item.body + text.value.slice(caret);
      var at = replaceFrom + item.body.length;
      text.setSelectionRange(at, at);
    } else {
      text.value = text.value.trim() ? text.value.replace(/\s*$/, "\n") + item.body : item.body;
    }
    text.focus();
    hideSlash();
    checkUnfilled();
  }

  var slash = { items: [], index: 0, from: -1 };
  function slashQuery() {   // "/ret" at the start of a line or after a space, before the caret
    var upto = text.value.slice(0, text.selectionStart);
    var m = /(^|\s)\/([\w-]*)$/.exec(upto);
    return m ? { from: upto.length - m[2].length - 1, q: m[2].toLowerCase() } : null;
  }
  function hideSlash() {
    var menu = $("#slash-menu");
    if (menu) menu.hidden = true;
    slash.items = []; slash.from = -1;
  }
  function showSlash() {
    var menu = $("#slash-menu"), found = slashQuery();
    if (!menu || !found) { hideSlash(); return; }
    var q = found.q;
    var starts = canned.filter(function (c) { return c.shortcut.indexOf(q) === 0; });
    var within = canned.filter(function (c) {
      return starts.indexOf(c) < 0 && (c.shortcut + " " + c.title).toLowerCase().indexOf(q) >= 0;
    });
    slash.items = starts.concat(within).slice(0, 8);
    slash.from = found.from;
    slash.index = 0;
    if (!slash.items.length) { hideSlash(); return; }
    menu.innerHTML = "";
    slash.items.forEach(function (c, i) {
      var opt = document.createElement("div");
      opt.className = "slash-item" + (i === 0 ? " active" : "");
      opt.setAttribute("role", "option");
      opt.dataset.shortcut = c.shortcut;
      var key = document.createElement("strong");
      key.textContent = "/" + c.shortcut;
      var title = document.createElement("span");
      title.textContent = " " + c.title;
      var preview = document.createElement("div");
      preview.className = "muted small";
      preview.textContent = c.body.slice(0, 90) + (c.body.length > 90 ? "…" : "");
      opt.appendChild(key); opt.appendChild(title); opt.appendChild(preview);
      opt.addEventListener("mousedown", function (e) { e.preventDefault(); insertCanned(c, slash.from); });
      menu.appendChild(opt);
    });
    menu.hidden = false;
  }
  function moveSlash(step) {
    var opts = $all("#slash-menu .slash-item");
    slash.index = (slash.index + step + opts.length) % opts.length;
    opts.forEach(function (o, i) { o.classList.toggle("active", i === slash.index); });
  }

  function neighbour(step) {
    try {
      var order = JSON.parse(recall("cc-order") || "[]");
      var i = order.indexOf(conversationId);
      return i >= 0 && order[i + step] ? order[i + step] : null;
    } catch (e) { return null; }
  }

  if (page === "conversation") {
    openAtNewest();
    store("cc-cursor", String(conversationId));
    var send = $("#send");
    if (send && send.disabled) send.dataset.gate = "closed";
    var select = $("#canned");
    if (select) select.addEventListener("change", function () {
      var opt = select.selectedOptions[0];
      var item = canned.filter(function (c) { return String(c.id) === opt.value; })[0];
      if (item) insertCanned(item);
      select.value = "";
    });
    document.addEventListener("htmx:afterSwap", function (e) {
      if (e.detail.target && e.detail.target.id === "timeline") {
        text.value = "";
        checkUnfilled();
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
    document.addEventListener("submit", function (e) {   // solve & next: the next row of the last list
      var next = e.target.querySelector && e.target.querySelector(".next-id");
      if (next) next.value = neighbour(1) || "";
    });
    document.addEventListener("click", function (e) {   // an order of this customer: open it here
      var link = e.target.closest && e.target.closest("a.order-link");
      if (!link) return;
      var panel = document.getElementById("order-" + link.dataset.order);
      if (panel) {
        e.preventDefault();
        panel.open = true;
        panel.scrollIntoView({ block: "center" });
        panel.classList.add("flash-once");
        setTimeout(function () { panel.classList.remove("flash-once"); }, 1500);
      }
    });
    if (text) {
      text.addEventListener("input", function () { showSlash(); checkUnfilled(); });
      text.addEventListener("blur", function () { setTimeout(hideSlash, 100); });
      text.addEventListener("keydown", function (e) {
        var menuOpen = slash.items.length && !$("#slash-menu").hidden;
        if (menuOpen && (e.key === "Tab" || e.key === "Enter") && !e.ctrlKey && !e.metaKey) {
          e.preventDefault();
          insertCanned(slash.items[slash.index], slash.from);
        } else if (menuOpen && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
          e.preventDefault();
          moveSlash(e.key === "ArrowDown" ? 1 : -1);
        } else if (menuOpen && e.key === "Escape") {
          e.preventDefault(); e.stopPropagation();
          hideSlash();
        } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          var button = $("#send");
          $("#composer").requestSubmit(button && !button.disabled ? button : $(".note-btn"));
        }
      });
      checkUnfilled();
    }
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
    text && text.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 2000) { lastTyping = now; presenceSend("typing"); }
    });
    text && text.addEventListener("blur", function () { lastTyping = 0; presenceSend("idle"); });
  }

  /* ---------- SLA time left ticks between live events ----------
     An element with data-due (ISO UTC) and data-now (the server's time when it was
     rendered) counts down from the server's now, so a browser clock that is off does not
     matter; each newly rendered element restarts from its own data-now. Same words as the
     server's time_left filter (web/core.py); past due it reads "overdue" and turns breached
     (the sweep records the breach itself). */
  var TICK_MS = 30000;
  function span(minutes) {
    minutes = Math.floor(minutes);
    var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    return d ? d + "d " + h + "h" : h ? h + "h " + m + "m" : m + "m";
  }
  function tickSla() {
    var now = Date.now();
    $all("[data-due]").forEach(function (el) {
      if (el._ccFrom !== el.dataset.now) {   // first seen, or rendered again
        el._ccFrom = el.dataset.now;
        el._ccOffset = Date.parse(el.dataset.now) - now;
      }
      var due = Date.parse(el.dataset.due);
      if (isNaN(due) || isNaN(el._ccOffset)) return;
      var seconds = (due - (now + el._ccOffset)) / 1000;
      var words = seconds < 0 ? "overdue " + span(-seconds / 60) : span(seconds / 60) + " left";
      if (el.textContent !== words) el.textContent = words;
      var chip = el.closest(".sla");
      if (seconds < 0 && chip && !chip.classList.contains("sla-breached")) {
        chip.classList.remove("sla-active", "sla-at_risk");
        chip.classList.add("sla-breached");
      }
    });
  }
  tickSla();
  setInterval(tickSla, TICK_MS);
  if (window.MutationObserver) {   // rows and the ticket bar re-rendered by live events
    new MutationObserver(function (changes) {
      if (changes.some(function (c) { return c.addedNodes.length; })) tickSla();
    }).observe(body, { childList: true, subtree: true });
  }

  /* ---------- the live feed: /web/live, the console's shape of /api/v1/stream ---------- */
  var backoff = 500;
  function onEvent(ev) {
    if (ev.name === "pong") return;
    window.crowdcare.events += 1;
    window.crowdcare.lastEventId = ev.id;
    if (page === "inbox") {
      if (ev.conversation_id) refreshInboxSoon();
    } else if (page === "conversation") {
      var here = ev.conversation_id === conversationId;
      if (here && (ev.name === "message.created" || ev.name === "message.updated")) {
        upsertMessage(ev.message_id);
        if (ev.name === "message.created") refreshSideSoon();
      } else if (here) {
        refreshTicketBarSoon();
        refreshSideSoon();
      } else if (ev.customer_id && ev.customer_id === customerId) {
        refreshSideSoon();   // an order, a shipping event, a link: the journey moves
      }
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
  function go(id) { if (id) location.href = "/c/" + id; }
  function click(sel) { var b = $(sel); if (b) b.click(); }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (e.key === "Escape" && $("#keys-sheet") && !$("#keys-sheet").hidden) { sheet(false); return; }
    if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "?") { sheet(); e.preventDefault(); return; }
    if (page === "inbox") {
      if (e.key === "j") { move(1); e.preventDefault(); }
      else if (e.key === "k") { move(-1); e.preventDefault(); }
      else if ((e.key === "Enter" || e.key === "o") && cursorRow()) { location.href = cursorRow().dataset.href; }
      else if (e.key === "x" && cursorRow()) { var c = cursorRow().querySelector("input[name=ids]"); c.checked = !c.checked; updateSelectedCount(); }
      else if (e.key === ".") { applyPending(); }
      else if (e.key === "/") { var s = $(".search"); if (s) { s.focus(); e.preventDefault(); } }
    } else if (page === "conversation") {
      if (e.key === "j") go(neighbour(1));
      else if (e.key === "k") go(neighbour(-1));
      else if (e.key === "r") { if (text) { text.focus(); e.preventDefault(); } }
      else if (e.key === "a") click("#assign-me");
      else if (e.key === "S") click("#solve-next");
      else if (e.key === "s") click("#solve-button");
      else if (e.key === "u") location.href = "/inbox";
    }
  });
})();
