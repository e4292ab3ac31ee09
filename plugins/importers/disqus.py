"""Import a Disqus export: each thread matched to a post here, each comment received as other imports are.

A Disqus export lists categories, threads and posts (Disqus's word for comments) side by side
under ``<disqus>``; a post names its thread and the post it answers by ``dsq:id``. The file is
untrusted, so it is read with defusedxml, refusing any DTD (no Disqus export has one), and
streamed: each top-level element is dropped once read, so a file of hundreds of MB costs the
memory of its comments, not of its tree. Nothing is written until the whole file has been read.

The comments then go through :func:`comments.transfer.importer.import_comments`, so triage, the
stores, duplicate detection and the summary work exactly as for every other import, and ids
(``dsq-<dsq:id>``) are stable: importing the same file again changes nothing.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from comments.config import CommentStores
from comments.desk.moderation import DONE, _entry, _save_step, approve_comments, current_moderator
from comments.desk.public_store import find_public_comment
from comments.desk.triage import CRISIS, TriageRules, crisis_notes
from comments.model import DATE_RANGE_HELP, PrivateRecord, PublicComment, in_date_range, is_post_slug
from comments.transfer.export import _read_header as read_header
from comments.transfer.export import read_post_info
from comments.transfer.html_to_markdown import TooDeeplyNested, html_to_markdown
from comments.transfer.importer import ImportReport, comment_fingerprint, import_comments
from comments.transfer.wxr import ExportRead, IncomingComment, blog_key, unreadable_export
from harbour.errors import HarbourError

logger = logging.getLogger(__name__)

DISQUS = "{http://disqus.com}"
INTERNALS = "{http://disqus.com/disqus-internals}"
# Disqus ids are numbers, unique across all of Disqus: "dsq-<number>" never changes between exports.
DSQ_ID = re.compile(r"[0-9]{1,40}")
ID_PREFIX = "dsq-"
# What stands where a removed comment had replies (see _Planner._parent_id): public, and honest.
REMOVED_AUTHOR = "Removed comment"
REMOVED_BODY = "This comment was removed."
MISSING_AUTHOR = "Missing comment"
MISSING_BODY = "This comment is not available."
# The text kept (privately) for a deleted or spam comment that Disqus exported without one.
NO_TEXT = "(Disqus exported this comment without its text.)"
# Where a comment that names no thread is kept.
NO_THREAD_SLUG = "disqus-no-thread"
# The start of the note on a comment kept under a slug because its thread matched no post.
UNMATCHED = "held: no post here for its Disqus thread"
HELD_ON_REQUEST = "held on import (--hold): it was public on Disqus"
# The step a later import records when it moves a held comment to the post its thread now matches.
MOVE = "move"
SLUG_LIKE = re.compile(r"[\w-]{1,100}")
PAGE_NAME = re.compile(r"(?:index)?\.(?:html?|php)$")
# A WordPress post's own short address (?p=123): what the WordPress Disqus plugin's identifiers name.
WORDPRESS_QUERY_KEYS = ("p", "page_id")
PROGRESS_EVERY = 2.0  # seconds between two progress lines
LISTED = 30  # lines of one kind the summary lists before "and N more"
DISQUS_EXPORT_HELP = "export it again from Disqus (Admin > Community > Export)"
GZIP_MAGIC = b"\x1f\x8b"

Progress = Callable[[str], None]
Clock = Callable[[], float]


# --- Reading the export ------------------------------------------------------------------


@dataclass(frozen=True)
class DisqusThread:
    """A thread: one page of the old site, named by its address (link) and identifier."""

    dsq_id: str
    identifier: str = ""
    link: str = ""
    title: str = ""
    deleted: bool = False

    def described(self) -> str:
        parts = [f"thread {self.dsq_id}"]
        if self.title:
            parts.append(repr(self.title))
        parts.append(self.link or "(no link)")
        parts.append(f"identifier {self.identifier!r}")
        return " ".join(parts)


@dataclass(frozen=True)
class DisqusPost:
    """One comment as the export has it (its message is Disqus's HTML)."""

    dsq_id: str
    thread: str
    parent: str | None
    message: str
    created: str
    deleted: bool
    spam: bool
    author: str
    email: str | None
    ip: str | None


@dataclass
class DisqusExport:
    name: str
    threads: dict[str, DisqusThread] = field(default_factory=dict)
    posts: dict[str, DisqusPost] = field(default_factory=dict)
    # Left out while reading, with the reason (a comment without a usable id, a repeated thread).
    skipped: list[str] = field(default_factory=list)
    # The same comment id twice with different contents: the file as a whole is refused.
    conflicts: list[str] = field(default_factory=list)


class _Ticker:
    """Says how far a long step has got, at most once every PROGRESS_EVERY seconds."""

    def __init__(self, progress: Progress | None, clock: Clock) -> None:
        self.progress, self.clock = progress, clock
        self.last = clock()

    def tick(self, message: Callable[[], str]) -> None:
        if self.progress is None:
            return
        now = self.clock()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            self.progress(message())


def _text(element: Element | None, name: str) -> str:
    child = element.find(DISQUS + name) if element is not None else None
    return (child.text or "").strip() if child is not None else ""


def _flag(element: Element, name: str) -> bool:
    return _text(element, name).lower() == "true"


def _reference(element: Element, name: str) -> str | None:
    """The dsq:id another element names (``<thread dsq:id="2"/>``), or None."""
    child = element.find(DISQUS + name)
    if child is None:
        return None
    return (child.get(INTERNALS + "id") or "").strip()


def _top_level_elements(file: BinaryIO, path: Path) -> Iterator[Element]:
    """Each child of ``<disqus>`` once it is complete; the tree is emptied after each."""
    depth = 0
    root: Element | None = None
    for event, element in SafeET.iterparse(file, events=("start", "end"), forbid_dtd=True):
        if event == "start":
            if root is None:
                root = element
                if element.tag != DISQUS + "disqus":
                    raise HarbourError(
                        f'{path}: not a Disqus export: expected <disqus xmlns="http://disqus.com">, '
                        f"found <{element.tag}>; give the .xml file Disqus sends (Admin > Community > Export)"
                    )
            depth += 1
            continue
        depth -= 1
        if depth == 1 and root is not None:
            yield element
            # Drop what was read: memory stays bounded whatever the size of the file.
            root.clear()


def _read_thread(export: DisqusExport, element: Element) -> None:
    thread = DisqusThread(
        dsq_id=(element.get(INTERNALS + "id") or "").strip(),
        identifier=_text(element, "id"),
        link=_text(element, "link"),
        title=_text(element, "title"),
        deleted=_flag(element, "isDeleted"),
    )
    if not thread.dsq_id:
        export.skipped.append(
            f"{export.name}: a <thread> without dsq:id ({thread.link or 'no link'}): no comment can name it"
        )
        return
    earlier = export.threads.get(thread.dsq_id)
    if earlier is None or not (earlier.link or earlier.identifier):
        export.threads[thread.dsq_id] = thread
    elif (thread.link or thread.identifier) and thread != earlier:
        export.skipped.append(
            f"{export.name}: {thread.described()} repeats thread {thread.dsq_id}; the first one "
            f"({earlier.link or earlier.identifier}) is used"
        )


def _read_post(export: DisqusExport, element: Element) -> None:
    dsq_id = (element.get(INTERNALS + "id") or "").strip()
    if not DSQ_ID.fullmatch(dsq_id):
        export.skipped.append(
            f"{export.name}: a comment with dsq:id {dsq_id!r}: not a number, so it cannot be given a "
            f"stable id; {DISQUS_EXPORT_HELP}"
        )
        return
    author = element.find(DISQUS + "author")
    post = DisqusPost(
        dsq_id=dsq_id,
        thread=_reference(element, "thread") or "",
        parent=_reference(element, "parent") or None,
        message=(element.findtext(DISQUS + "message") or ""),
        created=_text(element, "createdAt"),
        deleted=_flag(element, "isDeleted"),
        spam=_flag(element, "isSpam"),
        author=" ".join(_text(author, "name").split()) or _text(author, "username") or "Anonymous",
        email=_text(author, "email") or None,
        ip=_text(element, "ipAddress") or None,
    )
    earlier = export.posts.get(dsq_id)
    if earlier is None:
        export.posts[dsq_id] = post
    elif earlier != post:
        export.conflicts.append(
            f"{export.name}: comment {dsq_id} appears twice with different contents; {DISQUS_EXPORT_HELP}"
        )


def _refuse_compressed(path: Path, file: BinaryIO) -> None:
    """Disqus sends its export gzipped. Unpacking it here would let a small file expand without
    bound inside one element, so the writer unpacks it (and sees its size) first."""
    if file.read(2) == GZIP_MAGIC:
        raise HarbourError(
            f"{path}: a compressed file (gzip), as Disqus sends it; unpack it first "
            f"(gunzip {path.name}, or double-click it) and give the .xml file"
        )
    file.seek(0)


def read_disqus(
    path: str | Path, *, progress: Progress | None = None, clock: Clock = time.monotonic
) -> DisqusExport:
    """Every thread and comment of a Disqus export, streamed; a HarbourError for a file that is not one."""
    path = Path(path)
    export = DisqusExport(path.name)
    readers = {DISQUS + "thread": _read_thread, DISQUS + "post": _read_post}
    try:
        with unreadable_export(path), path.open("rb") as file:
            _refuse_compressed(path, file)
            size = max(os.fstat(file.fileno()).st_size, 1)
            ticker = _Ticker(progress, clock)
            for element in _top_level_elements(file, path):
                reader = readers.get(element.tag)
                if reader is not None:
                    reader(export, element)
                ticker.tick(
                    lambda: (
                        f"Reading {path.name}: {min(file.tell() * 100 // size, 99)}% "
                        f"({len(export.posts)} comments so far)"
                    )
                )
    except ParseError as error:
        raise HarbourError(
            f"{path}:{error.position[0]}: not well-formed XML ({error}); the export is damaged or cut "
            f"short: {DISQUS_EXPORT_HELP}"
        ) from None
    except DefusedXmlException as error:
        raise HarbourError(
            f"{path}: refused: the file uses XML features that can attack the importer ({error}); "
            f"a Disqus export never needs them, so {DISQUS_EXPORT_HELP}"
        ) from None
    if export.conflicts:
        raise HarbourError(export.conflicts)
    return export


# --- This site's posts, and which one each thread belongs to ------------------------------


def address_key(address: str) -> str | None:
    """An address as threads and posts are compared: its path, without host, case, ``index.html``
    or trailing slash, and a WordPress ``?p=`` or ``?page_id=`` (other queries are tracking).

    None when the text is no address (a bare identifier such as ``some-id``).
    """
    text = address.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") and not text.startswith("/"):
        return None
    path = re.sub(r"/+", "/", unquote(parts.path))
    path = re.sub(r"/index\.(?:html?|php)$", "/", path).rstrip("/").casefold()
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k in WORDPRESS_QUERY_KEYS)
    return (path + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")) or "/"


def _page_name(link: str) -> str:
    """The last part of an address's path, as a slug would be: ``.../my-post/`` or ``my-post.html``."""
    key = address_key(link) or ""
    return PAGE_NAME.sub("", key.split("?")[0].rsplit("/", 1)[-1])


@dataclass(frozen=True)
class SitePosts:
    """This site's posts, by slug and by every address they are known at."""

    slugs: frozenset[str]
    addresses: Mapping[str, frozenset[str]]
    # import-wordpress marks each post "WordPress-Post: <blog key>-<post id>": marker -> slug.
    wordpress_posts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_addresses(
        cls, addresses: Mapping[str, Sequence[str]], wordpress_posts: Mapping[str, str] | None = None
    ) -> SitePosts:
        """``{slug: [its addresses]}``; an address two posts claim belongs to both."""
        by_key: dict[str, set[str]] = {}
        for slug, known in addresses.items():
            for address in known:
                key = address_key(address)
                if key and key != "/":
                    by_key.setdefault(key, set()).add(slug)
        return cls(
            frozenset(addresses), {k: frozenset(v) for k, v in by_key.items()}, dict(wordpress_posts or {})
        )


# Header fields that give a post another address: Pelican's own URL and Save_as (relative to the
# site), and any field naming an old address or redirect (Old-URL, Redirect-From, WordPress-Link...).
SITE_ADDRESS_FIELDS = ("url", "save_as")
OLD_ADDRESS_FIELD = re.compile(
    r"(?:.*[-_])?(?:urls?|links?|permalinks?|redirects?|aliases|address(?:es)?)|redirect[-_].*"
)
NOT_ADDRESS_FIELDS = frozenset({"author-url", "author_url", "redirect-to", "redirect_to"})
WORDPRESS_POST_FIELD = "wordpress-post"


def _headers(content_dir: Path, article_paths: Sequence[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """Each post's slug and header fields (lower-case names), found as read_post_info finds posts."""
    from harbour.new_post import post_slug

    for folder in article_paths:
        for path in sorted((Path(content_dir) / folder).rglob("*.md")):
            header = {key: value for key, (_, value) in read_header(path).items()}
            yield header.get("slug") or post_slug(header.get("title") or path.stem), header


def _named_addresses(header: Mapping[str, str]) -> list[str]:
    addresses = []
    for key, value in header.items():
        if key in SITE_ADDRESS_FIELDS:
            addresses.append("/" + value.lstrip("/"))
        elif OLD_ADDRESS_FIELD.fullmatch(key) and key not in NOT_ADDRESS_FIELDS:
            addresses += re.split(r"[\s,]+", value)
    return addresses


def site_posts(
    content_dir: Path, article_paths: Sequence[str], *, article_url: str, timezone_name: str
) -> SitePosts:
    """The posts in ``content_dir``: each at its address here (``ARTICLE_URL``, or its own ``URL:``),
    at the old addresses its header names (``WordPress-Address:`` as import-wordpress writes it,
    ``Old-URL:``, ``Redirect-From:``...) and by its ``WordPress-Post:`` id."""
    posts = read_post_info(content_dir, article_paths, timezone_name=timezone_name, article_url=article_url)
    addresses = {slug: [info.url] if info.url else [] for slug, info in posts.items()}
    wordpress_posts = {}
    for slug, header in _headers(content_dir, article_paths):
        addresses.setdefault(slug, []).extend(_named_addresses(header))
        if header.get(WORDPRESS_POST_FIELD):
            wordpress_posts[header[WORDPRESS_POST_FIELD]] = slug
    return SitePosts.from_addresses(addresses, wordpress_posts)


@dataclass(frozen=True)
class ThreadMatch:
    """Where a thread's comments go: its post here (``matched``), or a slug they are held under."""

    slug: str
    matched: bool
    how: str


def _wordpress_post(number: str, address: str, site: SitePosts) -> set[str]:
    """The post import-wordpress marked as WordPress post ``number`` of the blog at ``address``.

    Its marker is keyed as comment ids are (:func:`comments.transfer.wxr.blog_key`): by the
    blog's host, or its host and path for a blog of a network.
    """
    parts = urlsplit(address)
    root = f"{parts.scheme}://{parts.netloc}"
    folder = parts.path.rsplit("/", 1)[0]
    keys = {blog_key(root, root), blog_key(root + folder, root)}
    markers = {f"{key}-{number}" for key in keys}
    return {site.wordpress_posts[marker] for marker in markers if marker in site.wordpress_posts}


def _by_identifier(identifier: str, site: SitePosts) -> set[str]:
    """Posts an identifier names: by an address, a slug, or (the WordPress Disqus plugin's
    ``123 http://example.org/?p=123``) a WordPress post id with its blog's address."""
    tokens = identifier.split()
    found: set[str] = set()
    for token in tokens:
        key = address_key(token)
        if key is not None:
            found |= site.addresses.get(key, frozenset())
        elif token in site.slugs:
            found.add(token)
    if len(tokens) == 2 and DSQ_ID.fullmatch(tokens[0]) and address_key(tokens[1]) is not None:
        found |= _wordpress_post(tokens[0], tokens[1], site)
    return found


def match_thread(thread: DisqusThread, site: SitePosts) -> ThreadMatch:
    """The post a thread belongs to, by its address, then its identifier, then the slug in its address.

    A way that fits two posts stops the search: guessing could put comments under the wrong post.
    """
    link_key = address_key(thread.link)
    ways = (
        ("its address", lambda: set(site.addresses.get(link_key, frozenset())) if link_key else set()),
        ("its identifier", lambda: _by_identifier(thread.identifier, site)),
        ("the slug in its address", lambda: {_page_name(thread.link)} & site.slugs),
    )
    for way, find in ways:
        found = find()
        if len(found) == 1:
            return ThreadMatch(found.pop(), True, f"by {way}")
        if found:
            return ThreadMatch(
                _holding_slug(thread, site), False, f"{way} fits several posts ({', '.join(sorted(found))})"
            )
    return ThreadMatch(_holding_slug(thread, site), False, "no post here has its address, identifier or slug")


def _orphan_slug(thread_id: str) -> str:
    """Where comments go whose thread is not in the export (or who name none)."""
    return f"disqus-thread-{thread_id}" if DSQ_ID.fullmatch(thread_id) else NO_THREAD_SLUG


def _holding_slug(thread: DisqusThread, site: SitePosts) -> str:
    """The slug an unmatched thread's comments are kept under: the one its post will most likely
    have here (the end of its address, or its identifier), so that once that post exists the
    comments are already under it; never the slug of another post."""
    for candidate in (_page_name(thread.link), thread.identifier):
        if SLUG_LIKE.fullmatch(candidate) and is_post_slug(candidate) and candidate not in site.slugs:
            return candidate
    return _orphan_slug(thread.dsq_id)


# --- From Disqus posts to incoming comments -------------------------------------------------


def comment_id(dsq_id: str) -> str:
    return f"{ID_PREFIX}{dsq_id}"


def placeholder_id(dsq_id: str) -> str:
    return f"{ID_PREFIX}{dsq_id}-removed"


def _date(text: str) -> datetime | None:
    try:
        date = datetime.fromisoformat(text)
    except ValueError:
        return None
    # Disqus writes UTC ("...Z"); a date without an offset is read as UTC too.
    return date if date.tzinfo is not None else date.replace(tzinfo=UTC)


@dataclass
class Plan:
    """What an import will receive, and what the summary says about threads and placeholders."""

    comments: list[IncomingComment] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    matched_by: Counter[str] = field(default_factory=Counter)
    unmatched: list[str] = field(default_factory=list)
    without_thread: list[str] = field(default_factory=list)
    empty_threads: list[str] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class _Planner:
    """Turns an export into incoming comments: statuses, threads kept, placeholders where needed."""

    def __init__(self, export: DisqusExport, site: SitePosts, rules: TriageRules, hold: bool) -> None:
        self.export, self.site, self.rules, self.hold = export, site, rules, hold
        self.plan = Plan()
        self.matches: dict[str, ThreadMatch] = {}
        self.comments: dict[str, IncomingComment] = {}  # by dsq:id
        self.removed: dict[str, str] = {}  # dsq:id -> why it is not shown ("deleted on Disqus")
        self.placeholders: dict[str, IncomingComment] = {}  # by the dsq:id they stand in for
        self.replies_under: Counter[str] = Counter()

    def run(self) -> Plan:
        for dsq_id, thread in self.export.threads.items():
            self.matches[dsq_id] = match_thread(thread, self.site)
        for post in self.export.posts.values():
            self._add(post)
        for post in self.export.posts.values():
            if post.dsq_id in self.comments and post.parent:
                self._thread(post)
        self._break_cycles()
        self._publish_needed_placeholders()
        self._describe_threads()
        self.plan.comments = [*self.comments.values(), *self.placeholders.values()]
        return self.plan

    def _slug_of(self, post: DisqusPost) -> tuple[str, str | None]:
        """The post slug a comment goes under, and a note when its thread matched no post."""
        match = self.matches.get(post.thread)
        if match is None:
            slug = _orphan_slug(post.thread)
            named = post.thread or "(none named)"
            return slug, f"{UNMATCHED}: thread {named} is not in the export; kept under {slug!r}"
        if match.matched:
            return match.slug, None
        thread = self.export.threads[post.thread]
        return match.slug, f"{UNMATCHED}: {thread.described()} ({match.how}); kept under {match.slug!r}"

    def _add(self, post: DisqusPost) -> None:
        slug, unmatched_note = self._slug_of(post)
        where = f"{self.export.name}, comment {post.dsq_id} on {slug!r}"
        date = _date(post.created)
        if date is None or not in_date_range(date):
            shown = f"createdAt {post.created!r} is not a date" if date is None else DATE_RANGE_HELP
            self.plan.skipped.append(f"{where}: {shown}; {DISQUS_EXPORT_HELP}")
            return
        try:
            body = html_to_markdown(post.message)
        except TooDeeplyNested as error:
            self.plan.skipped.append(f"{where}: <message>: {error}, which no comment needs; it is left out")
            return
        if not body and (post.spam or post.deleted):
            body = NO_TEXT  # a removed comment without text is still kept, with its author and date
        comment = IncomingComment(
            id=comment_id(post.dsq_id),
            post=slug,
            author=post.author,
            body=body,
            date=date,
            status="approved",
            where=where,
            email=post.email,
            ip=post.ip,
            notes=[f"imported from {self.export.name} (Disqus comment {post.dsq_id})"],
        )
        comment.status = self._status(post, comment)
        if unmatched_note:
            comment.notes.append(unmatched_note)
        self.comments[post.dsq_id] = comment

    def _status(self, post: DisqusPost, comment: IncomingComment) -> str:
        """Spam and deleted comments are never shown; the rest were public on Disqus, so they are
        published unless held: on request (--hold), in a deleted thread, or for crisis language."""
        if post.spam:
            self.removed[post.dsq_id] = "marked as spam on Disqus"
            comment.notes.append(self.removed[post.dsq_id])
            return "spam"
        if post.deleted:
            self.removed[post.dsq_id] = "deleted on Disqus"
            comment.notes.append(self.removed[post.dsq_id])
            return "rejected"
        thread = self.export.threads.get(post.thread)
        if self.hold:
            comment.notes.append(HELD_ON_REQUEST)
            return "pending"
        if thread is not None and thread.deleted:
            comment.notes.append("held: its Disqus thread was deleted, so it was no longer shown there")
            return "pending"
        probe = PublicComment(
            id=comment.id, post=comment.post, author=comment.author, date=comment.date, body=comment.body
        )
        if crisis_notes(probe, self.rules):
            comment.notes.append("held although public on Disqus: it may be written in crisis; read it first")
            return "pending"
        return "approved"

    def _thread(self, post: DisqusPost) -> None:
        comment = self.comments[post.dsq_id]
        if post.dsq_id in self.removed:
            # A removed comment keeps pointing at the comment it answered, for the record only.
            parent = self.comments.get(post.parent or "")
            if parent is not None and parent.post == comment.post:
                comment.reply_to = parent.id
            return
        comment.reply_to = self._parent_id(post.parent or "", comment, set())

    def _parent_id(self, dsq_id: str, child: IncomingComment, seen: set[str]) -> str | None:
        """The id a shown reply answers: its parent's, or a placeholder's where the parent is not shown.

        A reply whose parent was deleted (or marked as spam, or is missing from the export) must
        neither vanish nor move up the thread as if it answered the post: it hangs under a
        public placeholder ("This comment was removed.") with no author data, which itself
        hangs where the removed comment did.
        """
        parent = self.comments.get(dsq_id)
        if parent is not None and dsq_id not in self.removed and parent.post == child.post:
            return parent.id
        if not DSQ_ID.fullmatch(dsq_id) or dsq_id in seen:
            child.notes.append(
                f"it answered Disqus comment {dsq_id!r}, which cannot be placed; shown top-level"
            )
            return None
        if parent is not None and parent.post != child.post:
            child.notes.append(
                f"it answered Disqus comment {dsq_id}, which is on another post ({parent.post!r}); "
                "shown top-level"
            )
            return None
        placeholder = self.placeholders.get(dsq_id)
        if placeholder is None:
            placeholder = self._placeholder(dsq_id, child, seen | {dsq_id})
        elif placeholder.post != child.post:
            child.notes.append(
                f"it answered Disqus comment {dsq_id}, which is missing and was answered on another post "
                f"too ({placeholder.post!r}); shown top-level"
            )
            return None
        self.replies_under[dsq_id] += 1
        return placeholder.id

    def _placeholder(self, dsq_id: str, child: IncomingComment, seen: set[str]) -> IncomingComment:
        original = self.comments.get(dsq_id)
        why = self.removed.get(dsq_id, "not in the export, or left out (see Skipped)")
        author, body = (
            (REMOVED_AUTHOR, REMOVED_BODY) if dsq_id in self.removed else (MISSING_AUTHOR, MISSING_BODY)
        )
        placeholder = IncomingComment(
            id=placeholder_id(dsq_id),
            post=child.post,
            author=author,
            body=body,
            date=original.date if original is not None else child.date,
            status="pending",
            where=f"{self.export.name}, the placeholder for comment {dsq_id} on {child.post!r}",
            notes=[
                (
                    f"placeholder for Disqus comment {dsq_id} ({why}), written by the import so that its "
                    "replies keep their place in the thread; it holds no author data"
                )
            ],
        )
        self.placeholders[dsq_id] = placeholder
        grandparent = self.export.posts[dsq_id].parent if dsq_id in self.export.posts else None
        if grandparent:
            placeholder.reply_to = self._parent_id(grandparent, placeholder, seen)
        return placeholder

    def _break_cycles(self) -> None:
        """A hostile or damaged file can make comments answer each other in a ring; one of them
        is shown top-level, so every thread has a start."""
        by_id = {c.id: c for c in [*self.comments.values(), *self.placeholders.values()]}
        for comment in by_id.values():
            seen = {comment.id}
            current = comment
            while current.reply_to in by_id:
                current = by_id[current.reply_to]  # type: ignore[index]
                if current.id in seen:
                    current.notes.append(
                        f"it answered {current.reply_to} in a ring of replies; shown top-level"
                    )
                    current.reply_to = None
                    break
                seen.add(current.id)

    def _publish_needed_placeholders(self) -> None:
        """A placeholder is published when a reply under it is (it shows nothing alone), else held."""
        by_id = {p.id: p for p in self.placeholders.values()}
        for comment in self.comments.values():
            above = by_id.get(comment.reply_to or "") if comment.status == "approved" else None
            while above is not None and above.status != "approved":
                above.status = "approved"
                above = by_id.get(above.reply_to or "")

    def _describe_threads(self) -> None:
        per_thread = Counter(post.thread for post in self.export.posts.values())
        for dsq_id, thread in self.export.threads.items():
            match, count = self.matches[dsq_id], per_thread.get(dsq_id, 0)
            if not count:
                self.plan.empty_threads.append(thread.described())
            elif match.matched:
                self.plan.matched_by[match.how] += 1
                self.plan.matched.append(f"{thread.described()} -> {match.slug} ({match.how})")
            else:
                self.plan.unmatched.append(
                    f"{thread.described()}: {count} comment(s) held under {match.slug!r}; {match.how}"
                )
        for thread_id, count in sorted(per_thread.items()):
            if thread_id not in self.export.threads:
                self.plan.without_thread.append(
                    f"thread {thread_id or '(none named)'}: {count} comment(s) held under "
                    f"{_orphan_slug(thread_id)!r}"
                )
        for dsq_id, placeholder in self.placeholders.items():
            replies = self.replies_under[dsq_id]
            self.plan.placeholders.append(
                f"{placeholder.id} on {placeholder.post!r}: {placeholder.body!r} stands in for "
                f"Disqus comment "
                f"{dsq_id} ({self.removed.get(dsq_id, 'not in the export')}), under which "
                + ("1 reply stays in place" if replies == 1 else f"{replies} replies stay in place")
            )


def plan_import(export: DisqusExport, site: SitePosts, *, rules: TriageRules, hold: bool = False) -> Plan:
    """The comments an import will receive (not yet received) and what to say about the threads."""
    return _Planner(export, site, rules, hold).run()


# --- The import -----------------------------------------------------------------------------


def _listed(title: str, items: Sequence[str]) -> list[str]:
    if not items:
        return []
    lines = [f"{title}:"] + [f"  - {item}" for item in items[:LISTED]]
    if len(items) > LISTED:
        lines.append(f"  - and {len(items) - LISTED} more")
    return lines


@dataclass
class DisqusReport:
    """What an import of a Disqus export did, for the writer to read."""

    file: str
    threads: int
    comments_read: int
    plan: Plan
    comments: ImportReport
    # Comments an earlier import held for want of a post, settled now that the post is here.
    settled: list[str] = field(default_factory=list)
    # Threads whose held comments could not follow them: the writer had moderated some.
    unsettled: list[str] = field(default_factory=list)

    def summary(self) -> str:
        plan = self.plan
        ways = ", ".join(f"{n} {how}" for how, n in plan.matched_by.most_common())
        lines = [
            f"Read {self.file}: {self.threads} thread(s), {self.comments_read} comment(s).",
            f"Threads matched to a post here: {len(plan.matched)}" + (f" ({ways})" if ways else "") + ".",
            *_listed("Matched", plan.matched),
            *_listed(
                f"Threads matched to no post here: {len(plan.unmatched)}. Their comments are kept in the "
                "private store, held, under the slug shown (a post imported later with that slug gets them; "
                "see plugins/comments/README.md, import-disqus)",
                plan.unmatched,
            ),
            *_listed(
                "Comments whose thread is not in the export (held under the slug shown)", plan.without_thread
            ),
            *_listed(
                f"Threads without comments: {len(plan.empty_threads)}, nothing to import", plan.empty_threads
            ),
            *_listed(
                "Placeholders where a removed comment had replies (public, with no author data)",
                plan.placeholders,
            ),
            *_listed(
                "Held earlier because their thread had no post here, now under it (and published where "
                "Disqus showed them)",
                self.settled,
            ),
            *_listed(
                "Held earlier, and left as they are because you have moderated some of them", self.unsettled
            ),
        ]
        lines.append(self.comments.summary())
        return "\n".join(lines)


def _merge(into: ImportReport, part: ImportReport) -> None:
    for item in fields(ImportReport):
        mine, theirs = getattr(into, item.name), getattr(part, item.name)
        if isinstance(mine, list):
            mine.extend(theirs)
        else:
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count


def _batches(comments: Sequence[IncomingComment], size: int) -> list[list[IncomingComment]]:
    """Comments in batches of whole posts (a reply is always in its parent's batch), about ``size`` each."""
    by_post: dict[str, list[IncomingComment]] = {}
    for comment in comments:
        by_post.setdefault(comment.post, []).append(comment)
    batches: list[list[IncomingComment]] = [[]]
    for post_comments in by_post.values():
        if batches[-1] and len(batches[-1]) + len(post_comments) > size:
            batches.append([])
        batches[-1].extend(post_comments)
    return [batch for batch in batches if batch]


def _imported_steps_only(record: PrivateRecord) -> bool:
    """Whether only imports have touched the comment: received, perhaps moved, never moderated."""
    return all(step.get("action") in ("receive", MOVE) for step in record.history)


def _same_comment(planned: IncomingComment, record: PrivateRecord) -> bool:
    """The same words, author and moment: the comment a held record was made from, wherever it is kept."""
    here = record.comment
    return comment_fingerprint(planned.post, planned.date, planned.author, planned.body.strip()) == (
        comment_fingerprint(planned.post, here.date, here.author, here.body)
    )


def _held_records(
    stores: CommentStores, plan: Plan, site: SitePosts
) -> dict[tuple[str, str], list[tuple[IncomingComment, PrivateRecord]]]:
    """Comments an earlier import held for want of a post whose thread now matches one:
    (slug held under, slug of the post now) -> [(as planned now, as kept)]."""
    groups: dict[tuple[str, str], list[tuple[IncomingComment, PrivateRecord]]] = {}
    for planned in plan.comments:
        if planned.post not in site.slugs or not stores.private.exists(planned.id):
            continue
        record = stores.private.read(planned.id)
        if any(note.startswith(UNMATCHED) for note in record.notes) and _same_comment(planned, record):
            groups.setdefault((record.comment.post, planned.post), []).append((planned, record))
    return groups


def _move(stores: CommentStores, comment_id: str, post: str, moderator: str, source: str) -> None:
    """Move a held comment (never published, so no public file) to the post its thread now matches."""
    with stores.private.locked():
        record = stores.private.read(comment_id)
        if record.status == "approved" or find_public_comment(stores.public_dir, comment_id) is not None:
            return  # published meanwhile: the writer's, not ours to move
        old = record.comment.post
        moved = record.with_comment(post=post)
        moved.notes.append(
            f"moved from {old!r} to {post!r} by a later import: its Disqus thread now matches this post"
        )
        _save_step(
            stores, moved, _entry(MOVE, moved, record.status, moderator, source=source, moved_from=old)
        )


def settle_held_threads(
    stores: CommentStores, plan: Plan, site: SitePosts, *, moderator: str, source: str
) -> tuple[list[str], list[str]]:
    """Bring comments an earlier import held for want of a post under the post their thread now matches.

    So the result is the same whether the posts or the comments came first: the comments move
    to the post (they were never published, so nothing public changes) and those Disqus showed
    are published, as if the post had been here all along. A thread whose comments the writer
    has moderated since is left as it is and reported: their decisions stand.
    """
    settled: list[str] = []
    unsettled: list[str] = []
    publish: list[str] = []
    for (held_under, post), members in _held_records(stores, plan, site).items():
        if not all(_imported_steps_only(record) for _, record in members):
            if held_under != post:
                unsettled.append(
                    f"{len(members)} comment(s) held under {held_under!r} stay there: their thread now "
                    f"matches {post!r}, but you have moderated some of them, so your decisions stand"
                )
            continue
        shown = [
            planned.id
            for planned, record in members
            if planned.status == "approved"
            and record.status == "pending"
            and HELD_ON_REQUEST not in record.notes
            and CRISIS not in record.flags
        ]
        if held_under != post:
            for planned, _ in members:
                _move(stores, planned.id, post, moderator, source)
            settled.append(f"{len(members)} comment(s) held under {held_under!r} are now under {post!r}")
        elif shown:
            settled.append(f"{len(shown)} comment(s) held under {post!r} until the post was here")
        publish += shown
    if publish:
        outcomes = approve_comments(stores, publish, moderator=moderator, post_slugs=site.slugs)
        settled += [outcome.message for outcome in outcomes if outcome.result != DONE]
    return settled, unsettled


def import_disqus(
    stores: CommentStores,
    rules: TriageRules,
    path: str | Path,
    *,
    site: SitePosts,
    hold: bool = False,
    moderator: str | None = None,
    progress: Progress | None = None,
    clock: Clock = time.monotonic,
) -> DisqusReport:
    """Import a Disqus export into the stores; importing it again changes nothing.

    The whole file is read and checked before anything is written. Comments an earlier import
    held because their post was missing are settled first, then comments are received in
    batches of whole posts, so a large file reports its progress as it goes.
    """
    path = Path(path)
    moderator = moderator or current_moderator()
    source = f"import:{path.name}"
    export = read_disqus(path, progress=progress, clock=clock)
    plan = plan_import(export, site, rules=rules, hold=hold)
    settled, unsettled = settle_held_threads(stores, plan, site, moderator=moderator, source=source)
    report = DisqusReport(
        file=path.name,
        threads=len(export.threads),
        comments_read=len(export.posts),
        plan=plan,
        comments=ImportReport(skipped=[*export.skipped, *plan.skipped]),
        settled=settled,
        unsettled=unsettled,
    )
    ticker = _Ticker(progress, clock)
    done = 0
    # Each batch reads the stores once to find duplicates: about twenty batches keep that cheap.
    size = max(500, len(plan.comments) // 20 + 1)
    for batch in _batches(plan.comments, size):
        part = import_comments(
            stores,
            rules,
            ExportRead(batch, []),
            source=source,
            post_slugs=site.slugs,
            moderator=moderator,
        )
        _merge(report.comments, part)
        done += len(batch)
        ticker.tick(lambda count=done: f"Importing: {count} of {len(plan.comments)} comments")
    logger.info("imported %s: %d comment(s) new", path.name, len(report.comments.created))
    return report
