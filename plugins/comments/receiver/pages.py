"""The HTML pages the receiver answers with when JavaScript is off: the form (with errors, to check
a comment, or to reply), a thank-you page and a plain message.

Each page is self-contained (inline CSS, system fonts, nothing loaded from any other host), in
the site's colours, accessible (labels, errors tied to their fields, one h1, the page's
language) and carries the site's safety chrome as plain links, the quick exit first. Every
value that came with a request is escaped here, and only here: callers pass plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin

from comments.receiver.manifest import PostEntry, PublishedComment
from comments.sanitise import is_allowed_href, render_comment_body
from trigger_tags.vocabulary import Trigger, Vocabulary

STYLE = """
:root { color-scheme: light dark; --bg: #fbfaf6; --surface: #f1eee6; --text: #1e2227; --muted: #4d535b;
  --link: #0b5752; --border: #c9c3b6; --focus: #ffbf47; --focus-ink: #0b0c0c; --exit-bg: #6b1f45;
  --exit-text: #fff; --support-bg: #e5efe9; --support-text: #0b3d38; --error: #a4262c; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171b; --surface: #1d2228; --text: #ebe8e1;
  --muted: #b9b5ad; --link: #8fd6cf; --border: #47505a; --exit-bg: #f4bfd6; --exit-text: #2b0a1b;
  --support-bg: #1f3632; --support-text: #cfeee8; --error: #ff9e9e; } }
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.6; font-size: 1.125rem;
  font-family: "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif; }
h1, h2 { font-family: Georgia, "Iowan Old Style", "Times New Roman", serif; line-height: 1.25; }
a { color: var(--link); }
a:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible, button:focus-visible,
[tabindex="-1"]:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
.safety { display: flex; flex-wrap: wrap; gap: .5rem 1rem; justify-content: space-between;
  padding: .5rem 1rem; background: var(--surface); border-bottom: 1px solid var(--border); }
.quick-exit { background: var(--exit-bg); color: var(--exit-text); padding: .35rem .8rem;
  border-radius: .3rem; font-weight: 700; text-decoration: none; }
.support-link { background: var(--support-bg); color: var(--support-text); padding: .35rem .8rem;
  border-radius: .3rem; }
main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
.site-name { color: var(--muted); margin: 1rem 0 0; }
.message { border-left: 4px solid var(--link); padding: .5rem 1rem; background: var(--surface); }
.message.problem { border-left-color: var(--error); }
.field { margin: 1.25rem 0; }
label { display: block; font-weight: 700; }
.hint { color: var(--muted); margin: .1rem 0 .3rem; font-size: 1rem; }
.field-error { color: var(--error); font-weight: 700; margin: .2rem 0; }
input[type=text], input[type=email], input[type=url], textarea, select { width: 100%; font: inherit;
  color: inherit; background: var(--bg); border: 2px solid var(--muted); border-radius: .3rem;
  padding: .4rem; }
[aria-invalid=true] { border-color: var(--error); }
textarea { min-height: 12rem; }
button { font: inherit; font-weight: 700; padding: .5rem 1.2rem; border-radius: .3rem;
  border: 2px solid var(--link); background: var(--link); color: var(--bg); cursor: pointer; }
.leave-empty { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
blockquote, .preview { margin: 1rem 0; padding: .5rem 1rem; border-left: 4px solid var(--border);
  background: var(--surface); }
.kept textarea { min-height: 8rem; }
"""

BODY_HINT = (
    "Markdown works: *italic*, **bold**, [a link](https://example.org), > a quote, - a list. "
    "HTML is shown as text."
)


@dataclass(frozen=True)
class PageChrome:
    """What every page shows around its content, from the site's settings."""

    lang: str
    site_name: str
    site_base: str  # the site's address, for links to it ('' when unknown: links stay site-relative)
    quick_exit_url: str
    quick_exit_label: str
    support_url: str
    support_label: str
    policy_url: str


@dataclass(frozen=True)
class FormSettings:
    """What the form needs to know about its fields."""

    action: str
    limits: Mapping[str, int]
    require_email: bool
    vocabulary: Vocabulary | None


def site_link(chrome: PageChrome, url: str) -> str | None:
    """``url`` (absolute or site-relative) as a link from the receiver's page, or None if unsafe."""
    if not url or not is_allowed_href(url):
        return None
    if url.startswith("/") and chrome.site_base:
        return urljoin(chrome.site_base.rstrip("/") + "/", url.lstrip("/"))
    return url


def _e(text: str) -> str:
    return escape(text, quote=True)


def _page(chrome: PageChrome, title: str, content: str) -> str:
    support = site_link(chrome, chrome.support_url) or chrome.support_url
    home = site_link(chrome, "/") if chrome.site_base else None
    site_name = f'<a href="{_e(home)}">{_e(chrome.site_name)}</a>' if home else _e(chrome.site_name)
    return (
        f'<!doctype html>\n<html lang="{_e(chrome.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="same-origin">\n<meta name="robots" content="noindex">\n'
        f"<title>{_e(title)} · {_e(chrome.site_name)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        '<nav class="safety" aria-label="Safety">'
        f'<a class="quick-exit" href="{_e(chrome.quick_exit_url)}" rel="noreferrer noopener">'
        f"{_e(chrome.quick_exit_label)}</a>"
        f'<a class="support-link" href="{_e(support)}">{_e(chrome.support_label)}</a></nav>\n'
        f'<main>\n<p class="site-name">{site_name}</p>\n{content}\n</main>\n</body>\n</html>\n'
    )


def _post_link(chrome: PageChrome, post: PostEntry, text: str) -> str:
    href = site_link(chrome, post.url)
    return f'<a href="{_e(href)}">{_e(text)}</a>' if href else _e(text)


# --- The form ------------------------------------------------------------------------------


def _described_by(name: str, errors: Mapping[str, str], hint: bool = False) -> str:
    ids = ([f"f-{name}-error"] if name in errors else []) + ([f"f-{name}-hint"] if hint else [])
    attrs = f' aria-describedby="{" ".join(ids)}"' if ids else ""
    return attrs + (' aria-invalid="true"' if name in errors else "")


def _error(name: str, errors: Mapping[str, str]) -> str:
    return f'<p class="field-error" id="f-{name}-error">{_e(errors[name])}</p>' if name in errors else ""


def _text_field(
    name: str, label: str, kind: str, values: Mapping[str, str], errors: Mapping[str, str], *,
    maxlength: int, required: bool = False, autocomplete: str = "", hint: str = "",
) -> str:
    hint_html = f'<p class="hint" id="f-{name}-hint">{hint}</p>' if hint else ""
    return (
        f'<div class="field"><label for="f-{name}">{_e(label)}</label>{hint_html}{_error(name, errors)}'
        f'<input type="{kind}" id="f-{name}" name="{name}" value="{_e(values.get(name, ""))}" '
        f'maxlength="{maxlength}"' + (" required" if required else "")
        + (f' autocomplete="{autocomplete}"' if autocomplete else "")
        + f"{_described_by(name, errors, bool(hint))}></div>"
    )


def _warning_options(vocabulary: Vocabulary, chosen: str) -> str:
    def option(trigger: Trigger) -> str:
        selected = " selected" if trigger.slug == chosen else ""
        return f'<option value="{_e(trigger.slug)}"{selected}>{_e(trigger.label)}</option>'

    groups = []
    for top in (t for t in vocabulary if t.parent is None):
        inside = vocabulary.descendants(top.slug)
        if not inside:
            groups.append(option(top))
            continue
        options = "".join(map(option, [top, *inside]))
        groups.append(f'<optgroup label="{_e(top.label)}">{options}</optgroup>')
    return "".join(groups)


def comment_form(
    settings: FormSettings, chrome: PageChrome, post: PostEntry, values: Mapping[str, str],
    errors: Mapping[str, str], token: str, *, submit_label: str = "Send comment",
) -> str:
    """The comment form, filled in with ``values`` and showing ``errors`` beside their fields."""
    limits = settings.limits
    policy = site_link(chrome, chrome.policy_url)
    policy_link = f' (see <a href="{_e(policy)}">how comments work</a>)' if policy else ""
    email_hint = "Never published; the writer may use it to answer you privately" + policy_link + "."
    warning_select = ""
    if settings.vocabulary is not None and len(settings.vocabulary):
        chosen = values.get("content_warning", "")
        warning_select = (
            '<div class="field"><label for="f-content_warning">'
            "Content note for your comment (optional)</label>"
            '<p class="hint" id="f-content_warning-hint">If your comment touches a hard topic, readers see '
            f'this note first and choose to read on.</p>{_error("content_warning", errors)}'
            f'<select id="f-content_warning" name="content_warning"'
            f'{_described_by("content_warning", errors, True)}><option value="">None</option>'
            f"{_warning_options(settings.vocabulary, chosen)}</select></div>"
        )
    reply_to = values.get("reply_to", "")
    return (
        f'<form method="post" action="{_e(settings.action)}" accept-charset="utf-8">'
        f'<input type="hidden" name="post" value="{_e(post.slug)}">'
        f'<input type="hidden" name="reply_to" value="{_e(reply_to)}">'
        f'<input type="hidden" name="token" value="{_e(token)}">'
        + _error("reply_to", errors)
        + _text_field("author", "Name", "text", values, errors, maxlength=limits["author"], required=True,
                      autocomplete="nickname", hint="Shown with your comment; it need not be your real name.")
        + _text_field("email", "E-mail" + ("" if settings.require_email else " (optional)"), "email", values,
                      errors, maxlength=limits["email"], required=settings.require_email,
                      autocomplete="email", hint=email_hint)
        + _text_field("url", "Website (optional)", "url", values, errors, maxlength=limits["author_url"],
                      autocomplete="url")
        + '<div class="field"><label for="f-body">Comment</label>'
        f'<p class="hint" id="f-body-hint">{_e(BODY_HINT)}</p>{_error("body", errors)}'
        f'<textarea id="f-body" name="body" maxlength="{limits["body"]}" required'
        f'{_described_by("body", errors, True)}>{_e(values.get("body", ""))}</textarea></div>'
        + warning_select
        + '<div class="leave-empty"><label for="f-subject">Leave this empty</label>'
        '<input type="text" id="f-subject" name="subject" value="" tabindex="-1" autocomplete="off"></div>'
        f'<p><button type="submit">{_e(submit_label)}</button></p></form>'
    )


def _error_summary(errors: Mapping[str, str], message: str) -> str:
    items = "".join(
        f'<li><a href="#f-{name}">{_e(text)}</a></li>' if name not in ("reply_to", "token", "post")
        else f"<li>{_e(text)}</li>"
        for name, text in errors.items() if text != message
    )
    return (
        f'<div class="message problem" id="message" role="alert" tabindex="-1" autofocus>'
        f"<p>{_e(message)}</p>" + (f"<ul>{items}</ul>" if items else "") + "</div>"
    )


def form_page(
    chrome: PageChrome, settings: FormSettings, post: PostEntry, *, heading: str, values: Mapping[str, str],
    token: str, errors: Mapping[str, str] | None = None, message: str = "", intro: str = "",
    preview: str = "", parent: str = "", refused: bool = False,
) -> str:
    """A page with the form: to correct errors (``errors``), check a comment (``preview``) or reply.

    ``refused``: the comment was not sent (``message`` says why), though no field is wrong.
    """
    errors = errors or {}
    parts = [f"<h1>{_e(heading)}</h1>"]
    if errors or refused:
        parts.append(_error_summary(errors, message))
    elif message:
        parts.append(f'<div class="message" id="message" role="status"><p>{_e(message)}</p></div>')
    if intro:
        parts.append(f"<p>{_e(intro)}</p>")
    parts += [parent, preview]
    parts.append(f"<p>On {_post_link(chrome, post, post.title or 'the post')}.</p>")
    parts.append(comment_form(settings, chrome, post, values, errors, token))
    return _page(chrome, heading, "\n".join(p for p in parts if p))


def comment_preview(author: str, body: str, warning: Trigger | None) -> str:
    """How a comment will look once approved: its name and its sanitised body."""
    note = (
        f'<p class="hint">Content note: {_e(warning.label)}. Readers see this note first and choose to '
        "show your comment.</p>" if warning else ""
    )
    return (
        '<section class="preview" aria-labelledby="preview-heading">'
        '<h2 id="preview-heading">Your comment as it will appear</h2>'
        f"<p><strong>{_e(author)}</strong></p>{note}{render_comment_body(body)}</section>"
    )


def parent_quote(chrome: PageChrome, post: PostEntry, parent: PublishedComment | None) -> str:
    """The comment being answered, quoted as the site shows it (never text the site withholds)."""
    if parent is None:
        return ""
    author = _e(parent.author or "a reader")
    href = site_link(chrome, post.url)
    if href and parent.anchor:
        href = f"{href}#{parent.anchor}"
    where = f' <a href="{_e(href)}">Read it on the post</a>.' if href else ""
    if parent.body is None:
        tags = ", ".join(parent.content_warnings)
        why = f" carries a content note ({_e(tags)})" if tags else " waits behind a content note on the post"
        return f"<p>The comment by {author}{why}, so it is not shown here.{where}</p>"
    return (
        f'<section aria-labelledby="parent-heading"><h2 id="parent-heading">{author} wrote</h2>'
        f"<blockquote>{render_comment_body(parent.body)}</blockquote></section>"
    )


# --- After sending -------------------------------------------------------------------------


def thank_you_page(chrome: PageChrome, post: PostEntry, message: str, *, crisis: bool) -> str:
    parts = [
        "<h1>Thank you</h1>",
        f'<div class="message" id="message" role="status"><p>{_e(message)}</p></div>',
        f"<p>Back to {_post_link(chrome, post, post.title or 'the post')}.</p>",
    ]
    if crisis:
        support = site_link(chrome, chrome.support_url) or chrome.support_url
        parts.append(
            "<p>If things are hard right now, you do not have to wait for a reply: "
            f'<a href="{_e(support)}">{_e(chrome.support_label)}</a> lists people you can talk to today.</p>'
        )
    return _page(chrome, "Thank you", "\n".join(parts))


def message_page(
    chrome: PageChrome, heading: str, message: str, *, post: PostEntry | None = None,
    errors: Sequence[str] = (), kept_text: str = "",
) -> str:
    """A refusal without a form: what happened and, where there is one, the way back to the post.

    ``kept_text`` is the comment the reader wrote, shown read-only so that it is not lost.
    """
    items = "".join(f"<li>{_e(e)}</li>" for e in errors if e != message)
    parts = [
        f"<h1>{_e(heading)}</h1>",
        f'<div class="message problem" id="message" role="alert" tabindex="-1" autofocus><p>{_e(message)}</p>'
        + (f"<ul>{items}</ul>" if items else "") + "</div>",
    ]
    if kept_text:
        parts.append(
            '<div class="field kept"><label for="kept">Your comment, to keep a copy</label>'
            f'<textarea id="kept" readonly>{_e(kept_text)}</textarea></div>'
        )
    if post is not None:
        parts.append(f"<p>Back to {_post_link(chrome, post, post.title or 'the post')}.</p>")
    return _page(chrome, heading, "\n".join(parts))
