// Loaded before Redoc's bundle on /api/redoc/: Redoc draws the "API docs by Redocly" logo from cdn.redoc.ly,
// which the Content-Security-Policy blocks (a console error) and which would tell a third party the docs were
// opened. Any image source on another origin is swapped for the site's own icon before the request starts.
(function () {
  "use strict";
  var local = document.currentScript.getAttribute("data-local-image");
  function outside(value) {
    try {
      return new URL(String(value), window.location.href).origin !== window.location.origin;
    } catch (error) {
      return false;
    }
  }
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && outside(value)) {
      value = local;
    }
    return setAttribute.call(this, name, value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) { src.set.call(this, outside(value) ? local : value); }
  });
})();
