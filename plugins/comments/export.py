"""Export the published comments: JSON (this project's own form) or WXR (WordPress's).

Exports read the public store, so they hold exactly what the site shows, and by default
only public fields. The WXR carries each comment's id, Markdown and warnings in comment
meta, so this project's importer gets back exactly what it exported, while WordPress sees
ordinary comments (as HTML, with any warning stated before the text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from comments.config import CommentStores
from comments.importer import JSON_FORMAT
from comments.model import PublicComment
from comments.public_store import read_public_comments
from comments.sanitise import render_comment_body
from comments.wxr_import import META_ID, META_MARKDOWN, META_WARNINGS
from harbour.errors import HarbourError
from harbour.files import atomic_write_text, is_inside

FORMATS = ("json", "wxr")
WXR_NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}


@dataclass(frozen=True)
class PostInfo:
    """What an export says about the post a comment belongs to."""

    slug: str
    title: str
    date: datetime | None = None
    url: str | None = None


def _sorted(comments: Iterable[PublicComment]) -> list[PublicComment]:
    return sorted(comments, key=lambda c: (c.post, c.date, c.id))


def comments_json(
    comments: Iterable[PublicComment],
    *,
    exported_at: datetime,
    private: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """The JSON export. ``private`` (id -> e-mail, IP, user agent) adds those fields."""
    items = []
    for comment in _sorted(comments):
        item = comment.public_fields()
        if private is not None and comment.id in private:
            item["private"] = dict(private[comment.id])
        items.append(item)
    data = {"format": JSON_FORMAT, "version": 1, "exported_at": exported_at.isoformat(), "comments": items}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _element(name: str, text: str | int | None = "", *, indent: int = 0, attrs: str = "") -> str:
    return f"{' ' * indent}<{name}{attrs}>{escape(str(text if text is not None else ''))}</{name}>"


def _wp_date(date: datetime) -> tuple[str, str]:
    return date.strftime("%Y-%m-%d %H:%M:%S"), date.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _wordpress_html(comment: PublicComment) -> str:
    html = render_comment_body(comment.body)
    if comment.content_warnings:
        # WordPress shows comments without a gate; the warning at least comes first.
        tags = escape(", ".join(comment.content_warnings))
        html = f"<p><strong>Content warning: {tags}.</strong></p>\n" + html
    return html


def _comment_xml(comment: PublicComment, number: int, parent: int) -> list[str]:
    local, gmt = _wp_date(comment.date)
    meta = [(META_ID, comment.id), (META_MARKDOWN, comment.body)]
    if comment.content_warnings:
        meta.append((META_WARNINGS, ", ".join(comment.content_warnings)))
    lines = ["      <wp:comment>"]
    for name, value in (
        ("comment_id", number), ("comment_author", comment.author), ("comment_author_email", ""),
        ("comment_author_url", comment.author_url or ""), ("comment_author_IP", ""),
        ("comment_date", local), ("comment_date_gmt", gmt), ("comment_content", _wordpress_html(comment)),
        ("comment_approved", 1), ("comment_type", "comment"), ("comment_parent", parent),
        ("comment_user_id", 0),
    ):
        lines.append(_element(f"wp:{name}", value, indent=8))
    for key, value in meta:
        lines += [
            "        <wp:commentmeta>",
            _element("wp:meta_key", key, indent=10),
            _element("wp:meta_value", value, indent=10),
            "        </wp:commentmeta>",
        ]
    lines.append("      </wp:comment>")
    return lines


def comments_wxr(
    comments: Iterable[PublicComment],
    *,
    posts: Mapping[str, PostInfo],
    site_name: str,
    site_url: str,
    exported_at: datetime,
) -> str:
    """A WordPress eXtended RSS 1.2 file with one item per post and its approved comments."""
    by_post: dict[str, list[PublicComment]] = {}
    for comment in _sorted(comments):
        by_post.setdefault(comment.post, []).append(comment)
    numbers = {c.id: n for n, c in enumerate(_sorted(comments), start=1)}
    namespaces = "".join(f"\n  xmlns:{p}={quoteattr(u)}" for p, u in WXR_NAMESPACES.items())
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Approved comments exported by this site's comments plugin: WordPress eXtended RSS 1.2. -->",
        "<!-- Comment meta keys harbour_* let this site's importer restore ids, Markdown and warnings. -->",
        f'<rss version="2.0"{namespaces}>',
        "<channel>",
        _element("title", site_name, indent=2),
        _element("link", site_url, indent=2),
        _element("description", "", indent=2),
        _element("pubDate", format_datetime(exported_at.astimezone(timezone.utc)), indent=2),
        _element("wp:wxr_version", "1.2", indent=2),
        _element("wp:base_site_url", site_url, indent=2),
        _element("wp:base_blog_url", site_url, indent=2),
        _element("generator", "still-here comments export", indent=2),
    ]
    for post_number, (slug, post_comments) in enumerate(sorted(by_post.items()), start=1):
        post = posts.get(slug) or PostInfo(slug=slug, title=slug)
        date = post.date or post_comments[0].date
        local, gmt = _wp_date(date)
        out += [
            "  <item>",
            _element("title", post.title, indent=4),
            _element("link", post.url or "", indent=4),
            _element("pubDate", format_datetime(date.astimezone(timezone.utc)), indent=4),
            _element("guid", f"harbour-post:{slug}", indent=4, attrs=' isPermaLink="false"'),
            _element("description", "", indent=4),
            _element("content:encoded", "", indent=4),
            _element("excerpt:encoded", "", indent=4),
            _element("wp:post_id", post_number, indent=4),
            _element("wp:post_date", local, indent=4),
            _element("wp:post_date_gmt", gmt, indent=4),
            _element("wp:comment_status", "open", indent=4),
            _element("wp:ping_status", "closed", indent=4),
            _element("wp:post_name", slug, indent=4),
            _element("wp:status", "publish", indent=4),
            _element("wp:post_parent", 0, indent=4),
            _element("wp:menu_order", 0, indent=4),
            _element("wp:post_type", "post", indent=4),
            _element("wp:post_password", "", indent=4),
            _element("wp:is_sticky", 0, indent=4),
        ]
        for comment in post_comments:
            out += _comment_xml(comment, numbers[comment.id], numbers.get(comment.reply_to or "", 0))
        out.append("  </item>")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


_HEADER = re.compile(r"([A-Za-z][\w-]*):\s*(.*)")


def read_post_info(
    content_dir: Path,
    article_paths: Sequence[str],
    *,
    timezone_name: str,
    site_url: str = "",
    article_url: str = "",
) -> dict[str, PostInfo]:
    """Title, date and address of each Markdown post, read from its metadata header."""
    from zoneinfo import ZoneInfo

    from pelican.utils import get_date

    from harbour.new_post import post_slug

    posts = {}
    for folder in article_paths:
        for path in sorted((Path(content_dir) / folder).rglob("*.md")):
            header: dict[str, str] = {}
            for line in path.read_text(encoding="utf-8").splitlines():
                match = _HEADER.fullmatch(line)
                if not match:
                    break
                header[match.group(1).lower()] = match.group(2).strip()
            title = header.get("title") or path.stem
            slug = header.get("slug") or post_slug(title)
            date = None
            if header.get("date"):
                try:
                    date = get_date(header["date"])
                except (ValueError, OverflowError):
                    date = None
                if date is not None and date.tzinfo is None:
                    date = date.replace(tzinfo=ZoneInfo(timezone_name))
            url = None
            if article_url and date is not None:
                try:
                    url = f"{site_url}/{article_url.format(slug=slug, date=date)}"
                except (KeyError, IndexError, ValueError):
                    url = None
            posts[slug] = PostInfo(slug=slug, title=title, date=date, url=url)
    return posts


def export_comments(
    stores: CommentStores,
    fmt: str,
    output: str | Path,
    *,
    include_private: bool = False,
    posts: Mapping[str, PostInfo] | None = None,
    site_name: str = "",
    site_url: str = "",
    published_dirs: Sequence[Path] = (),
) -> int:
    """Write every approved comment to ``output``; returns how many.

    ``include_private`` adds e-mail, IP and user agent from the private store; such a file is
    refused inside ``published_dirs`` (the content and output folders).
    """
    if fmt not in FORMATS:
        raise HarbourError(f"--format {fmt!r} is not supported; choose json or wxr")
    output = Path(output)
    if output.is_dir():
        raise HarbourError(
            f"--output {output} is a folder; give the path of the file to write, "
            f"e.g. {output / ('comments.' + ('json' if fmt == 'json' else 'xml'))}"
        )
    if include_private and fmt != "json":
        raise HarbourError("--include-private works with --format json only; WXR exports carry public fields")
    if include_private:
        for folder in (stores.content_dir, *published_dirs):
            if is_inside(output, folder):
                raise HarbourError(
                    f"{output} is inside {folder}, which is published; write an export with private "
                    "fields somewhere private, e.g. private/comments-backup.json"
                )
    comments = read_public_comments(stores.public_dir)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    if fmt == "json":
        private = None
        if include_private:
            private = {}
            for comment in comments:
                if stores.private.exists(comment.id):
                    record = stores.private.read(comment.id)
                    private[comment.id] = {
                        "email": record.email, "ip": record.ip, "user_agent": record.user_agent,
                    }
        text = comments_json(comments, exported_at=now, private=private)
    else:
        text = comments_wxr(
            comments, posts=posts or {}, site_name=site_name, site_url=site_url, exported_at=now
        )
    try:
        atomic_write_text(output, text)
    except OSError as error:  # a file where a folder should be, no permission, a full disk
        raise HarbourError(
            f"--output {output}: cannot write it ({error.strerror or error}); "
            "give a file path in a folder you can write to"
        ) from None
    return len(comments)
