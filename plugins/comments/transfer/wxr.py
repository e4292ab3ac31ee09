"""Read the comments of a WordPress export (WXR 1.0 to 1.2), ours or a real WordPress site's.

Parsed with defusedxml, so entity tricks in a downloaded file cannot exhaust memory or
read local files. Elements count as WordPress's only in the real ``wp`` namespaces
(``http(s)://wordpress.org/export/1.x/``): a file that redefines the ``wp:`` prefix to
another namespace does not smuggle comments in. Comments exported by this project carry
their id, Markdown and warnings in comment meta, so they come back exactly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from comments.transfer.html_to_markdown import TooDeeplyNested, html_to_markdown
from comments.model import DATE_RANGE_HELP, http_url, in_date_range, is_comment_id
from comments.desk.public_store import split_tags
from harbour.errors import HarbourError

WP_NAMESPACE = re.compile(r"https?://wordpress\.org/export/1\.[0-9]+/")
META_ID = "harbour_id"
META_MARKDOWN = "harbour_markdown"
META_WARNINGS = "harbour_content_warnings"
WP_STATUS = {"1": "approved", "0": "pending", "spam": "spam", "trash": "rejected", "post-trashed": "rejected"}
WP_DATE = "%Y-%m-%d %H:%M:%S"


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
    email: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ExportRead:
    comments: list[IncomingComment]
    skipped: list[str]


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _wp_children(element: Element, name: str) -> Iterator[Element]:
    for child in element:
        namespace, local = _split(child.tag) if isinstance(child.tag, str) else ("", "")
        if local == name and WP_NAMESPACE.fullmatch(namespace):
            yield child


def _wp_text(element: Element, name: str) -> str:
    child = next(_wp_children(element, name), None)
    return (child.text or "").strip() if child is not None else ""


def _wp_date(local: str, gmt: str) -> tuple[datetime | None, str | None]:
    """A comment's aware date from WordPress's local and GMT times (the offset is their difference)."""
    try:
        local_time = datetime.strptime(local, WP_DATE) if local else None
    except ValueError:
        local_time = None
    try:
        gmt_time = datetime.strptime(gmt, WP_DATE) if gmt and not gmt.startswith("0000") else None
    except ValueError:
        gmt_time = None
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


def _blog_key(channel: Element) -> str:
    link = (channel.findtext("link") or "").strip()
    site = _wp_text(channel, "base_site_url") or link
    return blog_key(_wp_text(channel, "base_blog_url"), site)


def _post_slug(item: Element) -> str:
    slug = unquote(_wp_text(item, "post_name")).strip()
    if not slug:
        path = urlsplit((item.findtext("link") or "").strip()).path.rstrip("/")
        slug = unquote(path.rsplit("/", 1)[-1]) if path else ""
    return slug


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


def _parse(path: Path) -> Element:
    try:
        with unreadable_export(path):
            return SafeET.parse(path).getroot()
    except ParseError as error:
        line = error.position[0]
        raise HarbourError(
            f"{path}:{line}: not well-formed XML ({error}); "
            "the export is damaged or cut short: export it again from WordPress (Tools > Export)"
        ) from None
    except DefusedXmlException as error:
        raise HarbourError(
            f"{path}: refused: the file uses XML features that can attack the importer ({error}); "
            "a WordPress export never needs them, so re-export it from WordPress"
        ) from None


def read_wxr(path: str | Path) -> ExportRead:
    """Every comment of a WXR file, with what was skipped and why."""
    path = Path(path)
    root = _parse(path)
    channel = root.find("channel")
    if _split(root.tag)[1] != "rss" or channel is None:
        found = _split(root.tag)[1]
        raise HarbourError(f"{path}: not a WordPress export: expected <rss><channel>, found <{found}>")
    version = _wp_text(channel, "wxr_version")
    if not re.fullmatch(r"1\.[0-9]+", version):
        raise HarbourError(
            f"{path}: no valid <wp:wxr_version> in the channel (found {version!r}), so this is not a "
            "WordPress export WordPress itself would import; export it again from Tools > Export"
        )
    site = _blog_key(channel)
    comments: list[IncomingComment] = []
    skipped: list[str] = []
    for item in channel.findall("item"):
        comments += _item_comments(path, item, site, skipped)
    return ExportRead(comments, skipped)


def _item_comments(path: Path, item: Element, site: str, skipped: list[str]) -> list[IncomingComment]:
    wp_comments = list(_wp_children(item, "comment"))
    if not wp_comments:
        return []
    title = (item.findtext("title") or "").strip() or "(untitled)"
    post_type = _wp_text(item, "post_type") or "post"
    if post_type != "post":
        skipped.append(
            f"{len(wp_comments)} comment(s) on the {post_type} {title!r}: "
            "this site has comments on posts only"
        )
        return []
    slug = _post_slug(item)
    if not slug:
        skipped.append(f"{len(wp_comments)} comment(s) on {title!r}: the post has no slug (wp:post_name)")
        return []
    by_wp_id: dict[str, IncomingComment] = {}
    parents: dict[str, str] = {}
    for element in wp_comments:
        wp_id = _wp_text(element, "comment_id")
        where = f"{path.name}, post {slug!r}, comment {wp_id or '?'}"
        kind = _wp_text(element, "comment_type") or "comment"
        if kind != "comment":
            skipped.append(f"{where}: a {kind}, not a comment")
            continue
        meta = {
            _wp_text(m, "meta_key"): (next(_wp_children(m, "meta_value"), Element("x")).text or "")
            for m in _wp_children(element, "commentmeta")
        }
        comment_id = meta.get(META_ID, "").strip()
        if not is_comment_id(comment_id):
            # ASCII digits only: str.isdigit() also takes "١٢", which no comment id may hold.
            comment_id = f"wp-{site}-{wp_id}" if re.fullmatch(r"[0-9]{1,20}", wp_id) else ""
        if not comment_id:
            skipped.append(f"{where}: no numeric wp:comment_id, so it cannot be given a stable id")
            continue
        notes = [f"imported from {path.name} (WordPress comment {wp_id})"]
        local = _wp_text(element, "comment_date")
        date, date_note = _wp_date(local, _wp_text(element, "comment_date_gmt"))
        if date is None:
            skipped.append(f"{where}: no readable wp:comment_date")
            continue
        if not in_date_range(date):
            skipped.append(
                f"{where}: wp:comment_date {local!r} is out of range: {DATE_RANGE_HELP}; "
                "correct the comment's date in WordPress and export again"
            )
            continue
        if date_note:
            notes.append(date_note)
        approved = _wp_text(element, "comment_approved")
        status = WP_STATUS.get(approved, "pending")
        if approved not in WP_STATUS:
            notes.append(f"WordPress status {approved!r} is unknown here; held for moderation")
        url = _wp_text(element, "comment_author_url")
        if url and http_url(url) is None:
            notes.append(f"author URL {url!r} dropped: not an http(s) address")
        content = next(_wp_children(element, "comment_content"), None)
        html = content.text or "" if content is not None else ""
        try:
            body = meta[META_MARKDOWN] if META_MARKDOWN in meta else html_to_markdown(html)
        except TooDeeplyNested as error:
            skipped.append(
                f"{where}: wp:comment_content: {error}, which no comment needs; "
                "simplify the comment in WordPress and export again, or leave it out"
            )
            continue
        incoming = IncomingComment(
            id=comment_id,
            post=slug,
            author=_wp_text(element, "comment_author") or "Anonymous",
            body=body,
            date=date,
            status=status,
            where=where,
            author_url=http_url(url),
            content_warnings=split_tags(meta.get(META_WARNINGS, "")),
            email=_wp_text(element, "comment_author_email") or None,
            ip=_wp_text(element, "comment_author_IP") or None,
            user_agent=_wp_text(element, "comment_agent") or None,
            notes=notes,
        )
        if status == "rejected":
            incoming.notes.append("trashed in WordPress")
        by_wp_id[wp_id] = incoming
        parent = _wp_text(element, "comment_parent")
        if parent and parent != "0":
            parents[wp_id] = parent
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
