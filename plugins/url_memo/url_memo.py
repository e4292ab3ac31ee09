"""Remember each post's and page's URLs once the build has settled them, instead of formatting them anew.

Templates read ``article.url`` and ``save_as`` many times a page (listings, related posts, older
and newer, tags), and Pelican formats each answer afresh: it copies the post's metadata, finds
its source's relative path and formats its date (on 2,000 posts, 70,000 calls and about a fifth
of the time spent writing pages). From ``all_generators_finalized`` on, each post and page
keeps the URLs it has answered.

Why a kept URL is never stale: it is kept under everything it was made from, namely the setting's
name and text (``ARTICLE_URL``, ``DRAFT_SAVE_AS``... as Pelican picks it from the class, status
and language), the value of each field that text names, exactly as Pelican's ``url_format``
gives it (``slug``, ``date``, ``path``, a metadata field), and the locale when a field has a
format (a ``{date:%B}`` is the month's name in it). A post whose slug, date, status or settings
change after it was kept is looked up under another key, so it is formatted again. What the
key cannot describe exactly (a field missing, for which Pelican would use the time of the
call; a value other than a string, a whole number or a date) is never kept: Pelican formats it.

Pelican has no hook around formatting a URL, so ``Content._expand_settings`` (the one step
under ``url`` and ``save_as`` that every class reaches, after its own choice of setting) is
wrapped while a build with this plugin writes its pages, and restored after. Even while it is
wrapped, only the posts and pages of such a build keep URLs: any other content object (a build
without the plugin, in the same process) goes straight to Pelican's own method.
"""

from __future__ import annotations

import datetime
import functools
import locale
import logging
import string
import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Final
from zoneinfo import ZoneInfo

from pelican import signals
from pelican.contents import Content
from pelican.utils import path_to_url

from harbour.plugins import enabled_plugins

logger = logging.getLogger(__name__)

PLUGIN = "url_memo"
# Where a content object keeps its URLs: its presence is what opts the object in.
KEPT_URLS = "_url_memo_kept"
# A field without a value that a key can hold (see url_field, key_part).
_MISSING = object()

# Pelican's own method, which ours stands in for while a build with this plugin writes pages.
_PELICAN_EXPAND_SETTINGS: Final[Callable[..., str]] = Content.__dict__["_expand_settings"]
_patch_lock = threading.Lock()


@functools.lru_cache(maxsize=256)
def template_fields(template: str) -> tuple[tuple[str, ...], bool] | None:
    """The fields a URL setting names, and whether any is formatted (so the locale may matter).

    None for what a key could not describe simply: a positional field (Pelican passes only
    names) or a format that holds a field of its own (``{date:{fmt}}``).
    """
    names: list[str] = []
    formatted = False
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:  # Pelican's own call raises the error for the writer
        return None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        name = field.split(".", 1)[0].split("[", 1)[0]
        if not name or name.isdigit() or "{" in (spec or ""):
            return None
        formatted = formatted or bool(spec) or bool(conversion)
        if name not in names:
            names.append(name)
    return tuple(names), formatted


def url_field(content: Any, name: str) -> Any:
    """The value Pelican's ``url_format`` gives field ``name`` of ``content``, or _MISSING.

    Mirrors ``Content.url_format`` (Pelican 4.12) field by field; a test holds the two equal.
    A date that is not set is _MISSING: Pelican would use the time of the call.
    """
    if name == "path":
        return path_to_url(content.metadata.get("path", content.get_relative_source_path()))
    if name == "slug":
        return getattr(content, "slug", "")
    if name == "lang":
        return getattr(content, "lang", "en")
    if name == "date":
        return getattr(content, "date", _MISSING)
    if name in ("author", "category"):
        return getattr(content, name).slug if hasattr(content, name) else ""
    return content.metadata.get(name, _MISSING)


def key_part(value: Any) -> Hashable:
    """``value`` as part of a key: equal parts format alike. _MISSING for a value that may not.

    Exact types only, since ``True == 1`` yet each formats differently. Two dates in the same
    zone are equal only when every field is, but ``fold`` (which of an hour that happens twice),
    hence the fold too; in different zones they never share a key. Zones are Pelican's own
    (``ZoneInfo``, equal only to itself): other kinds may be equal yet named differently (%Z).
    """
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return (kind, value)
    if isinstance(value, (datetime.date, datetime.time)):
        zone = getattr(value, "tzinfo", None)
        if zone is None or type(zone) is ZoneInfo:
            return (kind, value, zone, getattr(value, "fold", 0))
    return _MISSING


def url_key(content: Any, key: str, klass: str | None) -> Hashable | None:
    """What ``Content._expand_settings(content, key, klass)`` is made from, or None if not kept."""
    setting = f"{klass or content.__class__.__name__}_{key}".upper()  # as Pelican names it
    template = content.settings.get(setting)
    if type(template) is not str:
        return None
    fields = template_fields(template)
    if fields is None:
        return None
    names, formatted = fields
    parts = []
    for name in names:
        part = key_part(url_field(content, name))
        if part is _MISSING:
            return None
        parts.append(part)
    # The locale matters to formats such as %B; Pelican's date filter restores it after each use.
    return (setting, template, locale.setlocale(locale.LC_ALL) if formatted else None, tuple(parts))


def _expand_settings_kept(self: Any, key: str, klass: str | None = None) -> str:
    """Stands in for ``Content._expand_settings``: the kept URL, or Pelican's, kept when it may be."""
    kept = self.__dict__.get(KEPT_URLS)
    if kept is None:
        return _PELICAN_EXPAND_SETTINGS(self, key, klass)
    memo_key = url_key(self, key, klass)
    if memo_key is None:
        return _PELICAN_EXPAND_SETTINGS(self, key, klass)
    try:
        return kept[memo_key]
    except KeyError:
        url = kept[memo_key] = _PELICAN_EXPAND_SETTINGS(self, key, klass)
        return url


def wrap_expand_settings() -> bool:
    """Put our stand-in in place of Pelican's ``Content._expand_settings``; False if another's is there."""
    with _patch_lock:
        current = Content.__dict__["_expand_settings"]
        if current is _PELICAN_EXPAND_SETTINGS:
            Content._expand_settings = _expand_settings_kept  # type: ignore[method-assign]
        return Content.__dict__["_expand_settings"] is _expand_settings_kept


def restore_expand_settings() -> None:
    """Give ``Content`` Pelican's own ``_expand_settings`` back, if ours is in its place."""
    with _patch_lock:
        if Content.__dict__["_expand_settings"] is _expand_settings_kept:
            Content._expand_settings = _PELICAN_EXPAND_SETTINGS  # type: ignore[method-assign]


def keep_urls(contents: Iterable[Any]) -> int:
    """From now on, each of ``contents`` keeps its URLs (afresh: nothing kept before is kept)."""
    count = 0
    for content in contents:
        if isinstance(content, Content):
            content.__dict__[KEPT_URLS] = {}
            count += 1
    return count


def settle_urls(generators: list[Any]) -> None:
    """At ``all_generators_finalized``: every post, page and file read keeps its URLs from now on.

    Not @when_enabled: this signal's sender is the list of generators, not one with settings.
    """
    if not generators or PLUGIN not in enabled_plugins(generators[0].settings):
        return
    if not wrap_expand_settings():
        logger.debug("url memo: Content._expand_settings is not Pelican's; URLs are not kept")
        return
    context = generators[0].context
    read = [*context.get("generated_content", {}).values(), *context.get("static_content", {}).values()]
    logger.debug("url memo: %d posts, pages and files keep their URLs", keep_urls(read))


def restore_unless_enabled(pelican: Any) -> None:
    """At ``initialized``: a build without this plugin formats every URL with Pelican's own method.

    (A build with it that stopped before ``finalized`` left the stand-in in place; it passes
    every object it was not told to keep straight to Pelican all the same.)
    """
    if PLUGIN not in enabled_plugins(pelican.settings):
        restore_expand_settings()


def stop_after_build(pelican: Any) -> None:
    """At ``finalized``: the pages are written; Pelican's own method is put back."""
    if PLUGIN in enabled_plugins(pelican.settings):
        restore_expand_settings()


def register() -> None:
    signals.initialized.connect(restore_unless_enabled)
    signals.all_generators_finalized.connect(settle_urls)
    signals.finalized.connect(stop_after_build)
