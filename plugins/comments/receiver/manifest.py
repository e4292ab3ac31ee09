"""What the receiver knows about the site: the build's manifest (which posts take comments, which
comments are approved) and each post's public comments JSON, read from the built output folder or
fetched from the site's address.

The receiver never needs the site's sources: a receiver on a small server beside the static host
reads the same files readers do. A folder is re-read whenever a file changes (the build writes
them atomically, so a read sees one whole version); an address is fetched again after
``ADDRESS_CACHE_SECONDS``. When a new version cannot be read the last good one stays in use.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urljoin, urlsplit

from comments.model import (
    COMMENT_ID_HELP,
    MANIFEST_FORMAT,
    MANIFEST_VERSION,
    POST_SLUG_HELP,
    is_comment_id,
    is_post_slug,
    unlisted_key,
)
from harbour.errors import HarbourError

logger = logging.getLogger(__name__)

ADDRESS_CACHE_SECONDS = 60
FETCH_TIMEOUT_SECONDS = 10
# A manifest lists every post and approved comment id: a few hundred kB for a large blog.
MAX_FILE_BYTES = 32 * 1024 * 1024

T = TypeVar("T")


class SiteUnavailable(Exception):
    """A file the receiver needs cannot be read and no earlier version of it is known."""


@dataclass(frozen=True)
class PostEntry:
    """One post as the manifest describes it."""

    slug: str
    title: str
    url: str
    open: bool
    approved: frozenset[str]


@dataclass(frozen=True)
class Manifest:
    site: str
    posts: Mapping[str, PostEntry]
    # Hidden posts, named by unlisted_key(slug), without title or address: the file is public.
    unlisted: Mapping[str, PostEntry] = field(default_factory=dict)

    def post(self, slug: str) -> PostEntry | None:
        """The post a submission names, listed or hidden."""
        if slug in self.posts:
            return self.posts[slug]
        hidden = self.unlisted.get(unlisted_key(slug))
        return replace(hidden, slug=slug) if hidden is not None else None


@dataclass(frozen=True)
class PublishedComment:
    """A comment as the post's public JSON shows it; ``body`` is None when the site withholds it."""

    id: str
    author: str
    anchor: str
    body: str | None
    content_warnings: tuple[str, ...]


class SiteFiles(Protocol):
    """Where the built site's files are read from."""

    def load(self, relative: str, parse: Callable[[bytes, str], T]) -> T:
        """The parsed file at ``relative`` (a path inside the output); SiteUnavailable when unreadable."""
        ...

    def describe(self, relative: str) -> str:
        ...


_GONE = "gone"


@dataclass
class _Cached:
    key: Any
    value: Any


class SiteFolder:
    """The built output folder on this machine."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SiteFolder({str(self.root)!r})"

    def describe(self, relative: str) -> str:
        return str(self.root / relative)

    def load(self, relative: str, parse: Callable[[bytes, str], T]) -> T:
        path = self.root / relative
        with self._lock:
            cached = self._cache.get(relative)
        try:
            stat = path.stat()
        except OSError as error:
            if cached is not None and cached.key == _GONE:
                return cached.value  # type: ignore[no-any-return]  # reported already
            if cached is not None:
                with self._lock:
                    self._cache[relative] = _Cached(_GONE, cached.value)
            return _stale_or_raise(cached, relative, f"{path} cannot be read ({error.strerror})")
        key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if cached is not None and cached.key == key:
            return cached.value  # type: ignore[no-any-return]
        try:
            value = parse(path.read_bytes(), str(path))
        except (OSError, HarbourError) as error:
            if cached is not None:
                # Remember the bad version's key so that it is reported once, not on every request.
                with self._lock:
                    self._cache[relative] = _Cached(key, cached.value)
            return _stale_or_raise(cached, relative, str(error))
        with self._lock:
            self._cache[relative] = _Cached(key, value)
        return value


class SiteAddress:
    """The published site, fetched over HTTP(S) and kept for ``ttl`` seconds."""

    def __init__(
        self,
        base_url: str,
        *,
        ttl: float = ADDRESS_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        opener: Callable[..., Any] = urllib.request.urlopen,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise HarbourError(
                f"--site {base_url!r} is neither a folder nor an http(s) address; give the built output "
                "folder (e.g. output) or the published site's address (e.g. https://example.org/)"
            )
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.ttl = ttl
        self._clock = clock
        self._opener = opener
        self._cache: dict[str, tuple[float, _Cached]] = {}
        # One fetch at a time: when the cache runs out, many requests at once would each fetch.
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SiteAddress({self.base_url!r})"

    def describe(self, relative: str) -> str:
        return urljoin(self.base_url, quote(relative))

    def load(self, relative: str, parse: Callable[[bytes, str], T]) -> T:
        with self._lock:
            entry = self._cache.get(relative)
            now = self._clock()
            if entry is not None and now - entry[0] < self.ttl:
                return entry[1].value  # type: ignore[no-any-return]
            url = self.describe(relative)
            try:
                value = parse(self._fetch(url), url)
            except (OSError, HarbourError) as error:
                cached = entry[1] if entry else None
                if cached is not None:
                    self._cache[relative] = (now, cached)  # try again after ttl, not on every request
                return _stale_or_raise(cached, relative, f"{url}: {error}")
            self._cache[relative] = (now, _Cached(None, value))
            return value

    def _fetch(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": "still-here-comment-receiver"})
        with self._opener(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            data: bytes = response.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise HarbourError(f"larger than {MAX_FILE_BYTES} bytes")
        return data


def _stale_or_raise(cached: _Cached | None, relative: str, problem: str) -> Any:
    if cached is None:
        raise SiteUnavailable(problem)
    logger.warning("%s; still using the version read before", problem)
    return cached.value


def site_files(site: str | Path, **options: Any) -> SiteFolder | SiteAddress:
    """The site's files from a folder, or from an http(s) address (``https://example.org/``)."""
    text = str(site)
    if text.startswith(("http://", "https://")):
        return SiteAddress(text, **options)
    if "://" in text:
        SiteAddress(text)  # raises the message naming what is allowed
    return SiteFolder(text)


# --- The manifest ------------------------------------------------------------------------


def parse_manifest(data: bytes, source: str) -> Manifest:
    """Read a manifest written by the build; a HarbourError names the file and every problem."""
    document = _json_document(data, source)
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise HarbourError(f"{source}: not a comment manifest (no \"format\": {MANIFEST_FORMAT!r})")
    if document.get("version") != MANIFEST_VERSION:
        raise HarbourError(
            f"{source}: manifest version {document.get('version')!r} is not one this receiver reads "
            f"({MANIFEST_VERSION}); run the same version of the project on the receiver as for the build"
        )
    site, posts = document.get("site", ""), document.get("posts")
    problems = []
    if not isinstance(site, str):
        problems.append(f"{source}: site: expected text, got {_kind(site)}")
    if not isinstance(posts, dict):
        problems.append(f"{source}: posts: expected an object of post slugs, got {_kind(posts)}")
        raise HarbourError(problems)
    entries = {}
    for slug, entry in posts.items():
        post_problems = _post_problems(slug, entry)
        problems += [f"{source}: posts[{slug!r}]{p}" for p in post_problems]
        if not post_problems:
            entries[slug] = PostEntry(
                slug=slug, title=entry["title"], url=entry["url"], open=entry["open"],
                approved=frozenset(entry["approved"]),
            )
    unlisted = document.get("unlisted", {})
    hidden = {}
    if not isinstance(unlisted, dict):
        problems.append(f"{source}: unlisted: expected an object of hashed post slugs, got {_kind(unlisted)}")
        unlisted = {}
    for key, entry in unlisted.items():
        entry_problems = (
            [": not a hashed slug (64 hex digits)"] if not re.fullmatch(r"[0-9a-f]{64}", str(key))
            else _post_problems("unlisted", {"title": "", "url": "", **entry} if isinstance(entry, dict) else entry)
        )
        problems += [f"{source}: unlisted[{key!r}]{p}" for p in entry_problems]
        if not entry_problems:
            hidden[key] = PostEntry(slug="", title="", url="", open=entry["open"],
                                    approved=frozenset(entry["approved"]))
    if problems:
        raise HarbourError(problems)
    return Manifest(site=site, posts=entries, unlisted=hidden)


def _post_problems(slug: str, entry: Any) -> list[str]:
    if not is_post_slug(slug):
        return [f": not a post slug ({POST_SLUG_HELP})"]
    if not isinstance(entry, dict):
        return [f": expected an object, got {_kind(entry)}"]
    problems = [
        f".{name}: expected {what}, got {_kind(entry.get(name))}"
        for name, what, ok in (
            ("title", "text", isinstance(entry.get("title"), str)),
            ("url", "text", isinstance(entry.get("url"), str)),
            ("open", "true or false", isinstance(entry.get("open"), bool)),
            ("approved", "a list of comment ids", isinstance(entry.get("approved"), list)),
        )
        if not ok
    ]
    if not problems:
        problems += [
            f".approved: {value!r} is not a comment id ({COMMENT_ID_HELP})"
            for value in entry["approved"] if not is_comment_id(value)
        ]
    return problems


def parse_published_comments(data: bytes, source: str) -> dict[str, PublishedComment]:
    """The comments of one post's public JSON (the build's ``json_path``), by id.

    Only what the site itself shows is taken: a comment whose text the JSON withholds (its own
    warning, or a post behind one) keeps it withheld here too. Entries of an unexpected shape
    are skipped; the reply page then names the comment without quoting it.
    """
    document = _json_document(data, source)
    comments = document.get("comments") if isinstance(document, dict) else None
    found = {}
    for entry in comments if isinstance(comments, list) else []:
        if not isinstance(entry, dict) or not is_comment_id(entry.get("id")):
            continue
        body = entry.get("body")
        warnings = entry.get("content_warnings")
        warnings = warnings if isinstance(warnings, list) else []
        found[entry["id"]] = PublishedComment(
            id=entry["id"],
            author=entry["author"] if isinstance(entry.get("author"), str) else "",
            anchor=entry["anchor"] if isinstance(entry.get("anchor"), str) else "",
            body=body if isinstance(body, str) and not entry.get("body_withheld") else None,
            content_warnings=tuple(w for w in warnings if isinstance(w, str)),
        )
    return found


def _json_document(data: bytes, source: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise HarbourError(f"{source}: not UTF-8 text; rebuild the site") from None
    except json.JSONDecodeError as error:
        raise HarbourError(
            f"{source}:{error.lineno}: not valid JSON ({error.msg}); rebuild the site"
        ) from None
    except RecursionError:
        raise HarbourError(f"{source}: JSON nested too deeply; rebuild the site") from None


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


class SiteReader:
    """The manifest and the posts' public comments, through one :class:`SiteFiles`."""

    def __init__(self, files: SiteFiles, manifest_path: str, json_path: str | None) -> None:
        self.files = files
        self.manifest_path = manifest_path
        self.json_path = json_path

    def manifest(self) -> Manifest:
        """The current manifest; SiteUnavailable when it has never been readable."""
        return self.files.load(self.manifest_path, parse_manifest)

    def published_comments(self, slug: str) -> dict[str, PublishedComment]:
        """A post's comments as its public JSON shows them ({} when the site writes none)."""
        if not self.json_path:
            return {}
        try:
            return self.files.load(self.json_path.format(slug=slug), parse_published_comments)
        except SiteUnavailable as error:
            logger.warning("%s", error)
            return {}

    def describe(self) -> str:
        return self.files.describe(self.manifest_path)
