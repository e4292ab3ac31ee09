"""Pelican side of content warnings: settings, the Markdown extension, gates, summaries and feeds."""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.writers import Writer

from content_warnings.gate import GateTag, Wording, render_gate
from content_warnings.leak_guard import Gate, LeakGuard
from content_warnings.markdown_ext import PassageBounds
from content_warnings.passages import feed_html, gate_content, gate_summary, summary_without_gates
from harbour.errors import HarbourError
from harbour.memo import current_memo
from harbour.plugins import all_articles, enabled_plugins, when_enabled
from harbour.sources import project_path
from harbour.settings import Option, plugin_settings, text
from trigger_tags import site_vocabulary, trigger_settings, unknown_tag_policy
from trigger_tags.vocabulary import resolve_tags

logger = logging.getLogger(__name__)

MARKDOWN_EXTENSION = "content_warnings.markdown_ext"


def _has_kind(value: Any) -> str | None:
    if not isinstance(value, str) or "{kind}" not in value:
        return "expected text containing {kind}, e.g. 'Show {kind}'"
    return None


SCHEMA = {
    "label": Option("Content note", "what a warning is called: 'Content note' or 'Content warning'", text),
    "show": Option("Show {kind}", "the button that opens a gate; {kind} is post, passage or comment", _has_kind),
    "hide": Option("Hide {kind}", "the button that closes it again", _has_kind),
}


def warning_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    return plugin_settings(settings, "CONTENT_WARNINGS", SCHEMA)


def wording(settings: Mapping[str, Any]) -> Wording:
    cw = settings["CONTENT_WARNINGS"]
    return Wording(label=cw["label"], show=cw["show"], hide=cw["hide"])


def tag_page_url(settings: Mapping[str, Any]):  # noqa: ANN201 (a small closure)
    base = settings["SITEURL"] + "/" + trigger_settings(settings)["url"]
    return lambda slug: f"{base}{slug}/"


# --- Signal handlers ------------------------------------------------------------------

@when_enabled("content_warnings")
def configure(pelican: Any) -> None:
    """At ``initialized``: check settings, enable the `!!! cw` syntax, offer `cw_gate` to templates."""
    settings = pelican.settings
    problems = []
    if "trigger_tags" not in enabled_plugins(settings):
        problems.append("the content_warnings plugin needs the trigger_tags plugin: add 'trigger_tags' to PLUGINS")
    try:
        settings["CONTENT_WARNINGS"] = warning_settings(settings)
    except HarbourError as error:
        problems += error.problems
    if problems:
        raise HarbourError(problems)
    # Copies, never the writer's own dicts.
    markdown = copy.deepcopy(settings["MARKDOWN"])
    markdown.setdefault("extension_configs", {})[MARKDOWN_EXTENSION] = {}
    settings["MARKDOWN"] = markdown
    settings["JINJA_GLOBALS"] = {**settings.get("JINJA_GLOBALS", {}), "cw_gate": CommentGate(settings)}


@when_enabled("content_warnings")
def gate_on_creation(content: Any) -> None:
    """At ``content_object_init``: gate a post or page the moment it exists.

    Nothing (another plugin, a summary, a feed) can read its text before the gate is in
    place. Problems are kept on the content and reported together once all are read.
    """
    from pelican.contents import Article, Page

    if not isinstance(content, (Article, Page)):
        return
    settings = content.settings
    words = wording(settings)
    note = content.metadata.get("content-note", "")
    result = gate_content(
        content._content,
        vocabulary=site_vocabulary(settings),
        source_path=content.source_path,
        shown_path=project_path(settings, content.source_path),
        warnings=content.metadata.get("content-warnings"),
        triggers=content.metadata.get("triggers"),
        note=note,
        wording=words,
        tags_url=tag_page_url(settings),
    )
    content._content = result.html
    _forget_rendered(content)
    content.cw_hidden = result.warned
    content.cw_visible = result.visible_html
    content.cw_problems = result.problems
    content.cw_tags = result.gate_tags
    content.cw_gate = result.post_gate
    content.cw_note = note
    if result.post_gate is not None:
        _set_summary(content, gate_summary(result.post_gate, note, words))
    elif result.gate_tags and "summary" not in content.metadata:
        _set_summary(
            content,
            summary_without_gates(content._content, settings["SUMMARY_MAX_LENGTH"], settings["SUMMARY_END_SUFFIX"]),
        )


@when_enabled("content_warnings")
def report_articles(generator: Any) -> None:
    """At ``article_generator_pretaxonomy``: every post's problems in one message."""
    report_problems(generator.settings, all_articles(generator))


@when_enabled("content_warnings")
def report_pages(generator: Any) -> None:
    """At ``page_generator_finalized``: the same for pages."""
    report_problems(
        generator.settings, [*generator.pages, *generator.hidden_pages, *getattr(generator, "draft_pages", [])]
    )


def report_problems(settings: Mapping[str, Any], contents: Iterable[Any]) -> None:
    problems = []
    for content in contents:
        problems += getattr(content, "cw_problems", [])
        # A passage that escaped gating would be shown unwarned (the leak guard would stop it later).
        if PassageBounds.key in content._content:
            problems.append(
                f"{project_path(settings, content.source_path)}: a warned passage was not gated; "
                "is another plugin building this page's HTML?"
            )
    unknown_tag_policy(settings, problems)


def _forget_rendered(content: Any) -> None:
    """Drop what Pelican memoised of the content before it was gated (a plugin may have asked)."""
    for method in (content.get_content, content.get_summary):
        for key in [k for k in getattr(method, "cache", {}) if k and k[0] is content]:
            del method.cache[key]


def _set_summary(content: Any, summary: str) -> None:
    # Pelican reads `_summary` back into the metadata when it refreshes links.
    content.metadata["summary"] = summary
    content._summary = summary


# --- The leak guard ----------------------------------------------------------------------

GUARD = "_CONTENT_WARNINGS_LEAK_GUARD"  # where a build keeps its guard, in its settings


def prepare_leak_guard(generators: list[Any]) -> None:
    """At ``all_generators_finalized``: tell the guard what every gate hides and what is shown openly."""
    settings = generators[0].settings if generators else {}
    if "content_warnings" not in enabled_plugins(settings):
        return
    guard = LeakGuard()
    for generator in generators:
        for content in _contents(generator):
            learn_content(guard, settings, content)
    settings[GUARD] = guard


def _contents(generator: Any) -> list[Any]:
    if hasattr(generator, "articles"):
        return all_articles(generator)
    names = ("pages", "translations", "hidden_pages", "hidden_translations", "draft_pages", "draft_translations")
    return [c for name in names for c in getattr(generator, name, [])]


def learn_content(guard: LeakGuard, settings: Mapping[str, Any], content: Any) -> None:
    """What one post or page hides and shows, its comments (rendered through ``cw_gate``) included."""
    source = project_path(settings, content.source_path)
    page = content.save_as or ""
    for gate_id, html in getattr(content, "cw_hidden", {}).items():
        guard.hidden(html, Gate(gate_id, page, source))
    guard.shown(getattr(content, "cw_visible", content._content))
    guard.shown(content.title)
    guard.shown(content.metadata.get("content-note", ""))
    thread_gated = bool(getattr(content, "comments_warnings", None))
    # The comments plugin's threads; Pelican would leave a page's "Comments:" metadata text here.
    thread = getattr(content, "comments", None)
    stack = list(thread) if isinstance(thread, list) else []
    while stack:
        comment = stack.pop()
        stack += comment.replies
        comment_source = project_path(settings, comment.source_path) if comment.source_path else source
        if thread_gated:
            guard.hidden(comment.body_html, Gate("cw-comments", page, comment_source))
        if comment.content_warnings:
            guard.hidden(comment.body_html, Gate(f"comment-{comment.id}-cw", page, comment_source))
        if not thread_gated and not comment.content_warnings:
            guard.shown(comment.body_html)


@when_enabled("content_warnings")
def check_for_leaks(pelican: Any) -> None:
    """At ``finalized``: read everything the build wrote; any warned text outside its gate fails the build."""
    guard = pelican.settings.get(GUARD)  # kept: the site search checks its index with it too
    if guard is None:
        return
    started = time.perf_counter()
    # With the build memo on, a byte-identical file under identical warnings keeps its verdict.
    memo = current_memo()
    problems = guard.check(Path(pelican.output_path), memo.table("leak-verdicts") if memo else None)
    logger.debug("leak guard: read the site in %.2f s", time.perf_counter() - started)
    if problems:
        raise HarbourError([f"leak guard: {problem}" for problem in problems])


def leaks_in_written_texts(settings: Mapping[str, Any], texts: Mapping[str, str]) -> list[str]:
    """The leak guard's findings in texts written once the site was (the search index's entries, by name).

    Empty when this build has no guard (the plugin is off, or it has not learnt the site yet).
    """
    guard = settings.get(GUARD)
    if guard is None:
        return []
    memo = current_memo()
    found = guard.check_texts(texts, memo.table("leak-verdicts") if memo else None)
    return [f"leak guard: {problem}" for problem in found]


class CommentGate:
    """The `cw_gate(tags, body_html, kind=..., gate_id=..., source=...)` template global.

    Comments are read by the comments plugin; their warnings use the same vocabulary and
    the same gate as posts. Unknown tags were reported when the comments were read, so
    here they are simply left out of the label.
    """

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = settings

    def __call__(self, tags: Iterable[str], body_html: str, *, kind: str = "comment",
                 gate_id: str, source: str = "", note: str = "") -> str:
        from markupsafe import Markup

        vocabulary = site_vocabulary(self.settings)
        slugs, _ = resolve_tags(vocabulary, list(tags), source=source)
        gate_tags = [GateTag(s, vocabulary.get(s).label, tuple(vocabulary.ancestors(s))) for s in slugs]
        return Markup(render_gate(
            gate_id=gate_id, kind=kind, tags=gate_tags, inner_html=str(body_html), note=note,
            wording=wording(self.settings), tags_url=tag_page_url(self.settings),
        ))


class WarningSafeWriter(Writer):
    """Pelican's writer, except that feeds get each gate as its warning and a link."""

    def _add_item_to_the_feed(self, feed: Any, item: Any) -> None:
        url = self.urljoiner(self.site_url, item.url)
        super()._add_item_to_the_feed(feed, _FeedItem(item, url, wording(self.settings)))


class _FeedItem:
    """A post as feeds see it: same fields, warned text replaced by a note."""

    def __init__(self, item: Any, url: str, words: Wording) -> None:
        self._item, self._url, self._words = item, url, words

    def __getattr__(self, name: str) -> Any:
        return getattr(self._item, name)

    def get_content(self, siteurl: str) -> str:
        return feed_html(self._item.get_content(siteurl), self._url, self._words)


@when_enabled("content_warnings")
def provide_writer(pelican: Any) -> type[Writer]:
    return WarningSafeWriter


def register() -> None:
    signals.initialized.connect(configure)
    signals.content_object_init.connect(gate_on_creation)
    signals.article_generator_pretaxonomy.connect(report_articles)
    signals.page_generator_finalized.connect(report_pages)
    signals.get_writer.connect(provide_writer)
    signals.all_generators_finalized.connect(prepare_leak_guard)
    signals.finalized.connect(check_for_leaks)
