"""Pelican signal handlers of the comments plugin; the work is done by the plain functions they call.

- ``initialized``: check the ``COMMENTS`` settings once and keep the comments folder away
  from Pelican's readers.
- ``article_generator_finalized``: read the public store, refuse inconsistent comments, and
  give every article ``comments`` (threads) and ``comment_count``.
- ``article_writer_finalized``: write each post's comments JSON and, when enabled, the
  comment feeds.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from itertools import chain
from pathlib import Path
from typing import Any

from markupsafe import Markup
from pelican import signals

from comments.config import comments_settings
from comments.feeds import PostComments, comments_atom, post_comments_json
from comments.threads import comment_threads, comment_trigger_tags, count_comments
from harbour.files import atomic_write_text
from harbour.plugins import enabled_plugins, when_enabled

logger = logging.getLogger(__name__)


def _site_address(settings: Mapping[str, Any]) -> str:
    return (settings.get("FEED_DOMAIN") or settings.get("SITEURL") or "").rstrip("/")


def _all_articles(generator: Any) -> list[Any]:
    """Published, hidden and draft articles with their translations: every slug a comment may use."""
    return list(chain(
        generator.articles, generator.translations, generator.hidden_articles,
        generator.hidden_translations, generator.drafts, generator.drafts_translations,
    ))


def _post_comments(articles: Iterable[Any], settings: Mapping[str, Any]) -> list[PostComments]:
    site = (settings.get("SITEURL") or "").rstrip("/")
    # Titles may carry typogrify's markup and entities; feeds want the plain words.
    return [
        PostComments(a.slug, Markup(a.title).striptags(), f"{site}/{a.url}", a.comments) for a in articles
    ]


@when_enabled("comments")
def validate_settings(pelican: Any) -> None:
    """At ``initialized``: replace the writer's COMMENTS dict by the checked, complete one."""
    conf = comments_settings(pelican.settings)
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
    articles = _all_articles(generator)
    threads = comment_threads(
        content / conf["public_path"],
        {a.slug for a in articles},
        max_depth=conf["thread_depth"],
        shown_root=content.parent,
    )
    feed_pattern = conf["post_feed_atom"]
    for article in articles:
        article.comments = threads.get(article.slug, [])
        article.comment_count = count_comments(article.comments)
        article.comments_feed_url = (
            f"{_site_address(settings)}/{feed_pattern.format(slug=article.slug)}" if feed_pattern else None
        )
    logger.debug("comments: %d comments on %d posts", sum(a.comment_count for a in articles), len(threads))
    if "trigger_tags" in enabled_plugins(settings):
        check_comment_trigger_tags(settings, articles)


def check_comment_trigger_tags(settings: Any, articles: list[Any]) -> None:
    """A comment's own Content-Warnings use the site's vocabulary, checked like a post's."""
    from trigger_tags import site_vocabulary, unknown_tag_policy
    from trigger_tags.vocabulary import resolve_tags

    vocabulary = site_vocabulary(settings)
    problems: list[str] = []
    for article in articles:
        for entry in comment_trigger_tags(article):
            shown = os.path.relpath(entry.source_path, os.path.dirname(settings["PATH"]))
            _, more = resolve_tags(vocabulary, list(entry.tags), source=shown, line=entry.line, field="Content-Warnings")
            problems += more
    unknown_tag_policy(settings, problems)


@when_enabled("comments")
def write_comment_outputs(generator: Any, writer: Any) -> None:
    """At ``article_writer_finalized``: each post's JSON, and the comment feeds when enabled."""
    settings = generator.settings
    conf = settings["COMMENTS"]
    output = Path(writer.output_path)
    posts = _post_comments(chain(generator.articles, generator.translations, generator.hidden_articles,
                                 generator.hidden_translations), settings)
    if conf["json_path"]:
        for post in posts:
            atomic_write_text(output / conf["json_path"].format(slug=post.slug), post_comments_json(post))
    site = _site_address(settings)
    sitename = settings.get("SITENAME", "")
    language = settings.get("DEFAULT_LANG", "en")
    if conf["post_feed_atom"]:
        for post in posts:
            path = conf["post_feed_atom"].format(slug=post.slug)
            atomic_write_text(output / path, comments_atom(
                [post], title=f"Comments on {post.title}", link=post.url, feed_url=f"{site}/{path}",
                language=language,
            ))
    if conf["feed_atom"]:
        atomic_write_text(output / conf["feed_atom"], comments_atom(
            posts, title=f"{sitename}: comments", link=f"{site}/", feed_url=f"{site}/{conf['feed_atom']}",
            language=language, max_items=conf["feed_max_items"],
        ))


def register() -> None:
    signals.initialized.connect(validate_settings)
    signals.article_generator_finalized.connect(attach_comments)
    signals.article_writer_finalized.connect(write_comment_outputs)
