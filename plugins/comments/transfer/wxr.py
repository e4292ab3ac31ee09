"""Read the comments of a WordPress export (WXR 1.0 to 1.2), ours or a real WordPress site's.

The file is read by the one WXR reader every import shares (:mod:`harbour.wxr`: streamed,
defused against entity tricks, WordPress's elements only in its real namespaces); this
module turns each item's comments into comments of this site, with the ids both
`comments-import` and `import-wordpress` give them. Comments exported by this project carry
their id, Markdown and warnings in comment meta, so they come back exactly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from comments.transfer.html_to_markdown import TooDeeplyNested, html_to_markdown
from comments.model import DATE_RANGE_HELP, http_url, in_date_range, is_comment_id
from comments.desk.public_store import split_tags
from harbour.errors import HarbourError
from harbour.wxr import WP_DATE, WP_NAMESPACE, WxrChannel, WxrComment, WxrFile, WxrItem, wp_date

__all__ = ["WP_DATE", "WP_NAMESPACE"]  # kept importable from here, where they used to live

META_ID = "harbour_id"
META_MARKDOWN = "harbour_markdown"
META_WARNINGS = "harbour_content_warnings"
# "yes" on a reply by the site's writer (``Writer: yes``), so that the badge comes back too.
META_WRITER = "harbour_writer"
WP_STATUS = {"1": "approved", "0": "pending", "spam": "spam", "trash": "rejected", "post-trashed": "rejected"}


@dataclass
class IncomingComment:
    """A comment read from an export file, before it is received into the stores."""

    id: str
    post: str
    author: str
    body: str
    date: datetime
    status: str
    where: str
    reply_to: str | None = None
    author_url: str | None = None
    content_warnings: tuple[str, ...] = ()
    by_writer: bool = False
    email: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ExportRead:
    comments: list[IncomingComment]
    skipped: list[str]


def _host_and_path(url: str) -> tuple[str, str]:
    """An address as (host, path): lower-case, without "www.", a trailing dot or slash.

    The same site exported as http://Example.org and as https://www.example.org/ gives the
    same pair. A text that is no address at all comes back whole, as the host.
    """
    text = url.strip()
    try:
        parts = urlsplit(text if "://" in text else f"http://{text}")
        host = parts.hostname
    except ValueError:
        return text, ""
    if not host:
        return text, ""
    host = host.rstrip(".")
    return (host[4:] if host.startswith("www.") else host), unquote(parts.path).rstrip("/").lower()


def _key(text: str) -> str:
    """Six hex digits of the text's SHA-256: short in an id, and two sites rarely share one."""
    return hashlib.sha256((text or "wordpress").encode("utf-8")).hexdigest()[:6]


def blog_key(blog_url: str, site_url: str) -> str:
    """The key of the blog an export comes from, for its comments' ids (``wp-<key>-<number>``).

    WordPress writes the address of the whole installation as ``base_site_url`` and the blog's
    own as ``base_blog_url``. A single site gives both the same address; but every WordPress.com
    blog shares ``https://wordpress.com/``, as every blog of a multisite network shares its
    network's address. Keying ids by ``base_site_url`` gave two such blogs' comment 12 one id,
    and the second blog's comments were taken for the first's.

    So a blog of a network is keyed by its own host and path. A single site keeps the key
    earlier versions gave it, its host alone, so the ids of comments it already imported stay
    the same. (A network blog's earlier, shared ids cannot be kept: they were ambiguous. The
    importer recognises those comments by their post, author, date and text instead.)
    """
    blog = _host_and_path(blog_url or site_url)
    if not site_url or not blog_url or blog == _host_and_path(site_url):
        return _key(blog[0])
    host, path = blog
    return _key(f"{host}{path}")



@contextmanager
def unreadable_export(path: Path) -> Iterator[None]:
    """Turn the ways an export file can fail to open into one clear HarbourError."""
    try:
        yield
    except FileNotFoundError:
        raise HarbourError(
            f"{path}: no such file; give the path of a comments export (.json or .xml)"
        ) from None
    except IsADirectoryError:
        raise HarbourError(
            f"{path}: is a folder; give the path of the export file itself (.json or .xml)"
        ) from None
    except OSError as error:
        raise HarbourError(f"{path}: cannot be read ({error.strerror or error})") from None


def channel_blog_key(channel: WxrChannel) -> str:
    """The key of the blog an export's channel describes (see :func:`blog_key`)."""
    return blog_key(channel.base_blog_url, channel.base_site_url or channel.link)


def read_wxr(path: str | Path) -> ExportRead:
    """Every comment of a WXR file, with what was skipped and why."""
    path = Path(path)
    comments: list[IncomingComment] = []
    skipped: list[str] = []
    with unreadable_export(path), WxrFile(path) as wxr:
        key = channel_blog_key(wxr.channel)
        for item in wxr.items():
            comments += item_comments(path.name, item, key, skipped)
    return ExportRead(comments, skipped)


def not_public_reason(item: WxrItem) -> str | None:
    """Why readers of the old blog could not see an item's comments, or None when they could."""
    if item.password_protected:
        return "password-protected"
    if item.wp_status != "publish":
        return {"private": "private", "draft": "a draft", "pending": "pending review",
                "future": "scheduled, not yet published"}.get(item.wp_status, repr(item.wp_status))
    return None


def is_linkback(comment: WxrComment) -> bool:
    """A pingback or trackback: another site's notice of a link, not a reader's words."""
    return (comment.type or "comment") in ("pingback", "trackback")


def item_comments(source: str, item: WxrItem, key: str, skipped: list[str]) -> list[IncomingComment]:
    """The comments of one item, threaded, with a line in ``skipped`` for each left out.

    ``key`` is the blog's (:func:`channel_blog_key`): a WordPress comment numbered 12 becomes
    ``wp-<key>-12``, whichever command reads it. A comment approved under a post that readers
    could not see (password-protected, private, a draft) waits here: it was never public either.
    """
    if not item.comments:
        return []
    title = item.title or "(untitled)"
    if item.post_type != "post":
        skipped.append(
            f"{len(item.comments)} comment(s) on the {item.post_type} {title!r}: "
            "this site has comments on posts only"
        )
        return []
    slug = item.slug
    if not slug:
        skipped.append(f"{len(item.comments)} comment(s) on {title!r}: the post has no slug (wp:post_name)")
        return []
    hidden = not_public_reason(item)
    by_wp_id: dict[str, IncomingComment] = {}
    parents: dict[str, str] = {}
    for element in item.comments:
        incoming = _incoming(source, slug, element, key, skipped)
        if incoming is None:
            continue
        if hidden and incoming.status == "approved":
            incoming.status = "pending"
            incoming.notes.append(
                f"approved on WordPress, but its post was {hidden} there, so readers never saw it; "
                "held for you to decide"
            )
        by_wp_id[element.id] = incoming
        if element.parent and element.parent != "0":
            parents[element.id] = element.parent
    for wp_id, parent in parents.items():
        comment = by_wp_id[wp_id]
        if parent in by_wp_id:
            comment.reply_to = by_wp_id[parent].id
        else:
            comment.notes.append(
                f"it replied to WordPress comment {parent}, which is not in the export as a comment; "
                "imported as a top-level comment"
            )
    return list(by_wp_id.values())


def _meta_notes(meta: dict[str, str]) -> list[str]:
    """WordPress's own comment meta (spam checks, ratings), kept in the private record only."""
    kept = {k: v for k, v in meta.items() if k not in (META_ID, META_MARKDOWN, META_WARNINGS, META_WRITER)}
    return [
        f"WordPress comment meta {key!r}: {value if len(value) <= 300 else value[:299] + '…'!r}"
        for key, value in kept.items()
    ]


def _incoming(
    source: str, slug: str, element: WxrComment, key: str, skipped: list[str]
) -> IncomingComment | None:
    wp_id = element.id
    where = f"{source}, post {slug!r}, comment {wp_id or '?'}"
    kind = element.type or "comment"
    if kind != "comment":
        skipped.append(f"{where}: a {kind}, not a comment")
        return None
    meta = element.meta
    comment_id = meta.get(META_ID, "").strip()
    if not is_comment_id(comment_id):
        # ASCII digits only: str.isdigit() also takes "١٢", which no comment id may hold.
        comment_id = f"wp-{key}-{wp_id}" if re.fullmatch(r"[0-9]{1,20}", wp_id) else ""
    if not comment_id:
        skipped.append(f"{where}: no numeric wp:comment_id, so it cannot be given a stable id")
        return None
    notes = [f"imported from {source} (WordPress comment {wp_id})"]
    date, date_note = wp_date(element.date, element.date_gmt)
    if date is None:
        skipped.append(f"{where}: no readable wp:comment_date")
        return None
    if not in_date_range(date):
        skipped.append(
            f"{where}: wp:comment_date {element.date!r} is out of range: {DATE_RANGE_HELP}; "
            "correct the comment's date in WordPress and export again"
        )
        return None
    if date_note:
        notes.append(date_note)
    notes += _meta_notes(meta)
    status = WP_STATUS.get(element.approved, "pending")
    if element.approved not in WP_STATUS:
        notes.append(f"WordPress status {element.approved!r} is unknown here; held for moderation")
    url = element.author_url
    if url and http_url(url) is None:
        notes.append(f"author URL {url!r} dropped: not an http(s) address")
    try:
        body = meta[META_MARKDOWN] if META_MARKDOWN in meta else html_to_markdown(element.content)
    except TooDeeplyNested as error:
        skipped.append(
            f"{where}: wp:comment_content: {error}, which no comment needs; "
            "simplify the comment in WordPress and export again, or leave it out"
        )
        return None
    incoming = IncomingComment(
        id=comment_id,
        post=slug,
        author=element.author or "Anonymous",
        body=body,
        date=date,
        status=status,
        where=where,
        author_url=http_url(url),
        content_warnings=split_tags(meta.get(META_WARNINGS, "")),
        by_writer=meta.get(META_WRITER, "").strip().lower() == "yes",
        email=element.author_email or None,
        ip=element.author_ip or None,
        user_agent=element.user_agent or None,
        notes=notes,
    )
    if status == "rejected":
        incoming.notes.append("trashed in WordPress")
    return incoming
