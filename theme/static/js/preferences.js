/* The reading preferences page: each topic's show / warn / hide, kept on this device only.
 *
 * Preferences live in localStorage under "harbour.triggerPrefs" as {slug: "show"|"hide"}
 * (hide-early.js and warnings.js read them there); "warn" is the default and is not stored.
 * Each choice is saved as it is made; "Save preferences" saves them all again and says so,
 * "Reset every topic to Warn" clears them (with an undo), and the filter box narrows the list.
 * The form is hidden until this script shows it: without a script nothing could keep a choice.
 */
(function () {
  "use strict";

  var KEY = "harbour.triggerPrefs";
  var CANNOT_SAVE = "Your browser would not let this page save preferences: they will not be kept.";
  var form = document.querySelector("[data-prefs-form]");
  if (!form) { return; }
  var status = form.querySelector("[data-prefs-status]");
  var topics = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-slug]"));
  var bySlug = {};
  topics.forEach(function (topic) { bySlug[topic.getAttribute("data-slug")] = topic; });

  function loadPrefs() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return stored && typeof stored === "object" ? stored : {};
    } catch (error) {
      return {};
    }
  }

  function savePrefs(prefs) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(prefs));
      return true;
    } catch (error) {
      return false;
    }
  }

  function nameOf(topic) {
    return topic.querySelector("legend").firstChild.textContent.trim();
  }

  function chosen(topic) {
    var radio = topic.querySelector("input:checked");
    return radio ? radio.value : "warn";
  }

  // What the form shows, as stored preferences (only what differs from "warn").
  function choices() {
    var prefs = {};
    topics.forEach(function (topic) {
      var value = chosen(topic);
      if (value !== "warn") { prefs[topic.getAttribute("data-slug")] = value; }
    });
    return prefs;
  }

  // A narrower topic under a hidden one is hidden whatever its own choice: say so on its line.
  function showCoverage() {
    topics.forEach(function (topic) {
      var hiddenBy = null;
      var parent = bySlug[topic.getAttribute("data-parent")];
      while (parent) {
        if (chosen(parent) === "hide") { hiddenBy = parent; }
        parent = bySlug[parent.getAttribute("data-parent")];
      }
      var note = topic.querySelector(".prefs-topic__note");
      note.textContent = hiddenBy && chosen(topic) !== "hide" ? "Hidden with " + nameOf(hiddenBy) : "";
      topic.classList.toggle("prefs-topic--covered", Boolean(note.textContent));
    });
  }

  function show(prefs) {
    topics.forEach(function (topic) {
      var value = prefs[topic.getAttribute("data-slug")];
      var radio = topic.querySelector('input[value="' + (value === "show" || value === "hide" ? value : "warn") + '"]');
      radio.checked = true;
    });
    showCoverage();
  }

  function say(message) {
    status.textContent = message;
  }

  // --- Undo, offered after "Reset all" -------------------------------------------------
  var undo = document.createElement("button");
  undo.type = "button";
  undo.className = "button";
  undo.hidden = true;
  undo.textContent = "Undo reset";
  status.parentNode.insertBefore(undo, status);
  var beforeReset = null;

  function forgetUndo() {
    beforeReset = null;
    if (undo === document.activeElement) { form.querySelector("[data-prefs-reset]").focus(); }
    undo.hidden = true;
  }

  undo.addEventListener("click", function () {
    var restored = beforeReset || {};
    show(restored);
    forgetUndo();
    say(savePrefs(restored) ? "Your choices are back as they were, and saved on this device." : CANNOT_SAVE);
  });

  form.querySelector("[data-prefs-reset]").addEventListener("click", function () {
    var current = choices();
    show({});
    var saved = savePrefs({});
    if (Object.keys(current).length) {
      beforeReset = current;
      undo.hidden = false;
    }
    say(saved ? "Every topic is back to Warn, and saved on this device." : CANNOT_SAVE);
  });

  // --- Choosing and saving -----------------------------------------------------------
  form.addEventListener("change", function (event) {
    var topic = event.target.closest("fieldset[data-slug]");
    if (!topic) { return; }
    forgetUndo();
    showCoverage();
    say(savePrefs(choices())
      ? "Saved on this device: " + nameOf(topic) + " set to " + event.target.value + "."
      : CANNOT_SAVE);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault(); // first: nothing is ever sent, whatever happens below
    forgetUndo();
    say(savePrefs(choices()) ? "Your preferences are saved on this device." : CANNOT_SAVE);
  });

  // --- Descriptions and the filter ----------------------------------------------------
  form.querySelector("[data-prefs-describe]").addEventListener("change", function (event) {
    form.classList.toggle("prefs--described", event.target.checked);
  });

  var filter = form.querySelector("[data-prefs-filter]");
  var count = form.querySelector("[data-prefs-count]");
  var none = form.querySelector("[data-prefs-none]");

  function words(topic) {
    return [nameOf(topic), topic.getAttribute("data-aliases"),
      topic.querySelector(".prefs-topic__description").textContent].join(" ").toLowerCase();
  }

  // A topic shows when it matches, or when a narrower topic under it does (its group's line).
  function applyFilter() {
    var wanted = filter.value.trim().toLowerCase();
    var shown = {};
    topics.forEach(function (topic) {
      if (wanted && words(topic).indexOf(wanted) === -1) { return; }
      for (var t = topic; t; t = bySlug[t.getAttribute("data-parent")]) { shown[t.getAttribute("data-slug")] = true; }
    });
    var matching = 0;
    topics.forEach(function (topic) {
      topic.hidden = !shown[topic.getAttribute("data-slug")];
      if (!topic.hidden) { matching += 1; }
    });
    none.hidden = matching > 0;
    count.textContent = wanted ? matching + " of " + topics.length + " topics shown" : "";
  }

  filter.addEventListener("input", applyFilter);
  filter.addEventListener("keydown", function (event) {
    // Enter in the filter finds; it does not press "Save preferences".
    if (event.key === "Enter") { event.preventDefault(); }
    if (event.key === "Escape" && filter.value) { filter.value = ""; applyFilter(); }
  });

  show(loadPrefs());
  document.querySelector("[data-prefs-nojs]").hidden = true;
  form.hidden = false;
})();
