/* Quick exit: replace this page by a neutral site, and keep it out of the back button.
 *
 * Without JavaScript the button is a plain link to the same neutral site, and nothing
 * mentions a keyboard shortcut that would not work. With it, the page is hidden at once,
 * the current history entry is replaced (so "Back" does not land here), and pressing
 * Shift three times on its own does the same from anywhere. The shortcut behaves as in
 * GOV.UK's "Exit this page" component: up to 5 seconds between presses, progress read
 * out by screen readers, and a page restored from the back/forward cache made usable.
 */
(function () {
  "use strict";

  var link = document.querySelector("[data-quick-exit]");
  if (!link) {
    return;
  }
  var PRESSES_TO_EXIT = 3;
  // Each press restarts the clock: slow or unsteady hands still get there, but a Shift
  // pressed long ago does not turn a later pair into an exit.
  var PRESS_TIMEOUT_MS = 5000;
  var ACTIVATED_MESSAGE = "Exit this page activated.";

  var pageTitle = document.title;
  var pressCount = 0;
  var pressTimer = null;
  var shiftIsAlone = false;

  // Created here rather than in the HTML: without JavaScript there is nothing to announce.
  var announcer = document.createElement("span");
  announcer.className = "visually-hidden quick-exit-status";
  announcer.setAttribute("aria-live", "polite");
  link.parentNode.appendChild(announcer);

  var hint = document.getElementById("quick-exit-hint");
  if (hint) {
    hint.hidden = false;
    link.setAttribute("aria-describedby", hint.id);
  }

  function announce(message) {
    announcer.textContent = message;
  }

  function forgetPresses() {
    window.clearTimeout(pressTimer);
    pressTimer = null;
    pressCount = 0;
    announce("");
  }

  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    forgetPresses();
    announce(ACTIVATED_MESSAGE);
    document.documentElement.classList.add("is-leaving");
    document.title = "";
    window.location.replace(link.href);
  }

  function countShiftPress() {
    pressCount += 1;
    if (pressCount >= PRESSES_TO_EXIT) {
      leave();
      return;
    }
    var left = PRESSES_TO_EXIT - pressCount;
    announce("Shift, press " + left + " more " + (left === 1 ? "time" : "times") + " to exit.");
    window.clearTimeout(pressTimer);
    pressTimer = window.setTimeout(forgetPresses, PRESS_TIMEOUT_MS);
  }

  link.addEventListener("click", leave);

  // Count only a Shift pressed and released on its own, so typing capitals never exits;
  // any other key breaks the sequence. Capture phase, so no other script can swallow it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Shift") {
      shiftIsAlone = !event.repeat;
      return;
    }
    shiftIsAlone = false;
    if (pressCount > 0) {
      forgetPresses();
    }
  }, true);
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift" || !shiftIsAlone) {
      return;
    }
    shiftIsAlone = false;
    countShiftPress();
  }, true);

  // A page restored from the back/forward cache comes back blank and half-counted:
  // show it again and start the count afresh.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.documentElement.classList.remove("is-leaving");
    document.title = pageTitle;
    shiftIsAlone = false;
    forgetPresses();
  });
})();
