/*
 * Kiosk cart widget loader. A publisher adds one tag:
 *
 *   <script async src="https://PLATFORM/kiosk.js"
 *           data-platform="https://PLATFORM" data-key="pk_..."
 *           data-merchant="m_..." data-locale="de-DE"
 *           data-ad-origins="https://ads.example"></script>
 *
 * It adds a <kiosk-cart> element and, after the page's load event, loads the
 * widget (wasm) from the platform, so it never holds up the page. The same
 * tag twice loads one widget. If the widget cannot load, the page carries on.
 *
 * With data-merchant it also puts the session bridge's hidden locator frame
 * (name "__kioskLocator") into the page at once, answers ad units' hellos
 * before the widget runs, and keeps those messages for the widget (see
 * src/bridge.rs and the README for the message format). With
 * data-ad-origins (space-separated) only frames of those origins are
 * answered.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__kioskLoader) return;
  window.__kioskLoader = true;

  var platform = (script.getAttribute("data-platform") || new URL(script.src).origin).replace(/\/$/, "");
  var assets = script.getAttribute("data-assets") || platform + "/ad/widget/";
  var host = document.createElement("kiosk-cart");
  host.setAttribute("data-platform", platform);
  ["key", "merchant", "locale", "ad-origins"].forEach(function (name) {
    var value = script.getAttribute("data-" + name);
    if (value) host.setAttribute("data-" + name, value);
  });

  var merchant = host.getAttribute("data-merchant");
  var adOrigins = (host.getAttribute("data-ad-origins") || "").split(/\s+/).filter(Boolean);
  if (merchant) {
    // An ad's hello is answered at once (with the session this page
    // remembers, or "pending"), then kept for the widget.
    var early = window.__kioskBridge = { queue: [] };
    early.listener = function (event) {
      var hello = event.data, token = null;
      if (!hello || hello.kiosk !== "bridge") return;
      early.queue.push(event);
      if (hello.v !== 1 || hello.type !== "hello" || hello.merchant !== merchant || event.ports.length !== 1) return;
      if (adOrigins.length && adOrigins.indexOf(event.origin) < 0) return;
      try { token = localStorage.getItem("kiosk.session@" + platform); } catch (e) { /* storage forbidden */ }
      event.ports[0].postMessage(token
        ? { kiosk: "bridge", v: 1, type: "session", merchant: merchant, token: token }
        : { kiosk: "bridge", v: 1, type: "pending" });
    };
    window.addEventListener("message", early.listener);
    var locator = document.createElement("iframe");
    locator.name = "__kioskLocator";
    locator.title = "Kiosk cart locator";
    locator.hidden = true;
    locator.tabIndex = -1;
    locator.setAttribute("aria-hidden", "true");
    (function place() {
      if (document.body) document.body.appendChild(locator);
      else setTimeout(place, 5);
    })();
  }

  function start() {
    document.body.appendChild(host);
    import(assets + "widget.js")
      .then(function (glue) { return glue.default({ module_or_path: assets + "widget_bg.wasm" }); })
      .catch(function (error) { console.warn("Kiosk: the cart is unavailable", error); });
  }
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
