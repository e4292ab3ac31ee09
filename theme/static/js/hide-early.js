/* Runs in <head>, before the page is painted: hides the posts a reader chose to hide on
 * this device, so they never flash into view. The rest of the work is in warnings.js. */
(function () {
  "use strict";
  try {
    var prefs = JSON.parse(window.localStorage.getItem("harbour.triggerPrefs") || "{}");
    var rules = Object.keys(prefs).filter(function (slug) {
      return prefs[slug] === "hide" && /^[a-z0-9-]+$/.test(slug);
    }).map(function (slug) {
      return '[data-trigger-list~="' + slug + '"]:not(.trigger-shown-once)';
    });
    if (rules.length) {
      var style = document.createElement("style");
      style.id = "trigger-hide-early";
      style.textContent = rules.join(",\n") + " { display: none !important; }";
      document.head.appendChild(style);
    }
  } catch (error) {
    // Storage blocked or unreadable: nothing is hidden, and every warning still stands.
  }
})();
