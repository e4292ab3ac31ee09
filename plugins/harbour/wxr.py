"""Read a WordPress export (WXR 1.0 to 1.2) as a stream of typed items, for every import.

One reader serves `comments-import` and `import-wordpress`. It never builds the whole
document: an expat parser (defused: no entity declarations, no external entities, so an
entity-expansion bomb or a file that points at /etc/passwd stops at its first declaration)
feeds a small state machine that keeps only the item being read, so an export of hundreds
of megabytes takes the memory of its largest post.

Elements count as WordPress's only in the real namespaces (``http(s)://wordpress.org/export/1.x/``
and its ``excerpt/``); a file that rebinds the ``wp:`` prefix elsewhere smuggles nothing in.
Text comes back as WordPress wrote it, CDATA or not; optional elements that are missing read
as empty text.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from harbour.errors import HarbourError

WP_NAMESPACE = re.compile(r"https?://wordpress\.org/export/1\.[0-9]+/")
EXCERPT_NAMESPACE = re.compile(r"https?://wordpress\.org/export/1\.[0-9]+/excerpt/")
CONTENT_NAMESPACE = re.compile(r"https?://purl\.org/rss/1\.0/modules/content/")
DC_NAMESPACE = re.compile(r"https?://purl\.org/dc/elements/1\.1/")
WXR_VERSION = re.compile(r"1\.[0-9]+")
WP_DATE = "%Y-%m-%d %H:%M:%S"
CHUNK_BYTES = 1 << 16
# No WordPress export nests deeper than a comment's meta (rss/channel/item/wp:comment/
# wp:commentmeta/wp:meta_value); a file nesting thousands deep is not one, and each level
# would cost memory.
MAX_DEPTH = 64
# One field (a post's body, a comment) longer than this is no writing anyone exported.
MAX_FIELD_CHARACTERS = 64 * 1024 * 1024

# Kinds of element: the namespaces WordPress writes, by the short name this module uses.
RSS, WP, CONTENT, EXCERPT, DC = "", "wp", "content", "excerpt", "dc"
Name = tuple[str, str]  # (kind, local name); the kind is "?" for any other namespace

EXPORT_AGAIN = "export it again from WordPress (Tools > Export)"


@dataclass(frozen=True)
class WxrAuthor:
    login: str
    display_name: str
    email: str = ""


@dataclass(frozen=True)
class WxrChannel:
    """What the export says about the blog it came from."""

    title: str
    link: str
    description: str
    language: str
    wxr_version: str
    # The whole installation's address, and the blog's own (they differ on WordPress.com and
    # on a multisite network, where every blog shares the first).
    base_site_url: str
    base_blog_url: str
    authors: dict[str, WxrAuthor] = field(default_factory=dict)


@dataclass(frozen=True)
class WxrTerm:
    """A category or tag of an item: ``domain`` is ``category``, ``post_tag`` or another taxonomy."""

    domain: str
    nicename: str
    name: str


@dataclass(frozen=True)
class WxrComment:
    """A comment (or pingback, or trackback) as the export has it; scalar fields trimmed."""

    id: str
    author: str
    author_email: str
    author_url: str
    author_ip: str
    date: str
    date_gmt: str
    content: str
    approved: str
    type: str
    parent: str
    user_id: str
    user_agent: str
    meta: dict[str, str]
    line: int


@dataclass(frozen=True)
class WxrItem:
    """A post, page, attachment, menu item or other entry; scalar fields trimmed, bodies as written."""

    title: str
    link: str
    pub_date: str
    creator: str
    guid: str
    description: str
    content: str
    excerpt: str
    post_id: str
    post_date: str
    post_date_gmt: str
    post_modified: str
    post_modified_gmt: str
    comment_status: str
    post_name: str
    status: str
    post_parent: str
    menu_order: str
    post_type: str
    post_password: str
    is_sticky: str
    attachment_url: str
    terms: tuple[WxrTerm, ...]
    meta: dict[str, str]
    comments: tuple[WxrComment, ...]
    line: int

    @property
    def slug(self) -> str:
        """The slug WordPress gave the item: its post_name, else the last part of its address."""
        slug = unquote(self.post_name).strip()
        if not slug:
            path = urlsplit(self.link).path.rstrip("/")
            slug = unquote(path.rsplit("/", 1)[-1]) if path else ""
        return slug

    @property
    def password_protected(self) -> bool:
        return bool(self.post_password)

    @property
    def wp_status(self) -> str:
        """Its status; an item without one (trimmed by hand, as test files are) counts as published."""
        return self.status or "publish"

    def terms_in(self, domain: str) -> list[WxrTerm]:
        return [t for t in self.terms if t.domain == domain]


def wp_date(local: str, gmt: str) -> tuple[datetime | None, str | None]:
    """An aware date from WordPress's local and GMT times (the offset is their difference).

    Returns the date and a note when it had to guess: WordPress writes ``0000-00-00 00:00:00``
    as the GMT time of drafts, and hand-edited files may lack either time.
    """
    local_time = _strptime(local)
    gmt_time = _strptime(gmt) if gmt and not gmt.startswith("0000") else None
    if gmt_time and local_time:
        offset = local_time - gmt_time
        if abs(offset) <= timedelta(hours=18) and offset % timedelta(minutes=1) == timedelta(0):
            return local_time.replace(tzinfo=timezone(offset)), None
        return gmt_time.replace(tzinfo=timezone.utc), "local time was implausible; kept the GMT time"
    if gmt_time:
        return gmt_time.replace(tzinfo=timezone.utc), None
    if local_time:
        return local_time.replace(tzinfo=timezone.utc), "no GMT time in the export; local time taken as UTC"
    return None, None


def _strptime(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, WP_DATE) if text else None
    except ValueError:
        return None


def _kind(namespace: str) -> str:
    if not namespace:
        return RSS
    if WP_NAMESPACE.fullmatch(namespace):
        return WP
    if EXCERPT_NAMESPACE.fullmatch(namespace):
        return EXCERPT
    if CONTENT_NAMESPACE.fullmatch(namespace):
        return CONTENT
    if DC_NAMESPACE.fullmatch(namespace):
        return DC
    return "?"


def _name(tag: str) -> Name:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return _kind(namespace), local
    return RSS, tag


# The fields each record keeps, by element name: a record reads only its direct children.
ITEM_FIELDS: dict[Name, str] = {
    (RSS, "title"): "title", (RSS, "link"): "link", (RSS, "pubDate"): "pub_date",
    (DC, "creator"): "creator", (RSS, "guid"): "guid", (RSS, "description"): "description",
    (CONTENT, "encoded"): "content", (EXCERPT, "encoded"): "excerpt",
    **{(WP, name): name for name in (
        "post_id", "post_date", "post_date_gmt", "post_modified", "post_modified_gmt",
        "comment_status", "post_name", "status", "post_parent", "menu_order", "post_type",
        "post_password", "is_sticky", "attachment_url",
    )},
}
COMMENT_FIELDS: dict[Name, str] = {
    (WP, "comment_" + name): name for name in (
        "id", "author", "author_email", "author_url", "date", "date_gmt", "content",
        "approved", "type", "parent", "user_id", "agent",
    )
} | {(WP, "comment_author_IP"): "author_ip"}
CHANNEL_FIELDS: dict[Name, str] = {
    (RSS, "title"): "title", (RSS, "link"): "link", (RSS, "description"): "description",
    (RSS, "language"): "language", (WP, "wxr_version"): "wxr_version",
    (WP, "base_site_url"): "base_site_url", (WP, "base_blog_url"): "base_blog_url",
}
AUTHOR_FIELDS: dict[Name, str] = {
    (WP, "author_login"): "login", (WP, "author_display_name"): "display_name",
    (WP, "author_email"): "email",
}
META_FIELDS: dict[Name, str] = {(WP, "meta_key"): "key", (WP, "meta_value"): "value"}
# Bodies keep their spaces; every other field is trimmed, as WordPress's importer does.
UNTRIMMED = frozenset({"content", "excerpt", "value"})


@dataclass
class _Record:
    """An element being read (the channel, an item, a comment, an author, a meta pair, a term)."""

    kind: str
    depth: int
    line: int
    fields: dict[str, list[str]] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    terms: list[WxrTerm] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[WxrComment] = field(default_factory=list)

    def text(self, name: str) -> str:
        value = "".join(self.fields.get(name, []))
        return value if name in UNTRIMMED else value.strip()


class _Reader:
    """The parser's target: turns start, data and end events into channel info and items."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parser = DefusedXMLParser(target=self)
        self.depth = 0
        self.root_checked = False
        self.channel_record: _Record | None = None
        self.channel: WxrChannel | None = None
        self.authors: dict[str, WxrAuthor] = {}
        self.records: list[_Record] = []  # the open records, outermost first
        self.capture: tuple[_Record, str, int] | None = None  # record, field, depth of the field
        self.captured = 0
        self.ready: deque[WxrItem] = deque()

    # --- the target protocol of xml.etree's XMLParser ---------------------------------------

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(f"elements nest more than {MAX_DEPTH} deep, which no WordPress export does")
        name = _name(tag)
        if self.depth == 1:
            if name != (RSS, "rss"):
                raise self._not_wxr(f"its root element is <{tag}>, not <rss>")
            return
        if self.depth == 2:
            if name == (RSS, "channel") and self.channel_record is None:
                self.channel_record = self._open("channel")
            return
        parent = self.records[-1] if self.records else None
        if parent is None or parent.depth != self.depth - 1:
            return  # inside an element this reader does not keep
        self._child(parent, name, attributes)

    def data(self, text: str) -> None:
        if self.capture is not None and self.capture[2] == self.depth:
            record, name, _ = self.capture
            self.captured += len(text)
            if self.captured > MAX_FIELD_CHARACTERS:
                raise self._error(
                    f"one field is longer than {MAX_FIELD_CHARACTERS // (1024 * 1024)} million characters"
                )
            record.fields.setdefault(name, []).append(text)

    def end(self, tag: str) -> None:
        if self.capture is not None and self.capture[2] == self.depth:
            self.capture = None
        if self.records and self.records[-1].depth == self.depth:
            self._close(self.records.pop())
        self.depth -= 1

    def close(self) -> None:
        return None

    # --- records ----------------------------------------------------------------------------

    def _open(self, kind: str) -> _Record:
        record = _Record(kind, self.depth, self._line())
        self.records.append(record)
        return record

    def _child(self, parent: _Record, name: Name, attributes: dict[str, str]) -> None:
        fields, kind = _CHILDREN[parent.kind].get(name, ({}, None)) if parent.kind in _CHILDREN else ({}, None)
        if kind is not None:
            if kind == "item":
                self._finish_channel()
            record = self._open(kind)
            record.attributes = dict(attributes)
            if kind == "term":
                self._capture(record, "name")
            return
        field_name = _FIELDS[parent.kind].get(name)
        if field_name is not None and field_name not in parent.fields:
            self._capture(parent, field_name)

    def _capture(self, record: _Record, name: str) -> None:
        record.fields[name] = []
        self.capture = (record, name, self.depth)
        self.captured = 0

    def _close(self, record: _Record) -> None:
        parent = self.records[-1] if self.records else None
        if record.kind == "channel":
            self._finish_channel()
        elif record.kind == "author":
            login = record.text("login")
            if login and login not in self.authors:
                self.authors[login] = WxrAuthor(login, record.text("display_name") or login, record.text("email"))
        elif record.kind == "meta" and parent is not None:
            key = record.text("key")
            if key and key not in parent.meta:
                parent.meta[key] = record.text("value")
        elif record.kind == "term" and parent is not None:
            parent.terms.append(WxrTerm(
                record.attributes.get("domain", "").strip(), record.attributes.get("nicename", "").strip(),
                record.text("name"),
            ))
        elif record.kind == "comment" and parent is not None:
            parent.comments.append(_comment(record))
        elif record.kind == "item":
            self.ready.append(_item(record))

    def _finish_channel(self) -> None:
        """The channel's own elements come before its items; read them at the first item."""
        if self.channel is not None:
            return
        record = self.channel_record
        if record is None:
            raise self._not_wxr("it has no <channel> inside <rss>")
        version = record.text("wxr_version")
        if not WXR_VERSION.fullmatch(version):
            raise HarbourError(
                f"{self.path}: no valid <wp:wxr_version> in the channel (found {version!r}), so this is not a "
                f"WordPress export WordPress itself would import; {EXPORT_AGAIN}"
            )
        self.channel = WxrChannel(
            title=record.text("title"), link=record.text("link"), description=record.text("description"),
            language=record.text("language"), wxr_version=version,
            base_site_url=record.text("base_site_url"), base_blog_url=record.text("base_blog_url"),
            authors=self.authors,
        )

    # --- errors -----------------------------------------------------------------------------

    def _line(self) -> int:
        return int(self.parser.parser.CurrentLineNumber)

    def _error(self, what: str) -> HarbourError:
        return HarbourError(f"{self.path}:{self._line()}: {what}; {EXPORT_AGAIN}")

    def _not_wxr(self, why: str) -> HarbourError:
        return HarbourError(
            f"{self.path}: not a WordPress export: expected <rss><channel> ({why}); give the .xml file "
            "WordPress writes at Tools > Export"
        )


# What each record keeps: nested records by element, and plain fields by element.
_CHILDREN: dict[str, dict[Name, tuple[dict[Name, str], str]]] = {
    "channel": {(WP, "author"): (AUTHOR_FIELDS, "author"), (RSS, "item"): (ITEM_FIELDS, "item")},
    "item": {
        (RSS, "category"): ({}, "term"), (WP, "postmeta"): (META_FIELDS, "meta"),
        (WP, "comment"): (COMMENT_FIELDS, "comment"),
    },
    "comment": {(WP, "commentmeta"): (META_FIELDS, "meta")},
}
_FIELDS: dict[str, dict[Name, str]] = {
    "channel": CHANNEL_FIELDS, "item": ITEM_FIELDS, "comment": COMMENT_FIELDS, "author": AUTHOR_FIELDS,
    "meta": META_FIELDS, "term": {},
}


def _comment(record: _Record) -> WxrComment:
    text = record.text
    return WxrComment(
        id=text("id"), author=text("author"), author_email=text("author_email"),
        author_url=text("author_url"), author_ip=text("author_ip"), date=text("date"),
        date_gmt=text("date_gmt"), content="".join(record.fields.get("content", [])),
        approved=text("approved"), type=text("type"), parent=text("parent"), user_id=text("user_id"),
        user_agent=text("agent"), meta=record.meta, line=record.line,
    )


def _item(record: _Record) -> WxrItem:
    text = record.text
    return WxrItem(
        title=text("title"), link=text("link"), pub_date=text("pub_date"), creator=text("creator"),
        guid=text("guid"), description=text("description"), content=text("content"),
        excerpt=text("excerpt"), post_id=text("post_id"), post_date=text("post_date"),
        post_date_gmt=text("post_date_gmt"), post_modified=text("post_modified"),
        post_modified_gmt=text("post_modified_gmt"), comment_status=text("comment_status"),
        post_name=text("post_name"), status=text("status"), post_parent=text("post_parent"),
        menu_order=text("menu_order"), post_type=text("post_type") or "post",
        post_password=text("post_password"), is_sticky=text("is_sticky"),
        attachment_url=text("attachment_url"), terms=tuple(record.terms), meta=record.meta,
        comments=tuple(record.comments), line=record.line,
    )


class WxrFile:
    """An open export: ``channel`` is read on opening, ``items()`` streams the rest.

    Use as a context manager. Every problem (not XML, not WXR, cut short, a refused XML
    feature) is a HarbourError naming the file, and the line where the parser knows it.
    """

    def __init__(self, path: str | Path, *, progress: Callable[[int, int], None] | None = None) -> None:
        self.path = Path(path)
        self.progress = progress
        self._file: BinaryIO = _open(self.path)
        self.size = _size(self._file)
        self._reader = _Reader(self.path)
        self._done = False
        try:
            while self._reader.channel is None and not self._done:
                self._feed()
        except BaseException:
            self._file.close()
            raise
        assert self._reader.channel is not None
        self.channel: WxrChannel = self._reader.channel

    def __enter__(self) -> WxrFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def items(self) -> Iterator[WxrItem]:
        """Every item in file order; the file is read as they are taken."""
        while True:
            while self._reader.ready:
                yield self._reader.ready.popleft()
            if self._done:
                return
            self._feed()

    def _feed(self) -> None:
        chunk = self._file.read(CHUNK_BYTES)
        try:
            if chunk:
                self._reader.parser.feed(chunk)
            else:
                self._reader.parser.close()
                self._done = True
                if self._reader.channel is None:
                    self._reader._finish_channel()
        except ParseError as error:
            raise _parse_error(self.path, error) from None
        except DefusedXmlException as error:
            raise HarbourError(
                f"{self.path}: refused: the file uses XML features that can attack the importer ({error}); "
                "a WordPress export never needs them, so re-export it from WordPress"
            ) from None
        if self.progress is not None:
            self.progress(self._file.tell(), self.size)


def _parse_error(path: Path, error: ParseError) -> HarbourError:
    line = error.position[0]
    cut_short = "no element found" in str(error) or "unclosed token" in str(error)
    hint = ": the file ends before the export does (cut short while downloading?)" if cut_short else ""
    return HarbourError(
        f"{path}:{line}: not well-formed XML ({error}){hint}; the export is damaged or cut short: {EXPORT_AGAIN}"
    )


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise HarbourError(f"{path}: no such file; give the path of the WordPress export (.xml)") from None
    except IsADirectoryError:
        raise HarbourError(f"{path}: is a folder; give the path of the export file itself (.xml)") from None
    except OSError as error:
        raise HarbourError(f"{path}: cannot be read ({error.strerror or error})") from None


def _size(file: BinaryIO) -> int:
    try:
        return os.fstat(file.fileno()).st_size
    except OSError:
        return 0


def check_wxr(path: str | Path, *, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Read a whole export without keeping it: how many items of each type, or the HarbourError.

    Importers call it first, so a file that is cut short or broken halfway changes nothing.
    """
    counts: dict[str, int] = {}
    with WxrFile(path, progress=progress) as wxr:
        for item in wxr.items():
            counts[item.post_type] = counts.get(item.post_type, 0) + 1
    return counts
