/* Content warnings and reading preferences, on the reader's device only.
 *
 * - Each gate's checkbox and label (which work without JavaScript) become one disclosure
 *   button (WAI-ARIA pattern): focus stays on it, aria-expanded says whether it is open.
 * - Preferences live in localStorage under "harbour.triggerPrefs" as {slug: "show"|"hide"};
 *   "warn" is the default and is not stored. Nothing is ever sent anywhere. They are chosen
 *   on the preferences page (preferences.js); this only reads them.
 * - A topic's level is "hide" when it or any broader topic is hidden (hiding a parent hides
 *   its children); "show" only when the reader chose "show" for that very topic, never
 *   passed down, so a narrower topic is never opened on a broader choice; otherwise "warn".
 */
(function () {
  "use strict";

  var KEY = "harbour.triggerPrefs";
  var prefsUrl = document.body.getAttribute("data-preferences-url") || "/preferences/";

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

  function isHidden(element) {
    var list = (element.getAttribute("data-trigger-list") || "").split(/\s+/).filter(Boolean);
    return list.some(function (slug) { return prefs[slug] === "hide"; });
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  // --- Gates -----------------------------------------------------------------------

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

  // --- Posts hidden by the reader's own choice ----------------------------------------

  function hiddenNames(element) {
    return element.getAttribute("data-trigger-names") || "a topic you chose to hide";
  }

  Array.prototype.forEach.call(document.querySelectorAll(".post-content[data-trigger-list]"), function (content) {
    if (!isHidden(content)) { return; }
    var notice = el("div", { "class": "prefs-hidden-post", role: "note" });
    notice.appendChild(el("p", {}, "This post touches on " + hiddenNames(content) +
      ", and you chose to hide posts about a topic among these. It is hidden by your own reading preferences."));
    var actions = el("p", { "class": "prefs-hidden-post__actions" });
    var once = el("button", { type: "button", "class": "button" }, "Show this post once");
    var change = el("a", { href: prefsUrl }, "Change your reading preferences");
    actions.appendChild(once);
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(change);
    notice.appendChild(actions);
    content.parentNode.insertBefore(notice, content);
    once.addEventListener("click", function () {
      Array.prototype.forEach.call(document.querySelectorAll(".post-comments[data-trigger-list]"), function (comments) {
        comments.classList.add("trigger-shown-once");
      });
      content.classList.add("trigger-shown-once");
      content.setAttribute("tabindex", "-1");
      notice.remove();
      content.focus();
    });
  });

  // Listings: say how many posts the reader's preferences left out, and where to change them.
  Array.prototype.forEach.call(document.querySelectorAll(".post-list, .archive-list"), function (list) {
    var hidden = Array.prototype.filter.call(list.children, function (item) {
      return item.hasAttribute("data-trigger-list") && isHidden(item);
    });
    if (!hidden.length) { return; }
    var note = el("p", { "class": "prefs-hidden-note" });
    note.appendChild(document.createTextNode(
      (hidden.length === 1 ? "1 post is" : hidden.length + " posts are") + " hidden here by your reading preferences. "));
    note.appendChild(el("a", { href: prefsUrl }, "Change them"));
    list.parentNode.insertBefore(note, list.nextSibling);
  });
})();
