/*
 * Kiosk cart widget loader. A publisher adds one tag:
 *
 *   <script async src="https://PLATFORM/kiosk.js"
 *           data-platform="https://PLATFORM" data-key="pk_..."
 *           data-locale="de-DE"></script>
 *
 * It adds a <kiosk-cart> element and, after the page's load event, loads the
 * widget (wasm) from the platform, so it never holds up the page. The same
 * tag twice loads one widget. If the widget cannot load, the page carries on.
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
  ["key", "locale"].forEach(function (name) {
    var value = script.getAttribute("data-" + name);
    if (value) host.setAttribute("data-" + name, value);
  });

  function start() {
    document.body.appendChild(host);
    import(assets + "widget.js")
      .then(function (glue) { return glue.default({ module_or_path: assets + "widget_bg.wasm" }); })
      .catch(function (error) { console.warn("Kiosk: the cart is unavailable", error); });
  }
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
