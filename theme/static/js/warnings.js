/* Content warnings' gates, opened as the reader's preferences say, on the reader's device only.
 *
 * - Each gate's checkbox and label (which work without JavaScript) become one disclosure
 *   button (WAI-ARIA pattern): focus stays on it, aria-expanded says whether it is open.
 * - Preferences live in localStorage under "harbour.triggerPrefs" as {slug: "show"|"hide"};
 *   "warn" is the default and is not stored. Nothing is ever sent anywhere. They are chosen
 *   on the preferences page (preferences.js); this only reads them.
 * - A topic's level is "hide" when it or any broader topic is hidden (hiding a parent hides
 *   its children); "show" only when the reader chose "show" for that very topic, never
 *   passed down, so a narrower topic is never opened on a broader choice; otherwise "warn".
 * Only pages with a gate load this (base.html), with warnings.css. A post the preferences hide
 * gets its notice from hidden-post.js, and listings their count from listing.js.
 */
(function () {
  "use strict";

  var KEY = "harbour.triggerPrefs";

  function loadPrefs() {
    try {
      var prefs = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return prefs && typeof prefs === "object" ? prefs : {};
    } catch (error) {
      return {};
    }
  }

  var prefs = loadPrefs();

  function level(chain) {
    if (chain.some(function (slug) { return prefs[slug] === "hide"; })) {
      return "hide";
    }
    return prefs[chain[0]] === "show" ? "show" : "warn";
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function enhanceGate(gate) {
    var toggle = gate.querySelector(":scope > .cw-toggle");
    var label = gate.querySelector(":scope > .cw-notice > .cw-show");
    var body = gate.querySelector(":scope > .cw-body");
    if (!toggle || !label || !body) { return; }
    var openText = label.querySelector(".cw-show__open").textContent;
    var closeText = label.querySelector(".cw-show__close").textContent;
    var button = el("button", { type: "button", "class": "cw-button", "aria-expanded": "false", "aria-controls": body.id }, openText);

    function set(open) {
      body.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? closeText : openText;
      gate.classList.toggle("cw--open", open);
    }

    button.addEventListener("click", function () { set(body.hidden); });
    label.replaceWith(button);
    // The empty form that keeps browsers from restoring the checkbox goes with it.
    if (toggle.form) { toggle.form.remove(); }
    toggle.remove();
    var chains = (gate.getAttribute("data-cw-chains") || "").split(/\s+/).filter(Boolean);
    var levels = chains.map(function (chain) { return level(chain.split(">")); });
    set(levels.length > 0 && levels.every(function (l) { return l === "show"; }));
  }

  Array.prototype.forEach.call(document.querySelectorAll(".cw"), enhanceGate);
})();
