/* Pages that list posts: say how many of them the reader's preferences hide here (hide-early.js
 * has hidden them before the page was painted), and where to change that. Only listings load
 * this; the preferences are read as warnings.js reads them, and nothing is sent anywhere.
 */
(function () {
  "use strict";

  var prefs;
  try {
    prefs = JSON.parse(window.localStorage.getItem("harbour.triggerPrefs") || "{}");
  } catch (error) {
    return; // storage blocked or unreadable: nothing is hidden, so there is nothing to say
  }
  if (!prefs || typeof prefs !== "object") { return; }
  var prefsUrl = document.body.getAttribute("data-preferences-url") || "/preferences/";

  function isHidden(item) {
    return (item.getAttribute("data-trigger-list") || "").split(/\s+/).some(function (slug) {
      return slug && prefs[slug] === "hide";
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".post-list, .archive-list"), function (list) {
    var hidden = Array.prototype.filter.call(list.children, isHidden).length;
    if (!hidden) { return; }
    var note = document.createElement("p");
    var change = document.createElement("a");
    note.className = "prefs-hidden-note";
    note.textContent = (hidden === 1 ? "1 post is" : hidden + " posts are") + " hidden here by your reading preferences. ";
    change.href = prefsUrl;
    change.textContent = "Change them";
    note.appendChild(change);
    list.parentNode.insertBefore(note, list.nextSibling);
  });
})();
