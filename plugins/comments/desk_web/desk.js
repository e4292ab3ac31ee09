// The desk without reloads, and its keyboard shortcuts. Without this script every form still
// works: it only sends them with fetch and swaps in the main region the desk answers with.
(function () {
  "use strict";

  var main = document.getElementById("main");
  if (!main || !window.fetch || !window.FormData) {
    return;
  }
  var current = null; // the comment the shortcuts act on when none is ticked
  var busy = false;

  function comments() {
    return Array.prototype.slice.call(main.querySelectorAll("article.comment"));
  }

  function ticked() {
    return Array.prototype.slice.call(main.querySelectorAll('input[name="id"][form="bulk"]:checked'));
  }

  function say(text, problem) {
    var notice = document.getElementById("notice");
    if (!notice) {
      return;
    }
    notice.className = "message" + (problem ? " problem" : "");
    notice.setAttribute("role", problem ? "alert" : "status");
    notice.textContent = text;
    notice.focus();
  }

  function formBody(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    return new URLSearchParams(data).toString();
  }

  function send(form, submitter) {
    if (busy) {
      return;
    }
    busy = true;
    var index = current ? comments().indexOf(current) : -1;
    var building = form.getAttribute("action") !== "/act";
    if (building) {
      say(form.getAttribute("action") === "/build" ? "Building the site…" : "Publishing…", false);
    }
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
      body: formBody(form, submitter)
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      if (typeof answer.main !== "string") {
        say(answer.message || "The desk refused this step; nothing was changed.", true);
        return;
      }
      main.innerHTML = answer.main;
      if (answer.title) {
        document.title = answer.title;
      }
      var list = comments();
      current = index >= 0 && list.length ? list[Math.min(index, list.length - 1)] : null;
      var notice = document.getElementById("notice");
      if (notice) {
        notice.focus();
      }
    }).catch(function () {
      say("The desk did not answer: is it still running? Nothing more was sent.", true);
    }).then(function () {
      busy = false;
    });
  }

  main.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.method.toLowerCase() !== "post") {
      return;
    }
    event.preventDefault();
    send(form, event.submitter);
  });

  main.addEventListener("focusin", function (event) {
    var article = event.target.closest && event.target.closest("article.comment");
    if (article) {
      current = article;
    }
  });

  function focusComment(step) {
    var list = comments();
    if (!list.length) {
      return;
    }
    var at = current ? list.indexOf(current) : -1;
    var next = list[Math.max(0, Math.min(list.length - 1, at + step))];
    current = next;
    next.focus();
    next.scrollIntoView({block: "nearest"});
  }

  function inside(selector) {
    return current ? current.querySelector(selector) : null;
  }

  function press(button) {
    if (button) {
      button.click();
    }
  }

  function bulk(action) {
    return main.querySelector('#bulk button[value="' + action + '"]');
  }

  // A step on the ticked comments when any are ticked, else on the current one.
  function step(action) {
    if (ticked().length) {
      if (action === "reject") {
        var reason = document.getElementById("bulk-reason");
        reason.focus();
      } else if (action === "warn") {
        document.getElementById("bulk-warning").focus();
      } else {
        press(bulk(action));
      }
      return;
    }
    if (!current) {
      say("Move to a comment first (j and k), or tick some.", true);
      return;
    }
    if (action === "reject") {
      inside('input[name="reason"]').focus();
    } else if (action === "warn") {
      var select = inside('select[name="warning"]');
      if (select) {
        select.focus();
      }
    } else if (action === "reply") {
      var details = inside("details.reply");
      if (details) {
        details.open = true;
        details.querySelector("textarea").focus();
      }
    } else {
      press(inside('button[value="' + action + '"]'));
    }
  }

  var keys = {
    j: function () { focusComment(1); },
    k: function () { focusComment(-1); },
    x: function () {
      var box = inside('input[name="id"]');
      if (box) {
        box.click();
      }
    },
    a: function () { step("approve"); },
    s: function () { step("spam"); },
    r: function () { step("reject"); },
    w: function () { step("warn"); },
    e: function () { step("reply"); },
    u: function () { press(main.querySelector('button[value="undo"]')); },
    b: function () { press(main.querySelector('form[action="/build"] button')); }
  };

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) {
      return;
    }
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" && target.type !== "checkbox" || tag === "TEXTAREA" || tag === "SELECT" ||
        (target && target.isContentEditable)) {
      return;
    }
    var run = keys[event.key];
    if (run) {
      event.preventDefault();
      run();
    }
  });
}());
