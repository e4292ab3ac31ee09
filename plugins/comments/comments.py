"""Pelican signal handlers of the comments plugin; the work is done by the plain functions they call.

- ``initialized``: check the ``COMMENTS`` settings once and keep the comments folder away
  from Pelican's readers.
- ``article_generator_finalized``: read the public store, refuse inconsistent comments (and
  warned ones when nothing could gate them) and wrong ``Comments:`` metadata, and give every
  article ``comments`` (threads), ``comment_count``, ``comments_warnings``, ``comments_open``
  and ``comment_form`` (None when no form is shown).
- ``page_generator_finalized``: the same check of ``Comments:`` on pages, which take no comments.
- ``article_writer_finalized``: write each slug's comments JSON, the manifest the comment
  receiver reads and, when enabled, the comment feeds (the site-wide one lists published
  posts only).

Comments belong to a slug, and a post and its translations share one: they show the same
thread, gated when any version is, with one JSON file and one feed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone, tzinfo
from itertools import chain
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup
from pelican import signals

from comments.config import comments_settings
from comments.render.feeds import PostComments, comments_atom, post_comments_json
from comments.render.form import (
    ManifestPost,
    comment_form,
    comment_manifest,
    comments_metadata_problems,
    manifest_path_problems,
    open_slugs,
    warning_groups,
)
from comments.render.threads import comment_threads, comment_trigger_tags, count_comments, walk
from comments.sanitise import render_comment_body
from harbour.errors import HarbourError
from harbour.files import is_inside, write_site_file
from harbour.memo import memoised
from harbour.plugins import all_articles, enabled_plugins, when_enabled
from harbour.sources import project_path

logger = logging.getLogger(__name__)


def _site_address(settings: Mapping[str, Any]) -> str:
    return (settings.get("FEED_DOMAIN") or settings.get("SITEURL") or "").rstrip("/")


def comments_warnings_by_slug(articles: Iterable[Any]) -> dict[str, list[str]]:
    """The trigger tags each slug's thread waits behind: those of every version's post gate.

    A post and its translations share a slug and so one thread, shown under each of them: if
    the writer gated any version, its comments are gated under all of them, or a reader could
    meet them unwarned under the other. Hidden versions and drafts count too: a draft's gate
    is the writer's judgement of what the post touches, and the comments answer the post, so
    warning too soon is the safe mistake (only the tags can show, never a draft's text).
    """
    tags: dict[str, dict[str, None]] = {}
    for article in articles:
        gate = getattr(article, "cw_gate", None) or ()
        tags.setdefault(article.slug, {}).update(dict.fromkeys(tag.slug for tag in gate))
    return {slug: list(found) for slug, found in tags.items()}


def _post_comments(articles: Iterable[Any], settings: Mapping[str, Any]) -> list[PostComments]:
    """One entry per slug, at the first of its versions in ``articles`` (the caller's preference)."""
    site = (settings.get("SITEURL") or "").rstrip("/")
    first_versions: dict[str, Any] = {}
    for article in articles:
        first_versions.setdefault(article.slug, article)
    # Titles may carry typogrify's markup and entities; feeds want the plain words.
    return [
        PostComments(
            a.slug, Markup(a.title).striptags(), f"{site}/{a.url}", a.comments,
            content_warnings=tuple(a.comments_warnings), date=getattr(a, "date", None),
        )
        for a in first_versions.values()
    ]


@when_enabled("comments")
def validate_settings(pelican: Any) -> None:
    """At ``initialized``: replace the writer's COMMENTS dict by the checked, complete one."""
    conf = comments_settings(pelican.settings)
    # A relative private_path starts from pelicanconf.py's folder, which Pelican does not keep:
    # the tasks check it when they open the store. An absolute one can be checked now.
    private = Path(conf["private_path"])
    published = [pelican.settings.get(key) for key in ("PATH", "OUTPUT_PATH")]
    for folder in [f for f in published if f] if private.is_absolute() else []:
        if is_inside(private, folder):
            raise HarbourError(
                f"COMMENTS['private_path'] = {str(private)!r} is inside {folder}, which is published; "
                "move the private store outside it, e.g. 'private/comments'"
            )
    pelican.settings["COMMENTS"] = conf
    # Comment files are Markdown too; even with ARTICLE_PATHS = [""] they must not become posts.
    for key in ("ARTICLE_EXCLUDES", "PAGE_EXCLUDES", "STATIC_EXCLUDES"):
        pelican.settings[key] = [*pelican.settings.get(key, []), conf["public_path"]]


@when_enabled("comments")
def attach_comments(generator: Any) -> None:
    """At ``article_generator_finalized``: threads on every article, or one error listing every problem."""
    settings = generator.settings
    conf = settings["COMMENTS"]
    content = Path(settings["PATH"])
    # Published, hidden and draft articles with their translations: every slug a comment may use.
    articles = all_articles(generator)
    wrong_metadata = comments_metadata_problems(articles, lambda path: project_path(settings, path))
    if wrong_metadata:
        raise HarbourError(wrong_metadata)
    # Each comment file is read once; one too long for the limits is a problem, a huge one
    # is refused unread.
    threads = comment_threads(
        content / conf["public_path"],
        {a.slug for a in articles},
        max_depth=conf["thread_depth"],
        shown_root=content.parent,
        zone=_site_zone(settings),
        limits=conf["length_limits"],
        # A comment's HTML depends on its Markdown and the code alone: kept between builds.
        render=memoised("comment-html", render_comment_body),
    )
    feed_pattern = conf["post_feed_atom"]
    warnings = comments_warnings_by_slug(articles)
    for article in articles:
        article.comments = threads.get(article.slug, [])
        article.comments_warnings = warnings[article.slug]
        article.comment_count = count_comments(article.comments)
        article.comments_feed_url = (
            f"{_site_address(settings)}/{feed_pattern.format(slug=article.slug)}" if feed_pattern else None
        )
    logger.debug("comments: %d comments on %d posts", sum(a.comment_count for a in articles), len(threads))
    if "content_warnings" not in enabled_plugins(settings):
        refuse_ungated_warnings(settings, articles)
    if "trigger_tags" in enabled_plugins(settings):
        check_comment_trigger_tags(settings, articles)
    attach_comment_forms(settings, articles, now=datetime.now(timezone.utc))


def attach_comment_forms(settings: Mapping[str, Any], articles: list[Any], *, now: datetime) -> None:
    """Give every article ``comments_open`` and ``comment_form``: the form, or None where none is shown."""
    conf = settings["COMMENTS"]
    open_by_slug = open_slugs(
        articles, site_open=conf["open"], close_after_days=conf["close_after_days"], now=now,
        zone=_site_zone(settings),
    )
    form = comment_form(conf, _warning_choices(settings))
    for article in articles:
        article.comments_open = open_by_slug[article.slug]
        article.comment_form = form if article.comments_open else None


@when_enabled("comments")
def check_pages(generator: Any) -> None:
    """At ``page_generator_finalized``: a page takes no comments, but may say ``Comments:`` all the same.

    Pelican turns every metadata key into an attribute, so ``Comments: closed`` would leave the
    text 'closed' where other plugins (the leak guard) expect a page's thread: it gets none.
    """
    settings = generator.settings
    names = ("pages", "translations", "hidden_pages", "hidden_translations", "draft_pages", "draft_translations")
    pages = [page for name in names for page in getattr(generator, name, [])]
    wrong_metadata = comments_metadata_problems(pages, lambda path: project_path(settings, path))
    if wrong_metadata:
        raise HarbourError(wrong_metadata)
    for page in pages:
        page.comments = []


def _warning_choices(settings: Mapping[str, Any]) -> tuple[Any, ...]:
    """The form's content-warning list: only where a warned comment could be shown behind a gate."""
    plugins = enabled_plugins(settings)
    if "trigger_tags" not in plugins or "content_warnings" not in plugins:
        return ()
    from trigger_tags import site_vocabulary

    return warning_groups(site_vocabulary(settings))


def _site_zone(settings: Mapping[str, Any]) -> tzinfo | None:
    name = settings.get("TIMEZONE")
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None  # Pelican itself reports an unknown TIMEZONE


def refuse_ungated_warnings(settings: Mapping[str, Any], articles: list[Any]) -> None:
    """A comment with its own Content-Warnings needs the warnings plugin's gate to be shown.

    Without it there is no safe way to show it: a ``<details>`` opens itself when a reader's
    find-in-page matches the text inside.
    """
    problems = [
        f"{project_path(settings, entry.source_path)}"
        f"{':' + str(entry.line) if entry.line else ''}: comment {entry.comment_id} has Content-Warnings "
        "but the content_warnings plugin is off, so nothing can keep its text behind a warning; add "
        "'trigger_tags' and 'content_warnings' to PLUGINS, or unpublish the comment"
        for article in articles
        for entry in comment_trigger_tags(article)
    ]
    if problems:
        raise HarbourError(problems)


def check_comment_trigger_tags(settings: Any, articles: list[Any]) -> None:
    """A comment's own Content-Warnings use the site's vocabulary, checked like a post's."""
    from trigger_tags import site_vocabulary, unknown_tag_policy
    from trigger_tags.vocabulary import resolve_tags

    vocabulary = site_vocabulary(settings)
    problems: list[str] = []
    for article in articles:
        for entry in comment_trigger_tags(article):
            shown = project_path(settings, entry.source_path)
            _, more = resolve_tags(vocabulary, list(entry.tags), source=shown, line=entry.line, field="Content-Warnings")
            problems += more
    unknown_tag_policy(settings, problems)


@when_enabled("comments")
def write_comment_outputs(generator: Any, writer: Any) -> None:
    """At ``article_writer_finalized``: each post's JSON, and the comment feeds when enabled."""
    settings = generator.settings
    conf = settings["COMMENTS"]
    output = Path(writer.output_path)
    published = [*generator.articles, *generator.translations]
    listed = _post_comments(published, settings)
    # Hidden posts are reached by their address only: they get their own JSON and feed, but
    # the site-wide feed must not announce them. A slug with a published version uses that
    # one's address: the hidden version's must not travel in a feed or file either.
    hidden = [*generator.hidden_articles, *generator.hidden_translations]
    posts = _post_comments(chain(published, hidden), settings)
    clashes = manifest_path_problems(conf, [post.slug for post in posts]) if conf["form_action"] else []
    if clashes:
        raise HarbourError(clashes)
    if conf["json_path"]:
        for post in posts:
            write_site_file(output / conf["json_path"].format(slug=post.slug), post_comments_json(post))
    # Published and hidden posts take comments; drafts never reach a reader. Without a receiver
    # (no form_action) nothing reads the manifest, so none is written.
    if conf["form_action"]:
        listed_slugs = {article.slug for article in published}
        unlisted = {article.slug for article in hidden} - listed_slugs
        write_manifest(output / conf["manifest_path"], posts, chain(published, hidden), settings, unlisted)
    site = _site_address(settings)
    sitename = settings.get("SITENAME", "")
    language = settings.get("DEFAULT_LANG", "en")
    if conf["post_feed_atom"]:
        for post in posts:
            path = conf["post_feed_atom"].format(slug=post.slug)
            write_site_file(output / path, comments_atom(
                [post], title=f"Comments on {post.title}", link=post.url, feed_url=f"{site}/{path}",
                language=language,
            ))
    if conf["feed_atom"]:
        write_site_file(output / conf["feed_atom"], comments_atom(
            listed, title=f"{sitename}: comments", link=f"{site}/", feed_url=f"{site}/{conf['feed_atom']}",
            language=language, max_items=conf["feed_max_items"],
        ))


def write_manifest(
    path: Path, posts: Iterable[PostComments], articles: Iterable[Any], settings: Mapping[str, Any],
    unlisted: Iterable[str] = (),
) -> None:
    """The receiver's manifest: each slug's address, whether it takes comments, its approved ids.

    ``posts`` are :func:`_post_comments` of ``articles`` (one per slug, at the version whose
    address is shown); every version of a slug has the same ``comments_open``.
    """
    open_by_slug = {article.slug: article.comments_open for article in articles}
    entries = [
        ManifestPost(
            post.slug, post.title, post.url, open=open_by_slug[post.slug],
            approved=tuple(node.id for node in walk(post.nodes)),
        )
        for post in posts
    ]
    write_site_file(path, comment_manifest(entries, (settings.get("SITEURL") or "").rstrip("/"), unlisted))


def register() -> None:
    signals.initialized.connect(validate_settings)
    signals.article_generator_finalized.connect(attach_comments)
    signals.page_generator_finalized.connect(check_pages)
    signals.article_writer_finalized.connect(write_comment_outputs)
