/* The comment form, sent in place. Without JavaScript it is a plain POST to the receiver and each
 * "Reply" link opens the receiver's reply page; this only improves on that.
 *
 * - A token comes from <receiver>/token on the first focus in a field: the receiver takes a
 *   comment sent with it once it is min_fill_seconds old (against bots), and only once, so a
 *   send retried after a failure can never make two comments.
 * - The answer's message goes in the status region, which takes focus; each field's error is
 *   tied to it (aria-invalid, aria-describedby). The words stay in the form until the receiver
 *   has them: a failed send loses nothing.
 * - "Reply" moves the form under its comment; "Cancel reply" puts it back.
 * Nothing is stored on the reader's device; nothing goes anywhere but the form's own receiver.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-comment-form]");
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData || !form.closest) { return; }
  var status = form.querySelector("#comment-form-status");
  var replying = form.querySelector("#comment-form-replying");
  var home = document.createComment(" the comment form's place ");
  form.parentNode.insertBefore(home, form);
  var els = form.elements;
  var token = null;
  var tokenRequest = null;
  var asked = false; // on focus, once per comment: a receiver that is down is not asked at every focus
  var sending = false;
  var replyLink = null;

  function getToken() {
    if (!tokenRequest) {
      tokenRequest = fetch(form.getAttribute("data-token-url"), {
        headers: { Accept: "application/json" }, credentials: "omit", cache: "no-store"
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      }).then(function (data) {
        token = { value: String(data.token), ready: Date.now() + 1000 * (Number(data.min_fill_seconds) || 0) + 500 };
        els.token.value = token.value;
      }).catch(function () {
        tokenRequest = null; // asked again when the comment is sent
      });
    }
    return tokenRequest;
  }

  function forgetToken() {
    token = tokenRequest = null;
    asked = false;
    els.token.value = "";
  }

  function describe(field) {
    var ids = [field.getAttribute("data-hint")];
    if (field.getAttribute("aria-invalid") === "true") { ids.unshift(field.id + "-error"); }
    if (field === els.body && !replying.hidden) { ids.push(replying.id); }
    field.setAttribute("aria-describedby", ids.filter(Boolean).join(" "));
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".comment-form__error"), function (p) { p.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (field) {
      field.removeAttribute("aria-invalid");
      describe(field);
    });
  }

  function say(message, kind, problems) {
    status.textContent = "";
    status.className = "comment-form__status comment-form__status--" + kind;
    var p = document.createElement("p");
    p.textContent = message;
    status.appendChild(p);
    problems = (problems || []).filter(function (problem) { return problem.message !== message; });
    if (problems.length) {
      var list = document.createElement("ul");
      problems.forEach(function (problem) {
        var item = document.createElement("li");
        var link = document.createElement(problem.field ? "a" : "span");
        link.textContent = problem.message;
        if (problem.field) {
          link.href = "#" + problem.field.id;
          link.addEventListener("click", function (event) { event.preventDefault(); problem.field.focus(); });
        }
        item.appendChild(link);
        list.appendChild(item);
      });
      status.appendChild(list);
    }
    if (kind !== "busy") { status.focus(); }
  }

  function showErrors(errors) {
    var problems = [];
    Object.keys(errors || {}).forEach(function (name) {
      var field = els[name];
      var message = String(errors[name]);
      if (!field || !field.id || field.type === "hidden" || field.closest("[aria-hidden]")) {
        problems.push({ field: null, message: message });
        return;
      }
      var p = document.createElement("p");
      p.className = "comment-form__error";
      p.id = field.id + "-error";
      p.textContent = message;
      field.parentNode.insertBefore(p, field);
      field.setAttribute("aria-invalid", "true");
      describe(field);
      problems.push({ field: field, message: message });
    });
    return problems;
  }

  function startReply(link) {
    var comment = link.closest(".comment");
    comment.parentNode.insertBefore(form, comment.nextSibling);
    replyLink = link;
    els.reply_to.value = link.getAttribute("data-reply-to");
    replying.querySelector("span").textContent =
      "Replying to " + link.getAttribute("data-reply-author");
    replying.hidden = false;
    describe(els.body);
    els.body.focus();
  }

  function cancelReply(focusLink) {
    home.parentNode.insertBefore(form, home.nextSibling);
    els.reply_to.value = "";
    replying.hidden = true;
    describe(els.body);
    if (focusLink && replyLink) { replyLink.focus(); }
    replyLink = null;
  }

  function send() {
    var wait = token ? token.ready - Date.now() : 0;
    return new Promise(function (resolve) { setTimeout(resolve, Math.max(0, wait)); }).then(function () {
      return fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8" },
        body: new URLSearchParams(new FormData(form)).toString(),
        credentials: "omit"
      });
    }).then(function (response) { return response.json(); });
  }

  function answered(data) {
    if (data && data.ok) {
      forgetToken();
      if (replyLink) { cancelReply(false); }
      els.body.value = "";
      if (els.content_warning) { els.content_warning.value = ""; }
      say(String(data.message), "done");
      return;
    }
    var errors = (data && data.errors) || {};
    if (errors.token) { forgetToken(); }
    say(String((data && data.message) || "Your comment could not be sent."), "error", showErrors(errors));
  }

  Array.prototype.forEach.call(form.querySelectorAll("input, textarea, select"), function (field) {
    if (field.id) {
      field.setAttribute("data-hint", field.getAttribute("aria-describedby") || "");
    }
  });

  function startedIn(field) {
    // A field, not the policy link in a hint: reading about the form is not starting a comment.
    if (!asked && field && form.contains(field) && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(field.tagName)) {
      asked = true;
      getToken();
    }
  }

  form.addEventListener("focusin", function (event) { startedIn(event.target); });
  // comment-loader.js loads this on the first focus in the form: that focus counts too.
  startedIn(document.activeElement);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) { return; }
    sending = true;
    clearErrors();
    say("Sending your comment…", "busy");
    getToken().then(send).then(answered, function () {
      say("Your comment could not be sent: the comment service did not answer. Nothing is lost: your " +
          "words are still here. Please try again in a little while.", "error");
    }).then(function () { sending = false; });
  });

  replying.querySelector("button").addEventListener("click", function () { cancelReply(true); });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-reply-to]");
    if (!link || event.button || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    event.preventDefault();
    startReply(link);
  });
})();
