/* A post about a topic the reader chose to hide (on the preferences page; stored on this device
 * only, under "harbour.triggerPrefs", as warnings.js reads it). hide-early.js has hidden its text
 * and comments before the page was painted; this puts a notice in their place that says why,
 * with "Show this post once" and a way to change the preferences. Only posts with trigger tags
 * load this (base.html, where the post's text carries data-trigger-names).
 */
(function () {
  "use strict";

  var prefs;
  try {
    prefs = JSON.parse(window.localStorage.getItem("harbour.triggerPrefs") || "{}");
  } catch (error) {
    return; // storage blocked or unreadable: nothing was hidden
  }
  if (!prefs || typeof prefs !== "object") { return; }
  var prefsUrl = document.body.getAttribute("data-preferences-url") || "/preferences/";

  function isHidden(element) {
    return (element.getAttribute("data-trigger-list") || "").split(/\s+/).some(function (slug) {
      return slug && prefs[slug] === "hide";
    });
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  Array.prototype.forEach.call(document.querySelectorAll(".post-content[data-trigger-list]"), function (content) {
    if (!isHidden(content)) { return; }
    var names = content.getAttribute("data-trigger-names") || "a topic you chose to hide";
    var notice = el("div", { "class": "prefs-hidden-post", role: "note" });
    notice.appendChild(el("p", {}, "This post touches on " + names +
      ", and you chose to hide posts about a topic among these. It is hidden by your own reading preferences."));
    var actions = el("p", { "class": "prefs-hidden-post__actions" });
    var once = el("button", { type: "button", "class": "button" }, "Show this post once");
    actions.appendChild(once);
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(el("a", { href: prefsUrl }, "Change your reading preferences"));
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
})();
