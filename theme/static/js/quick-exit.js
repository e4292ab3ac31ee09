/* Quick exit: replace this page by a neutral site, and keep it out of the back button.
 *
 * Without JavaScript the button is a plain link to the same neutral site. With it, the
 * page is hidden at once, the current history entry is replaced (so "Back" does not land
 * here), and pressing Shift three times on its own does the same from anywhere, as in
 * GOV.UK's "Exit this page" component.
 */
(function () {
  "use strict";

  var link = document.querySelector("[data-quick-exit]");
  if (!link) {
    return;
  }
  var PRESSES = 3;
  var WITHIN_MS = 2000;
  var presses = [];
  var loneShift = false;

  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    document.documentElement.classList.add("is-leaving");
    document.title = "";
    window.location.replace(link.href);
  }

  link.addEventListener("click", leave);

  var hint = document.getElementById("quick-exit-hint");
  if (hint) {
    hint.hidden = false;
  }

  // Count only a Shift pressed and released on its own, so typing capitals never exits.
  document.addEventListener("keydown", function (event) {
    loneShift = event.key === "Shift" && !event.repeat;
  });
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift" || !loneShift) {
      return;
    }
    loneShift = false;
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < WITHIN_MS; });
    presses.push(now);
    if (presses.length >= PRESSES) {
      presses = [];
      leave();
    }
  });
})();
