/*
 * Kiosk cart widget loader. A publisher adds one tag:
 *
 *   <script async src="https://PLATFORM/kiosk.js"
 *           data-platform="https://PLATFORM" data-key="pk_..."
 *           data-merchant="m_..." data-locale="de-DE"></script>
 *
 * It adds a <kiosk-cart> element and, after the page's load event, loads the
 * widget (wasm) from the platform, so it never holds up the page. The same
 * tag twice loads one widget. If the widget cannot load, the page carries on.
 *
 * With data-merchant it also puts the session bridge's hidden locator frame
 * (name "__kioskLocator") into the page at once, and keeps the bridge
 * messages ad units send before the widget runs, which answers them.
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
  ["key", "merchant", "locale"].forEach(function (name) {
    var value = script.getAttribute("data-" + name);
    if (value) host.setAttribute("data-" + name, value);
  });

  if (host.hasAttribute("data-merchant")) {
    var early = window.__kioskBridge = { queue: [] };
    early.listener = function (event) {
      if (event.data && event.data.kiosk === "bridge") early.queue.push(event);
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
