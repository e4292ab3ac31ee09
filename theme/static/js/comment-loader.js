/* Loads comment-form.js, with comment-form.css (the styles of what it shows), only when a reader
 * starts a comment: most readers never do, and the form works without any script. The first
 * focus or press in the form, or a press of a "Reply" link, loads them. A Reply or a send
 * pressed meanwhile waits for the script and is handed over once it is there; if it cannot load,
 * they go ahead as without JavaScript (the receiver's reply page, a plain POST), so nothing a
 * reader does is ever lost. A stylesheet that fails to load only leaves those parts plainer.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-comment-form]");
  var me = document.currentScript;
  if (!form || !me) { return; }
  var state = "waiting"; // then "loading", then "loaded" or "failed"
  var pendingReply = null;
  var pendingSend = false;

  function done(loaded) {
    state = loaded ? "loaded" : "failed";
    // From now on comment-form.js answers Reply and send itself, or the browser does.
    document.removeEventListener("click", onReply);
    form.removeEventListener("submit", onSend);
    if (pendingReply) {
      if (loaded) { pendingReply.click(); } else { window.location.href = pendingReply.href; }
    }
    if (pendingSend) {
      if (loaded && form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
    pendingReply = null;
    pendingSend = false;
  }

  function load() {
    if (state !== "waiting") { return; }
    state = "loading";
    var styles = document.createElement("link");
    styles.rel = "stylesheet";
    styles.href = me.src.replace(/js\/comment-loader\.js(\?.*)?$/, "css/comment-form.css");
    document.head.appendChild(styles);
    var script = document.createElement("script");
    script.src = me.src.replace(/comment-loader\.js(\?.*)?$/, "comment-form.js");
    script.onload = function () { done(true); };
    script.onerror = function () { done(false); };
    document.head.appendChild(script);
  }

  function onReply(event) {
    var link = event.target.closest && event.target.closest("a[data-reply-to]");
    if (!link || event.button || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    pendingReply = link;
    load();
  }

  function onSend(event) {
    event.preventDefault();
    pendingSend = true;
    load();
  }

  form.addEventListener("focusin", load);
  form.addEventListener("pointerdown", load);
  form.addEventListener("submit", onSend);
  document.addEventListener("click", onReply);
})();
