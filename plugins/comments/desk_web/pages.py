"""The desk's page: the queue as a writer reads it, each comment with what to decide and the forms
to decide it, then the site's rebuild and publish.

The page is self-contained (the receiver's inline style, the desk's own small script, nothing
from any other host) and works without JavaScript: every step is a plain form. Every value
from the stores is escaped here, and only here; a comment's text goes through the renderer the
build uses (Markdown, then nh3), so the writer reads it exactly as it would be published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from html import escape
from urllib.parse import quote

from comments.desk.moderation import MAX_REASON_LENGTH
from comments.desk.triage import CRISIS, DISALLOWED_LINK, DISALLOWED_WORD, MANY_LINKS
from comments.desk_web.site import SiteRun
from comments.model import PrivateRecord, PublicComment, http_url
from comments.receiver.pages import STYLE, _warning_options
from comments.sanitise import render_comment_body
from trigger_tags.vocabulary import Vocabulary

DESK_STYLE = """
main { max-width: 52rem; }
.skip { position: absolute; left: -10000px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem 1rem; z-index: 1; }
.desk-header { max-width: 52rem; margin: 0 auto; padding: 1rem 1rem 0; }
.desk-header h1 { margin: .25rem 0; }
.desk-header nav { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; }
.counts { margin: .25rem 0; }
.vh { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.comment-list { list-style: none; margin: 0; padding: 0; }
.comment { border: 1px solid var(--border); border-radius: .4rem; padding: .5rem 1rem 1rem; margin: 1rem 0;
  background: var(--bg); }
.comment:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
.comment.crisis { border-left: 6px solid var(--error); }
.comment h3 { margin: .5rem 0; font-size: 1.25rem; }
.comment h4 { margin: 1rem 0 .25rem; font-size: 1rem; font-family: inherit; }
.pick label, .inline label { display: inline; font-weight: 400; }
.pick input { width: 1.2rem; height: 1.2rem; vertical-align: middle; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .5rem 0; }
dl.meta dt { font-weight: 700; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.why { margin: 0; padding-left: 1.2rem; }
.body { border-left: 4px solid var(--link); padding: .1rem 1rem; background: var(--surface); }
.actions { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: flex-end; margin-top: 1rem; }
.actions form { margin: 0; display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; }
.actions .field { margin: 0; }
.actions input[type=text], .actions select { width: auto; min-width: 12rem; }
button.quiet { background: transparent; color: var(--link); }
details.reply { flex-basis: 100%; }
details.reply form { display: block; }
summary { cursor: pointer; color: var(--link); font-weight: 700; }
.crisis-note { border-left: 6px solid var(--error); background: var(--surface); padding: .5rem 1rem; }
.message ul { margin: .25rem 0; }
code { overflow-wrap: anywhere; }
kbd { border: 1px solid var(--border); border-radius: .2rem; padding: 0 .3rem; font-family: inherit; }
"""

SHORTCUTS = (
    ("j", "next comment"), ("k", "previous comment"), ("x", "select or unselect the comment"),
    ("a", "approve"), ("r", "reject (type the reason, then Enter)"), ("s", "mark as spam"),
    ("w", "choose a content note"), ("e", "reply as the writer"), ("u", "undo the last step"),
    ("b", "rebuild the site"),
)

FLAG_NAMES = {
    CRISIS: "possible crisis", MANY_LINKS: "several links", DISALLOWED_WORD: "a disallowed word",
    DISALLOWED_LINK: "a link to a disallowed site",
}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


@dataclass(frozen=True)
class CommentCard:
    """A waiting comment with what the writer needs beside it."""

    record: PrivateRecord
    post_title: str | None
    parent: PublicComment | None = None
    parent_status: str | None = None
    # A reply the writer typed that was not published (refused): shown again in its box.
    draft: str = ""


@dataclass(frozen=True)
class Notice:
    """What the last request did, shown at the top of the page."""

    heading: str
    lines: list[str] = field(default_factory=list)
    ok: bool = True


@dataclass(frozen=True)
class DeskView:
    """Everything the page shows."""

    site_name: str
    lang: str
    author: str
    support_url: str
    support_label: str
    form_token: str
    support_public: bool = False
    crises: list[CommentCard] = field(default_factory=list)
    waiting: list[CommentCard] = field(default_factory=list)
    flagged: list[CommentCard] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    vocabulary: Vocabulary | None = None
    notice: Notice | None = None
    undo_label: str | None = None
    changes_since_build: int = 0
    site_run: SiteRun | None = None
    output_path: str = "output"
    publish_target: str | None = None
    replies: bool = True
    body_limit: int = 5000
    zone: tzinfo | None = None

    @property
    def count(self) -> int:
        return len(self.crises) + len(self.waiting) + len(self.flagged)

    def title(self) -> str:
        return f"Comments desk ({self.count} waiting) · {self.site_name}"


# --- The page --------------------------------------------------------------------------------


def desk_page(view: DeskView) -> str:
    main = f'<main id="main">\n{desk_main(view)}\n</main>'
    return page_shell(view.lang, view.title(), f"{_header(view)}\n{main}")


def page_shell(lang: str, title: str, body: str, *, script: bool = True) -> str:
    script_tag = '<script src="/desk.js" defer></script>\n' if script else ""
    return (
        f'<!doctype html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="same-origin">\n<meta name="robots" content="noindex">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}{DESK_STYLE}</style>\n{script_tag}</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def refusal_page(lang: str, heading: str, message: str, *, back: bool = False) -> str:
    """A page that changes nothing and says why (no forms: the request had no right to any)."""
    link = '<p><a href="/">Back to the desk</a>, which shows the queue as it is now.</p>' if back else ""
    body = (
        f'<main id="main">\n<h1>{_e(heading)}</h1>\n'
        f'<div class="message problem" role="alert"><p>{_e(message)}</p></div>\n{link}\n</main>'
    )
    return page_shell(lang, heading, body, script=False)


def _header(view: DeskView) -> str:
    return (
        '<a class="skip" href="#queue">Skip to the queue</a>\n<header class="desk-header">'
        f'<p class="site-name">{_e(view.site_name)}</p><h1>Comments desk</h1>'
        f'<p class="counts" id="counts">{_e(_counts(view))}</p>'
        '<nav aria-label="The desk"><a href="#queue">The queue</a><a href="#site">Rebuild and publish</a>'
        f'<a href="#keys">Keyboard shortcuts</a><a href="{_e(view.support_url)}">{_e(view.support_label)}</a>'
        "</nav></header>"
    )


def _counts(view: DeskView) -> str:
    if not view.count:
        return "Nothing is waiting for you."
    parts = [
        f"{len(view.crises)} possible crisis" + ("es" if len(view.crises) > 1 else "") if view.crises else "",
        f"{len(view.waiting)} waiting" if view.waiting else "",
        f"{len(view.flagged)} flagged" if view.flagged else "",
    ]
    return " · ".join(p for p in parts if p)


def desk_main(view: DeskView) -> str:
    """The page's main region; the script swaps it in after each step, without a reload."""
    parts = [_notice(view), '<div id="queue" tabindex="-1">']
    if view.count:
        parts.append(_bulk_form(view))
        if not view.replies:
            parts.append('<p class="hint">To reply from here, set <code>AUTHOR</code> in '
                         "<code>pelicanconf.py</code> (your replies are signed with it).</p>")
    else:
        parts.append("<h2>The queue</h2><p>No comment is waiting. New ones arrive through your comment "
                     "receiver (<code>python3 dev.py comments-receive</code>, or "
                     "<code>python3 dev.py comments-fetch</code> from your server).</p>")
    if view.crises:
        parts.append(_section(view, "crises", "Possible crisis", view.crises, _crisis_note(view)))
    if view.waiting:
        parts.append(_section(view, "waiting", "Waiting", view.waiting))
    if view.flagged:
        parts.append(_section(view, "flagged", "Flagged", view.flagged,
                              "<p>Held for a closer look before you approve them: why is under each.</p>"))
    if view.attention:
        items = "".join(f"<li>{_e(a)}</li>" for a in view.attention)
        parts.append('<section aria-labelledby="attention-heading"><h2 id="attention-heading">Needs attention'
                     f"</h2><ul>{items}</ul></section>")
    parts.append("</div>")
    parts += [_site_section(view), _shortcuts()]
    return "\n".join(p for p in parts if p)


def _hidden(view: DeskView, **fields: str) -> str:
    values = {"form_token": view.form_token, **fields}
    return "".join(f'<input type="hidden" name="{_e(k)}" value="{_e(v)}">' for k, v in values.items())


def _notice(view: DeskView) -> str:
    notice, parts = view.notice, []
    if notice is not None:
        items = "".join(f"<li>{_e(line)}</li>" for line in notice.lines)
        parts.append(f"<p><strong>{_e(notice.heading)}</strong></p>" + (f"<ul>{items}</ul>" if items else ""))
    if view.undo_label:
        parts.append(
            '<form method="post" action="/act" class="undo">' + _hidden(view)
            + f'<button type="submit" name="action" value="undo" class="quiet" aria-keyshortcuts="u">'
            f"Undo {_e(view.undo_label)}</button></form>"
        )
    if not parts:
        return '<div id="notice" tabindex="-1"></div>'
    problem = notice is not None and not notice.ok
    role = 'role="alert"' if problem else 'role="status"'
    return (f'<div id="notice" class="message{" problem" if problem else ""}" {role} tabindex="-1"'
            f'{" autofocus" if notice is not None else ""}>{"".join(parts)}</div>')


def _crisis_note(view: DeskView) -> str:
    support = f'<a href="{_e(view.support_url)}">{_e(view.support_label)}</a>'
    if view.support_public:
        support += f", at <code>{_e(view.support_url)}</code>"
    return (
        '<div class="crisis-note"><p>These comments use words people use when they think of ending '
        "their life or hurting themselves. Read them first, and take a breath: you do not have to "
        "answer in public, or alone.</p><ul>"
        "<li>A short, warm e-mail is often the kindest reply: that you read their words, that you are glad "
        f"they wrote, and where to find help today ({support}).</li>"
        "<li>Publishing rarely helps the person who wrote it. Rejecting keeps the comment, privately; "
        "you can decide later.</li>"
        "<li>If you believe someone is in danger right now and you know where they are, call the "
        "emergency services.</li>"
        "<li>Look after yourself too: step away when you need to.</li></ul></div>"
    )


def _section(view: DeskView, key: str, heading: str, cards: Sequence[CommentCard], intro: str = "") -> str:
    items = "".join(f"<li>{_card(view, card)}</li>" for card in cards)
    return (
        f'<section id="{key}" aria-labelledby="{key}-heading"><h2 id="{key}-heading">{_e(heading)} '
        f"({len(cards)})</h2>{intro}<ol class=\"comment-list\">{items}</ol></section>"
    )


# --- One comment -------------------------------------------------------------------------------


def _card(view: DeskView, card: CommentCard) -> str:
    record, comment = card.record, card.record.comment
    cid, name = comment.id, comment.author
    title = card.post_title or comment.post
    crisis = CRISIS in record.flags
    return (
        f'<article class="comment{" crisis" if crisis else ""}" id="c-{_e(cid)}" data-id="{_e(cid)}" '
        f'tabindex="-1" aria-labelledby="c-{_e(cid)}-heading">'
        f'<h3 id="c-{_e(cid)}-heading">{_e(name)} on “{_e(title)}”</h3>'
        f'<p class="pick"><input type="checkbox" id="pick-{_e(cid)}" name="id" value="{_e(cid)}" '
        'form="bulk"> '
        f'<label for="pick-{_e(cid)}">Select the comment by {_e(name)}</label></p>'
        + _facts(card, view.zone)
        + _answers(card)
        + "<h4>As it would be published</h4>"
        + _body(comment.body, comment.content_warnings, f"the comment by {name}")
        + _actions(view, card)
        + "</article>"
    )


def _facts(card: CommentCard, zone: tzinfo | None) -> str:
    record, comment = card.record, card.record.comment
    email = (f'<a href="mailto:{_e(quote(record.email, safe="@"))}">{_e(record.email)}</a>'
             if record.email else "none given")
    website = http_url(comment.author_url)
    site = (f'<a href="{_e(website)}" rel="nofollow noreferrer noopener">{_e(website)}</a>'
            if website else "none given")
    why = _why(record)
    rows = [
        ("Post", f"{_e(card.post_title or comment.post)} <code>{_e(comment.post)}</code>"),
        ("Name", _e(comment.author)),
        ("E-mail", email),
        ("Website", site),
        ("Written", _e(_date(comment.date, zone))),
        ("Content note", _e(", ".join(comment.content_warnings) or "none")),
        ("Why it is here", why),
    ]
    return '<dl class="meta">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _date(date: datetime, zone: tzinfo | None) -> str:
    shown = date.astimezone(zone) if zone is not None else date
    return f"{shown.day} {shown:%B %Y, %H:%M}"


def _why(record: PrivateRecord) -> str:
    reasons = [*(f"flagged: {FLAG_NAMES.get(flag, flag)}" for flag in record.flags), *record.notes]
    if not reasons:
        return "new; every comment waits for you"
    return '<ul class="why">' + "".join(f"<li>{_e(r)}</li>" for r in reasons) + "</ul>"


def _answers(card: CommentCard) -> str:
    reply_to = card.record.comment.reply_to
    if not reply_to:
        return ""
    parent = card.parent
    if parent is None:
        return f"<h4>It answers a comment that is in neither store ({_e(reply_to)})</h4>"
    state = "published" if card.parent_status == "approved" else (card.parent_status or "unknown")
    return (f"<h4>It answers {_e(parent.author)} ({_e(state)})</h4>"
            + _body(parent.body, parent.content_warnings, f"the comment by {parent.author} it answers"))


def _body(body: str, warnings: Sequence[str], what: str) -> str:
    """A comment's text as the build renders it; behind a disclosure when it carries a warning."""
    html = f'<div class="body">{render_comment_body(body)}</div>'
    if not warnings:
        return html
    return (f"<details><summary>Content note: {_e(', '.join(warnings))}. Show {_e(what)}</summary>"
            f"{html}</details>")


def _actions(view: DeskView, card: CommentCard) -> str:
    comment = card.record.comment
    cid, who = comment.id, f'<span class="vh"> the comment by {_e(comment.author)}</span>'
    parts = [
        '<form method="post" action="/act">' + _hidden(view, id=cid)
        + f'<button type="submit" name="action" value="approve" aria-keyshortcuts="a">Approve{who}</button>'
        f'<button type="submit" name="action" value="spam" class="quiet" aria-keyshortcuts="s">'
        f"Mark{who} as spam</button></form>",
        '<form method="post" action="/act">' + _hidden(view, id=cid)
        + f'<div class="field"><label for="reason-{_e(cid)}">Reason for rejecting</label>'
        f'<input type="text" id="reason-{_e(cid)}" name="reason" required '
        f'maxlength="{MAX_REASON_LENGTH}"></div>'
        f'<button type="submit" name="action" value="reject" class="quiet" aria-keyshortcuts="r">'
        f"Reject{who}</button></form>",
    ]
    if view.vocabulary is not None and len(view.vocabulary):
        chosen = comment.content_warnings[0] if comment.content_warnings else ""
        parts.append(
            '<form method="post" action="/act">' + _hidden(view, id=cid)
            + f'<div class="field"><label for="warning-{_e(cid)}">Content note</label>'
            f'<select id="warning-{_e(cid)}" name="warning"><option value="">None</option>'
            f"{_warning_options(view.vocabulary, chosen)}</select></div>"
            f'<button type="submit" name="action" value="warn" class="quiet" aria-keyshortcuts="w">'
            f"Set the note{_vh(' on the comment by ' + comment.author)}</button></form>"
        )
    if view.replies:
        parts.append(_reply_form(view, card))
    return '<div class="actions">' + "".join(parts) + "</div>"


def _vh(text: str) -> str:
    return f'<span class="vh">{_e(text)}</span>'


def _reply_form(view: DeskView, card: CommentCard) -> str:
    comment = card.record.comment
    cid = comment.id
    waiting = card.record.status != "approved"
    button = "Approve the comment and publish my reply" if waiting else "Publish my reply"
    note = (f'<p class="hint" id="reply-{_e(cid)}-hint">Your reply appears only under a published comment, '
            f"so sending it approves {_e(comment.author)}’s comment too. Markdown works.</p>"
            if waiting else f'<p class="hint" id="reply-{_e(cid)}-hint">Markdown works.</p>')
    return (
        f'<details class="reply"{" open" if card.draft else ""}>'
        f'<summary>Reply as {_e(view.author)}{_vh(" to " + comment.author)}</summary>'
        '<form method="post" action="/act">' + _hidden(view, id=cid, approve_parent="1" if waiting else "")
        + f'<div class="field"><label for="reply-{_e(cid)}">Your reply to {_e(comment.author)}</label>{note}'
        f'<textarea id="reply-{_e(cid)}" name="body" required maxlength="{view.body_limit}" '
        f'aria-describedby="reply-{_e(cid)}-hint">\n{_e(card.draft)}</textarea></div>'
        f'<button type="submit" name="action" value="reply" aria-keyshortcuts="e">{_e(button)}</button>'
        "</form></details>"
    )


def _bulk_form(view: DeskView) -> str:
    warning = ""
    if view.vocabulary is not None and len(view.vocabulary):
        warning = (
            '<div class="field"><label for="bulk-warning">Content note</label>'
            '<select id="bulk-warning" name="warning"><option value="">None</option>'
            f"{_warning_options(view.vocabulary, '')}</select></div>"
            '<button type="submit" name="action" value="warn" class="quiet">'
            "Set the note on the selected</button>"
        )
    return (
        '<section aria-labelledby="bulk-heading"><h2 id="bulk-heading">Several at once</h2>'
        '<form id="bulk" method="post" action="/act">' + _hidden(view)
        # Enter in the reason field must not approve anything: the first submit button of a form
        # is the one Enter presses, and a disabled one makes Enter do nothing.
        + '<button type="submit" disabled hidden aria-hidden="true" tabindex="-1">Nothing</button>'
        '<p class="hint">Tick “Select” on the comments below, then choose what to do with all of them. '
        'Each button works on the ticked comments only.</p><div class="actions">'
        '<button type="submit" name="action" value="approve">Approve the selected</button>'
        '<button type="submit" name="action" value="spam" class="quiet">Mark the selected as spam</button>'
        '<div class="field"><label for="bulk-reason">Reason for rejecting</label>'
        f'<input type="text" id="bulk-reason" name="reason" maxlength="{MAX_REASON_LENGTH}"></div>'
        '<button type="submit" name="action" value="reject" class="quiet">Reject the selected</button>'
        f"{warning}</div></form></section>"
    )


# --- The site ----------------------------------------------------------------------------------


def _site_section(view: DeskView) -> str:
    changes = view.changes_since_build
    state = (f"{changes} change{'s' if changes != 1 else ''} since the desk last built the site."
             if changes else "No changes since the desk last built the site.")
    publish = (
        '<form method="post" action="/publish">' + _hidden(view)
        + f'<button type="submit" class="quiet">Publish to {_e(view.publish_target)}</button></form>'
        if view.publish_target else ""
    )
    hint = (
        "" if view.publish_target else
        '<p class="hint">To publish from here too, set <code>PUBLISH_RSYNC_TARGET</code> in '
        "<code>publishconf.py</code> to your server and start the desk again; until then, publish as "
        "you do now (<code>python3 dev.py publish</code>, or your deploy).</p>"
    )
    return (
        '<section id="site" aria-labelledby="site-heading" tabindex="-1"><h2 id="site-heading">Your site</h2>'
        f"<p>{_e(state)} Approved comments and replies reach <code>{_e(view.output_path)}</code> with the "
        "next build (and your live site with the next publish).</p><div class=\"actions\">"
        '<form method="post" action="/build">' + _hidden(view)
        + '<button type="submit" aria-keyshortcuts="b">Rebuild the site</button></form>'
        f"{publish}</div>{hint}{_site_run(view.site_run)}</section>"
    )


def _site_run(run: SiteRun | None) -> str:
    if run is None:
        return ""
    lines = "".join(f"<li><code>{_e(line)}</code></li>" for line in run.lines)
    return (f'<div class="message{"" if run.ok else " problem"}" id="site-run"><p>{_e(run.summary)}</p>'
            + (f"<ul>{lines}</ul>" if lines else "") + "</div>")


def _shortcuts() -> str:
    items = "".join(f"<li><kbd>{k}</kbd> {_e(what)}</li>" for k, what in SHORTCUTS)
    return (
        '<section id="keys" aria-labelledby="keys-heading"><h2 id="keys-heading">Keyboard shortcuts</h2>'
        "<p>With JavaScript on, outside a text field. A step works on the ticked comments, or on the "
        f"comment you are on when none is ticked.</p><ul>{items}</ul></section>"
    )
