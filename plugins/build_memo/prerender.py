"""Fill the build memo on every core before Pelican reads: posts' Markdown and typogrify, comment bodies.

Pelican reads posts one after another on one core. Most of a cold build's reading is pure work
on text (Markdown, typogrify's smartypants, each comment's Markdown and cleaning), whose results
the build memo keeps by the hash of what made them. So before the first post is read, worker
processes make the results the memo lacks, and put them where the reader and the comments
plugin look first. Nothing else changes: the build reads every post and comment as before,
and finds its results made. A result a worker could not make (a file it could not read, a
post Markdown chokes on) is simply missing, and the build makes it itself, failing or warning
exactly as it would have.

Workers are forked (:mod:`harbour.workers` says when that is safe), and only for a large site,
where the work outweighs starting them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pelican.utils import pelican_open

from content_warnings.markdown_ext import PassageBounds
from harbour.memo import BuildMemo, digest
from harbour.workers import can_fork, chunks, fork_pool, worker_count

logger = logging.getLogger(__name__)

MIN_WORK = 200  # posts and comments to make: below this, starting workers costs more than it saves
Result = tuple[str, str, Any]  # (table, key, value)


def typogrify_key(parts: Sequence[str], ignore_tags: Any, options: dict[str, bool], attributes: int) -> str:
    """The typogrify memo's key: the text cut at the passage bounds, and all typogrify is told."""
    return digest(*parts, repr(ignore_tags), repr(sorted(options.items())), str(attributes))


def typogrify_options(settings: dict[str, Any]) -> tuple[Any, dict[str, bool]]:
    """What Pelican passes to typogrify with a post's content."""
    return settings["TYPOGRIFY_IGNORE_TAGS"], dict.fromkeys(settings["TYPOGRIFY_OMIT_FILTERS"], False)


def smartypants_attributes(settings: dict[str, Any]) -> int:
    """smartypants' default attributes as Pelican sets them before typogrify (Pelican's readers.py)."""
    import smartypants

    dashes = settings["TYPOGRIFY_DASHES"]
    chosen = {"oldschool": smartypants.Attr.set2, "oldschool_inverted": smartypants.Attr.set3}
    return int(chosen.get(dashes, smartypants.Attr.set1) | smartypants.Attr.w)


def render_posts(settings: dict[str, Any], paths: Sequence[str]) -> list[Result]:
    """In a worker: each post's Markdown, and its typogrified content when the build typogrifies."""
    import smartypants
    from markdown import Markdown
    from typogrify.filters import typogrify

    from build_memo.build_memo import original_typogrify

    marker = PassageBounds.marker()  # this worker's own bounds: kept cut at them, as the reader keeps them
    made: list[Result] = []
    if settings["TYPOGRIFY"]:
        attributes = smartypants_attributes(settings)
        smartypants.Attr.default = attributes
        ignore_tags, options = typogrify_options(settings)
    for path in paths:
        try:
            with pelican_open(path) as text:
                md = Markdown(**settings["MARKDOWN"])
                html = md.convert(text)
            parts = html.split(marker)
            meta = getattr(md, "Meta", None)
            made.append(("markdown", digest(path, text), {"html": parts, "meta": meta}))
            if settings["TYPOGRIFY"]:
                # What Pelican typogrifies: the content, the title, the summary (Markdown first).
                texts = [html, *(meta or {}).get("title", [])[:1]]
                if (meta or {}).get("summary"):
                    md.reset()
                    md.preprocessors.deregister("meta")
                    texts.append(md.convert("\n".join(meta["summary"])))
                for one in filter(None, texts):
                    pieces = one.split(marker)
                    made.append(("typogrify", typogrify_key(pieces, ignore_tags, options, attributes),
                                 (original_typogrify() or typogrify)(one, ignore_tags, **options).split(marker)))
        except Exception as error:  # the build reads it again itself and reports what is wrong
            logger.debug("prerender: left %s to the build (%s)", path, error)
    return made


def render_comments(paths: Sequence[str]) -> list[Result]:
    """In a worker: each comment file's body as the comments plugin renders it."""
    from comments.desk.public_store import parse_comment_file
    from comments.sanitise import render_comment_body

    made: list[Result] = []
    for path in paths:
        try:
            comment = parse_comment_file(Path(path), post=Path(path).parent.name)
            made.append(("comment-html", digest(comment.body), render_comment_body(comment.body)))
        except Exception as error:
            logger.debug("prerender: left %s to the build (%s)", path, error)
    return made


def post_paths(generator: Any) -> list[str]:
    """Every Markdown post and page the build will read, as Pelican names them when it reads them."""
    from build_memo.build_memo import CachedMarkdownReader

    settings = generator.settings
    suffixes = tuple(f".{extension}" for extension in CachedMarkdownReader.file_extensions)
    found = set()
    for paths, exclude in (("ARTICLE_PATHS", "ARTICLE_EXCLUDES"), ("PAGE_PATHS", "PAGE_EXCLUDES")):
        found |= generator.get_files(settings[paths], exclude=settings[exclude])
    return sorted(
        os.path.abspath(os.path.join(generator.path, name)) for name in found if name.lower().endswith(suffixes)
    )


def comment_paths(settings: dict[str, Any]) -> list[str]:
    conf = settings.get("COMMENTS")
    if not isinstance(conf, dict) or "public_path" not in conf:
        return []
    store = Path(settings["PATH"]) / conf["public_path"]
    return sorted(str(p) for p in store.glob("*/*.md")) if store.is_dir() else []


class Prerender:
    """The workers of one build, and the results they owe the memo."""

    def __init__(self, memo: BuildMemo, pool: ProcessPoolExecutor) -> None:
        self.memo = memo
        self._pool = pool
        self._pending: dict[str, list[Future[list[Result]]]] = {}

    @classmethod
    def start(cls, memo: BuildMemo, generator: Any) -> Prerender | None:
        """Workers for what the memo lacks, when there is enough of it and forking is safe; else None."""
        settings = generator.settings
        if not can_fork():
            return None  # before reading every post to see what is missing (livereload runs threads)
        posts = [path for path in post_paths(generator) if not _kept(memo, path)]
        # Comments are worth sending only when most are new to the memo (a first build).
        comments = comment_paths(settings)
        if len(memo.table("comment-html").saved) >= len(comments) // 2:
            comments = []
        if len(posts) + len(comments) < MIN_WORK:
            return None
        pool = fork_pool()
        if pool is None:
            return None
        prerender = cls(memo, pool)
        workers = worker_count()
        render_settings = {name: settings[name] for name in (
            "MARKDOWN", "TYPOGRIFY", "TYPOGRIFY_IGNORE_TAGS", "TYPOGRIFY_OMIT_FILTERS", "TYPOGRIFY_DASHES")}
        try:
            for chunk in chunks(posts, 2 * workers):
                future = prerender._pool.submit(render_posts, render_settings, chunk)
                for table in ("markdown", "typogrify"):
                    prerender._pending.setdefault(table, []).append(future)
            for chunk in chunks(comments, 2 * workers):
                prerender._pending.setdefault("comment-html", []).append(
                    prerender._pool.submit(render_comments, chunk)
                )
        except Exception as error:
            logger.debug("prerender: could not start workers (%s)", error)
            prerender.close()
            return None
        memo.before_table = prerender.collect
        logger.debug("prerender: %d posts and %d comments on %d workers", len(posts), len(comments), workers)
        return prerender

    def collect(self, table: str) -> None:
        """Before ``table`` is read: wait for the workers that owe it, and file what they made."""
        if not self._pending.get(table):
            return
        self.memo.before_table = None  # filing results asks for tables too
        for future in self._pending.pop(table, []):
            try:
                results = future.result()
            except Exception as error:  # a worker died: the build makes what it lacks itself
                logger.debug("prerender: a worker failed (%s)", error)
                continue
            for name, key, value in results:
                self.memo.table(name).offer(key, value)
            for futures in self._pending.values():
                while future in futures:
                    futures.remove(future)
        if any(self._pending.values()):
            self.memo.before_table = self.collect
        else:
            self.close()

    def close(self) -> None:
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self.memo.before_table == self.collect:
            self.memo.before_table = None


def _kept(memo: BuildMemo, path: str) -> bool:
    try:
        with pelican_open(path) as text:
            return digest(path, text) in memo.table("markdown").saved
    except (OSError, UnicodeDecodeError):
        return True  # the build reports it; no worker needs to try
