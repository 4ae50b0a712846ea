/* coopwork live.js — small, dependency-free helpers for the marketplace pages.
 *
 * - [data-live-ws]: a region kept up to date without reloading the page. It listens to a
 *   websocket (/ws/jobs/<id>/, /ws/work/<slug>/ or /ws/events/) and re-fetches its HTML from
 *   data-live-url when an event arrives; when the socket cannot be opened (or drops), it polls
 *   that URL every data-live-poll milliseconds instead. data-live-mode tells which path is in use.
 *   A burst of events gives one re-fetch soon after the first (never postponed by the next), and
 *   data-live-spread adds up to that many random milliseconds to an event's re-fetch, so the many
 *   pages one event reaches (a co-op's workers) do not all ask at the same instant.
 *   data-live-poll-always re-fetches that often even with the socket open.
 * - job.position events update the worker's ETA in place; status events update the status badge
 *   at once (labels from #status-labels), then the region is re-fetched.
 * - [data-geo-post]: while such an element is on the page, the browser's position (when the
 *   worker allows it) is posted there every few seconds. Refusals (too frequent…) are ignored.
 * - Forms: known addresses fill the address fields, a signature pad, fields shown per choice.
 * Everything here is an enhancement: every page and form works without it.
 */
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";
  var numberFormat = window.Intl ? new Intl.NumberFormat(lang, { maximumFractionDigits: 1, minimumFractionDigits: 1 }) : null;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function socketUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }

  function statusLabels() {
    var node = document.getElementById("status-labels");
    if (!node) return {};
    try { return JSON.parse(node.textContent); } catch (e) { return {}; }
  }

  /* --- Live regions ------------------------------------------------------------------------ */

  function interacting(region) {
    var active = document.activeElement;
    if (active && active !== document.body && region.contains(active) &&
        active.matches("input, select, textarea")) return true;
    return !!region.querySelector("details[open]");
  }

  function fetchInto(el, url, after) {
    if (el._busy) { el._again = true; return; }
    el._busy = true;
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true", "X-Live": "1" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        el.innerHTML = html;
        if (window.htmx) window.htmx.process(el);
        init(el);
        if (after) after();
      })
      .catch(function () {})
      .then(function () {
        el._busy = false;
        if (el._again) { el._again = false; fetchInto(el, url, after); }
      });
  }

  function refresh(region, delay) {
    delay = delay || 250;
    var due = Date.now() + delay;
    // A re-fetch already due sooner covers this one: events arriving faster than the delay must
    // not keep pushing it back.
    if (region._refreshTimer && region._refreshDue <= due) return;
    clearTimeout(region._refreshTimer);
    region._refreshDue = due;
    region._refreshTimer = setTimeout(function () {
      region._refreshTimer = null;
      if (interacting(region)) { refresh(region, 2000); return; }
      fetchInto(region, region.dataset.liveUrl);
    }, delay);
  }

  function eventDelay(region, delay) {
    var spread = parseInt(region.dataset.liveSpread || "0", 10);
    return spread ? delay + Math.floor(Math.random() * spread) : delay;
  }

  function startPolling(region) {
    var every = parseInt(region.dataset.livePoll || "0", 10);
    if (!every || region._poll) return;
    region.dataset.liveMode = "poll";
    region._poll = setInterval(function () { refresh(region, 1); }, every);
  }

  function stopPolling(region) {
    if (region._poll) { clearInterval(region._poll); region._poll = null; }
  }

  function showEta(region, payload) {
    var box = region.querySelector("[data-tracking]");
    if (!box) { refresh(region); return; }
    var target = box.querySelector("[data-eta]");
    var template = box.dataset.etaTemplate || "{min} min";
    var minutes = Math.max(1, Math.ceil((payload.eta_s || 0) / 60));
    var km = (payload.distance_m || 0) / 1000;
    var text = template
      .replace("{min}", String(minutes))
      .replace("{km}", numberFormat ? numberFormat.format(km) : km.toFixed(1))
      .replace("{time}", new Date().toLocaleTimeString(lang, { hour12: false }));
    if (target) { target.textContent = text; target.classList.remove("muted"); }
    box.dataset.lat = payload.lat;
    box.dataset.lon = payload.lon;
  }

  function handle(region, message) {
    var name = message.event || "";
    var payload = message.payload || {};
    if (name === "job.position") { showEta(region, payload); return; }
    var parts = document.querySelectorAll('[data-live-part="' + name + '"]');
    if (parts.length) {
      parts.forEach(function (part) { fetchInto(part, part.dataset.livePartUrl); });
      return;
    }
    if (payload.status) {
      var label = statusLabels()[payload.status];
      var badge = region.querySelector("[data-live-status]");
      if (badge && label) badge.textContent = label;
    }
    refresh(region, eventDelay(region, 300));
  }

  function connect(region) {
    var path = region.dataset.liveWs;
    if (!("WebSocket" in window) || !path) { startPolling(region); return; }
    var socket;
    try { socket = new WebSocket(socketUrl(path)); } catch (e) { startPolling(region); return; }
    region._socket = socket;
    socket.onopen = function () {
      var wasPolling = !!region._poll;
      stopPolling(region);
      region._retries = 0;
      region.dataset.liveMode = "socket";
      if (wasPolling) refresh(region, 1); // catch up on what happened meanwhile
    };
    socket.onmessage = function (e) {
      try { handle(region, JSON.parse(e.data)); } catch (err) { /* not for us */ }
    };
    socket.onclose = function () {
      if (region._socket !== socket) return;
      startPolling(region);
      region._retries = (region._retries || 0) + 1;
      if (region._retries <= 5 && document.body.contains(region)) {
        setTimeout(function () { connect(region); }, 4000 * region._retries);
      }
    };
  }

  function setupRegion(region) {
    if (region._live) return;
    region._live = true;
    region.dataset.liveMode = "connecting";
    var always = parseInt(region.dataset.livePollAlways || "0", 10);
    if (always) setInterval(function () { refresh(region, 1); }, always);
    connect(region);
  }

  /* --- Worker's position ------------------------------------------------------------------ */

  var geoWatch = null;
  var geoLast = 0;

  function geoTarget() { return document.querySelector("[data-geo-post]"); }

  function updateGeo() {
    var el = geoTarget();
    if (!el && geoWatch !== null) { navigator.geolocation.clearWatch(geoWatch); geoWatch = null; }
    if (!el || geoWatch !== null || !navigator.geolocation) return;
    geoWatch = navigator.geolocation.watchPosition(function (pos) {
      var target = geoTarget();
      var now = Date.now();
      if (!target || now - geoLast < 5000) return;
      geoLast = now;
      var body = new URLSearchParams();
      body.set("lat", String(pos.coords.latitude));
      body.set("lon", String(pos.coords.longitude));
      fetch(target.dataset.geoPost, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() }
      }).then(function (r) {
        var status = document.querySelector("[data-geo-status]");
        if (status && r.ok) status.textContent = "✓ " + new Date().toLocaleTimeString(lang, { hour12: false });
      }).catch(function () {});
    }, function () {}, { enableHighAccuracy: true, maximumAge: 10000, timeout: 20000 });
  }

  /* --- Forms ---------------------------------------------------------------------------------- */

  function setupKnownPlace(select) {
    if (select._known) return;
    select._known = true;
    var place = select.closest("[data-place]");
    if (place) {
      // Typing an address or coordinates by hand means the known address no longer applies.
      place.addEventListener("input", function (e) {
        if (e.target !== select && select.value) select.value = "";
      });
    }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var group = select.closest("[data-place]");
      if (!option || !option.value || !group) return;
      var fields = group.querySelectorAll("input");
      fields.forEach(function (input) {
        if (/_address$/.test(input.name)) input.value = option.dataset.address;
        if (/_lat$/.test(input.name)) input.value = option.dataset.lat;
        if (/_lon$/.test(input.name)) input.value = option.dataset.lon;
      });
    });
  }

  function setupSignature(canvas) {
    if (canvas._sig) return;
    canvas._sig = true;
    var input = document.getElementById(canvas.dataset.signatureFor);
    var clear = document.querySelector('[data-signature-clear="' + canvas.id + '"]');
    var ctx = canvas.getContext("2d");
    if (!ctx || !input) return;
    canvas.hidden = false;
    if (clear) clear.hidden = false;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#0f3d22";
    var drawing = false;
    function point(e) {
      var box = canvas.getBoundingClientRect();
      return [(e.clientX - box.left) * canvas.width / box.width, (e.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; canvas.setPointerCapture(e.pointerId);
      var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke();
    });
    function end() { if (drawing) { drawing = false; input.value = canvas.toDataURL("image/png"); } }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    if (clear) clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); input.value = "";
    });
  }

  function setupShowWhen(root) {
    root.querySelectorAll("form").forEach(function (form) {
      var dependents = form.querySelectorAll("[data-show-when]");
      if (!dependents.length || form._showWhen) return;
      form._showWhen = true;
      function apply() {
        dependents.forEach(function (el) {
          var rule = el.dataset.showWhen.split("=");
          var chosen = form.querySelector('[name="' + rule[0] + '"]:checked');
          el.hidden = !!chosen && chosen.value !== rule[1];
        });
      }
      form.addEventListener("change", apply);
      apply();
    });
  }

  function init(root) {
    root = root || document;
    root.querySelectorAll("[data-live-ws]").forEach(setupRegion);
    root.querySelectorAll("[data-place-known]").forEach(setupKnownPlace);
    root.querySelectorAll("canvas[data-signature-for]").forEach(setupSignature);
    root.querySelectorAll("[data-select-on-focus]").forEach(function (el) {
      el.addEventListener("focus", function () { el.select(); });
    });
    setupShowWhen(root);
    updateGeo();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:load", function (e) { if (e.target && e.target.querySelectorAll) init(e.target); });

  // [data-swap-if-changed]: keep the content (and a button about to be clicked) when the answer
  // is the same as what is shown, e.g. the price asked again when a field loses focus.
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (!target || !target.hasAttribute("data-swap-if-changed") || !e.detail.xhr) return;
    var html = e.detail.xhr.responseText;
    if (target._shown === html && e.detail.xhr.status < 400) e.detail.shouldSwap = false;
    else target._shown = html;
  });
})();
