/* crowdcare community portal: the live queue, notices, the composer's lease and checks.
   No build step; htmx does the swapping. */
(function () {
  "use strict";
  var body = document.body;
  if (!body.dataset.portal) return;
  var mentionId = body.dataset.mention ? Number(body.dataset.mention) : null;
  var csrf = (JSON.parse(body.getAttribute("hx-headers") || "{}"))["X-CSRF-Token"];
  var wsBase = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  window.crowdcareCommunity = { events: 0 };

  function $(sel, root) { return (root || document).querySelector(sel); }
  function debounce(fn, ms) { var t; return function () { clearTimeout(t); t = setTimeout(fn, ms); }; }

  /* ---------- notices ---------- */
  function notice(text, kind) {
    var box = $("#notices");
    if (!box || !text) return;
    var el = document.createElement("div");
    el.className = "notice notice-" + (kind || "info");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }

  /* ---------- the queue and the mention page redraw live ---------- */
  function refreshQueue() {
    var q = $("#queue");
    if (q && window.htmx) {
      htmx.ajax("GET", q.dataset.refresh, { target: "#queue", swap: "innerHTML" }).then(function () {
        body.dataset.refreshed = String(Date.now());
      });
    }
  }
  function refreshMention() {
    var box = $("#claim-box"), state = $("#claim-state");
    if (!box) return;
    fetch("/community/m/" + mentionId + "/state", { credentials: "same-origin" }).then(function (r) {
      if (r.status === 404) {
        box.innerHTML = '<div class="card gone" id="claim-state" data-state="gone">This mention left the community queue: staff or another advocate answered it, or it needs staff now. Thank you! <a href="/community">Back to the queue</a></div>';
        var thread = $(".thread"); if (thread) thread.classList.add("faded");
        return null;
      }
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) return;
      var tpl = document.createElement("template");
      tpl.innerHTML = html.trim();
      var fresh = tpl.content.querySelector("#claim-state");
      if (fresh && state && fresh.dataset.state !== state.dataset.state) {
        box.innerHTML = html;
        if (window.htmx) htmx.process(box);
        wireComposer();
      }
    });
  }
  var refreshSoon = debounce(function () { if (mentionId) refreshMention(); else refreshQueue(); }, 250);

  function onEvent(ev) {
    window.crowdcareCommunity.events += 1;
    if (ev.name === "queue") refreshSoon();
    else if (ev.name === "notice") notice(ev.text, ev.kind);
  }
  var backoff = 500;
  function connect() {
    var ws = new WebSocket(wsBase + "/community/live");
    ws.onopen = function () {
      backoff = 500;
      var dot = $("#live"); if (dot) { dot.classList.add("on"); dot.title = "Live"; }
      body.dataset.live = "1";
    };
    ws.onmessage = function (e) {
      var data = JSON.parse(e.data);
      (Array.isArray(data) ? data : [data]).forEach(onEvent);
    };
    ws.onclose = function () {
      body.dataset.live = "0";
      var dot = $("#live"); if (dot) dot.classList.remove("on");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }
  connect();

  /* ---------- the composer: snippets, the lease, checks, release on leave ---------- */
  var leaving = true, lastRenew = Date.now();
  function post(url) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
  }
  function wireComposer() {
    var draft = $("#draft");
    if (!draft || draft.dataset.wired) return;
    draft.dataset.wired = "1";
    var snippet = $("#snippet");
    if (snippet) snippet.addEventListener("change", function () {
      var opt = snippet.selectedOptions[0];
      if (opt && opt.dataset.body) {
        draft.value = draft.value.trim() ? draft.value.replace(/\s*$/, " ") + opt.dataset.body : opt.dataset.body;
        draft.dispatchEvent(new Event("input", { bubbles: true }));
        draft.focus();
      }
      snippet.value = "";
    });
    draft.addEventListener("input", function () {   // typing keeps the lease
      if (Date.now() - lastRenew > 60000) {
        lastRenew = Date.now();
        post("/community/m/" + mentionId + "/renew").then(function (r) {
          if (!r.ok) notice("Your hold on this mention expired: claim it again.", "error");
          else r.json().then(function (d) { var u = $("#lease-until"); if (u) u.textContent = d.expires_at.slice(11, 16); });
        });
      }
    });
    draft.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("#answer-form").requestSubmit(); }
    });
    ["#answer-form", "#handover-form"].forEach(function (sel) {
      var f = $(sel); if (f) f.addEventListener("submit", function () { leaving = false; });
    });
    var rel = $("#release"); if (rel) rel.addEventListener("click", function () { leaving = false; });
  }
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "checks") {
      var c = $("#checks .checks"), submit = $("#submit");
      if (c && submit) submit.disabled = c.dataset.ok !== "1";
    }
  });
  if (mentionId) {
    wireComposer();
    window.addEventListener("pagehide", function () {
      var state = $("#claim-state");
      if (!leaving || !state || state.dataset.state !== "mine" || !navigator.sendBeacon) return;
      var data = new FormData();
      data.append("csrf_token", csrf);
      navigator.sendBeacon("/community/m/" + mentionId + "/release?beacon=1", data);
    });
  }
})();
