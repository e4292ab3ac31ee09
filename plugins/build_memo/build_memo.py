"""Keep what a build made for the next one: posts through Markdown, typogrify, comment bodies.

A writer previews every edit, and a rebuild after one edit should not convert three hundred
unchanged posts again. Pelican's own content cache cannot be used here: it trusts a file's
modification time and knows nothing of the settings, the vocabulary or the plugins that shape
a post, so it can serve a page from before a change. This plugin keeps results by what they
were made from instead (:mod:`harbour.memo`), and only for steps whose result depends on
their input text and the code alone:

- Markdown: a post's HTML and its raw header, by the file's text and path. Everything that
  depends on more than the text (the gates, which read the vocabulary; the header's values,
  which read the settings) is still done on every build from that HTML and header.
- typogrify: by the text and its options.
- comment bodies: by the comment's Markdown (the comments plugin asks :func:`harbour.memo.memoised`).

The memo is saved by :mod:`harbour.build` once Pelican's run is over (after every plugin's
``finalized`` step, which run in no fixed order), so a run that stopped leaves the last whole one.
"""

from __future__ import annotations

import functools
import logging
import shutil
from pathlib import Path
from typing import Any

from markdown.preprocessors import Preprocessor
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from content_warnings.markdown_ext import PassageBounds
from build_memo.prerender import Prerender, typogrify_key
from harbour.memo import BuildMemo, code_fingerprint, current_memo, digest, set_current_memo
from harbour.plugins import when_enabled

logger = logging.getLogger(__name__)

# Settings that reach the Markdown and typogrify results themselves.
RENDER_SETTINGS = ("MARKDOWN", "TYPOGRIFY", "TYPOGRIFY_IGNORE_TAGS", "TYPOGRIFY_OMIT_FILTERS", "TYPOGRIFY_DASHES")


@functools.cache
def _loaded_code() -> str:
    # Once per process: the code a process runs is the code it loaded, whatever changes on disk.
    return code_fingerprint()


def memo_fingerprint(settings: dict[str, Any]) -> str:
    return digest(_loaded_code(), *(f"{name}={settings.get(name)!r}" for name in RENDER_SETTINGS))


class CachedMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, with the conversion kept in the build memo.

    A passage's bounds hold a key secret to the process that converted it
    (:class:`PassageBounds`); the memo keeps the HTML cut at them, and a later process joins it
    again with its own key.
    """

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        memo = current_memo()
        if memo is None:
            return super().read(source_path)
        with pelican_open(source_path) as text:
            key = digest(str(source_path), text)
            table = memo.table("markdown")
            kept = table.get(key)
            if kept is None:
                self._source_path = source_path
                self._md = self._markdown()
                content = self._md.convert(text)
                meta = getattr(self._md, "Meta", None)
                kept = {"html": content.split(PassageBounds.marker()), "meta": meta}
                table.put(key, kept)
            else:
                content = PassageBounds.marker().join(kept["html"])
        self._source_path = source_path
        meta = kept["meta"]
        if meta is None:
            return content, {}
        # The header's values are read anew each build: they depend on settings (dates, slugs...).
        self._md = self._header_markdown()
        return content, self._parse_metadata(meta)

    def _markdown(self) -> Any:
        from markdown import Markdown

        return Markdown(**self.settings["MARKDOWN"])

    def _header_markdown(self) -> Any:
        """The Markdown that converts a kept header's formatted fields (the summary): one for every post.

        Making a Markdown loads every extension, which cost a large site more than reading its
        kept posts. Pelican resets it before each field it converts (Python-Markdown's way of
        using one for many documents), and takes its header reader ("meta") out first, each
        time; a stand-in under that name is there for it to take out.
        """
        md = getattr(self, "_kept_header_md", None)
        if md is None:
            md = self._kept_header_md = self._markdown()
        if "meta" not in md.preprocessors:
            md.preprocessors.register(_NoPreprocessing(md), "meta", 0)
        return md


class _NoPreprocessing(Preprocessor):
    """Stands where Pelican expects the header reader it removes (it is removed before any use)."""

    def run(self, lines: list[str]) -> list[str]:
        return lines


def _typogrify_shim() -> None:
    """Route Pelican's typogrify through the memo.

    Pelican imports ``typogrify.filters.typogrify`` each time it reads a file and offers no hook
    around it, so the function itself is wrapped, once per process; without an open memo the
    wrapper is the original function.
    """
    import smartypants
    from typogrify import filters

    global _original_typogrify
    if getattr(filters.typogrify, "harbour_memo", False):
        return
    original = _original_typogrify = filters.typogrify

    def typogrify(text: str, ignore_tags: Any = None, **options: Any) -> str:
        memo = current_memo()
        if memo is None:
            return original(text, ignore_tags, **options)
        # A post's HTML holds its passages' bounds, whose key is new in every process: kept cut
        # at them (as the Markdown is), the same post is the same key in the next build too.
        marker = PassageBounds.marker()
        parts = text.split(marker)
        # Pelican sets smartypants' default attributes (its dashes setting) before each use.
        key = typogrify_key(parts, ignore_tags, options, int(smartypants.Attr.default))
        kept = memo.table("typogrify").make(key, lambda: original(text, ignore_tags, **options).split(marker))
        return marker.join(kept)

    typogrify.harbour_memo = True  # type: ignore[attr-defined]
    filters.typogrify = typogrify


_original_typogrify: Any = None
_prerender: Prerender | None = None


def original_typogrify() -> Any:
    """typogrify itself, not the memo's wrapper (None until the wrapper is installed)."""
    return _original_typogrify


def _stop_prerender() -> None:
    global _prerender
    if _prerender is not None:
        _prerender.close()
        _prerender = None


def forget_memo(pelican: Any) -> None:
    """At ``initialized``, for every build: no memo (or worker) carries over from a build that did not finish."""
    _stop_prerender()
    set_current_memo(None)


@when_enabled("build_memo")
def start_prerender(generator: Any) -> None:
    """At ``article_generator_init``: on a large site, workers make what the memo lacks (see prerender)."""
    global _prerender
    memo = current_memo()
    if memo is not None and _prerender is None:
        _prerender = Prerender.start(memo, generator)


@when_enabled("build_memo")
def keep_compiled_templates(pelican: Any) -> None:
    """At ``initialized``: Jinja keeps each template's compiled code in CACHE_PATH.

    Jinja's own bytecode cache checks each template's source, so an edited template is compiled
    again; what it does not check is the environment's options, hence one folder per set of
    options and library versions (and the folders of other sets removed).
    """
    from jinja2 import FileSystemBytecodeCache

    settings = pelican.settings
    environment = dict(settings.get("JINJA_ENVIRONMENT") or {})
    if environment.get("bytecode_cache") is not None:
        return  # the writer chose their own
    name = "jinja-" + digest(_loaded_code(), repr(sorted(environment.items(), key=lambda item: item[0])))[:16]
    cache = Path(settings["CACHE_PATH"])
    for other in cache.glob("jinja-*") if cache.is_dir() else ():
        if other.name != name and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
    (cache / name).mkdir(parents=True, exist_ok=True)
    settings["JINJA_ENVIRONMENT"] = {**environment, "bytecode_cache": FileSystemBytecodeCache(str(cache / name))}


@when_enabled("build_memo")
def open_memo(readers: Any) -> None:
    """At ``readers_init`` (once per generator): open the build's memo, read Markdown through it."""
    if current_memo() is None:
        settings = readers.settings
        set_current_memo(BuildMemo.load(Path(settings["CACHE_PATH"]), memo_fingerprint(settings)))
        _typogrify_shim()
    for extension, reader_class in readers.reader_classes.items():
        if reader_class is MarkdownReader:
            readers.reader_classes[extension] = CachedMarkdownReader


@when_enabled("build_memo")
def stop_workers(pelican: Any) -> None:
    """At ``finalized``: the workers have made all they were asked for (harbour.build then saves the memo)."""
    _stop_prerender()


def register() -> None:
    signals.initialized.connect(forget_memo)
    signals.initialized.connect(keep_compiled_templates)
    signals.readers_init.connect(open_memo)
    signals.article_generator_init.connect(start_prerender)
    signals.finalized.connect(stop_workers)
