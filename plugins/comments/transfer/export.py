"""Export the published comments: JSON (this project's own form) or WXR (WordPress's).

Exports read the public store, so they hold exactly what the site shows, and by default
only public fields. The WXR carries each comment's id, Markdown and warnings in comment
meta, so this project's importer gets back exactly what it exported, while WordPress sees
ordinary comments (as HTML, with any warning stated before the text).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from comments.config import CommentStores
from comments.transfer.importer import JSON_FORMAT
from comments.model import PublicComment
from comments.desk.public_store import read_public_comments
from comments.sanitise import render_comment_body
from comments.transfer.wxr import META_ID, META_MARKDOWN, META_WARNINGS, META_WRITER
from harbour.errors import HarbourError, where
from harbour.files import atomic_write_text, is_inside
from harbour.metadata_dates import EXPECTED as EXPECTED_DATE_FORM
from harbour.metadata_dates import has_usable_offset

FORMATS = ("json", "wxr")
WXR_NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}
# WordPress's own "no GMT date": its importer then works the GMT date out from the local one.
WP_NO_DATE = "0000-00-00 00:00:00"


@dataclass(frozen=True)
class PostInfo:
    """What an export says about the post a comment belongs to."""

    slug: str
    title: str
    date: datetime | None = None
    url: str | None = None
    # Why the post's Date cannot be exported (naming its file and line); ``date`` is then None.
    date_problem: str | None = None


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


def _in_utc(date: datetime) -> datetime | None:
    """``date`` in UTC, or None when that falls outside the years 1-9999.

    Pelican builds a post dated ``9999-12-31 23:59:59-01:00`` or ``0001-01-01 00:00:00+01:00``,
    whose moment in UTC Python cannot hold.
    """
    try:
        return date.astimezone(timezone.utc)
    except OverflowError:
        return None


def _wp_form(date: datetime) -> str:
    # Not strftime: on Linux it writes the year 1 as '1', where WordPress reads YYYY.
    return date.replace(tzinfo=None, microsecond=0).isoformat(sep=" ")


def _wp_date(date: datetime) -> tuple[str, str]:
    """WordPress's local and GMT forms of ``date``, ``YYYY-MM-DD HH:MM:SS``."""
    utc = _in_utc(date)
    return _wp_form(date), (_wp_form(utc) if utc is not None else WP_NO_DATE)


def _rss_date(date: datetime) -> str:
    """An RFC 822 date in UTC, clamped to the edge of the calendar when UTC falls outside it.

    The clamp moves the date by less than a day, and only in the item's pubDate, which WordPress
    does not read: it dates a post by wp:post_date.
    """
    utc = _in_utc(date)
    if utc is None:
        edge = datetime.min if date.year == datetime.min.year else datetime.max
        utc = edge.replace(microsecond=0, tzinfo=timezone.utc)
    return format_datetime(utc)


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
    if comment.by_writer:
        meta.append((META_WRITER, "yes"))
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
    date_problems = [posts[slug].date_problem for slug in sorted(by_post) if slug in posts]
    if any(date_problems):
        raise HarbourError([problem for problem in date_problems if problem])
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
            _element("pubDate", _rss_date(date), indent=4),
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


def _read_header(path: Path) -> dict[str, tuple[int, str]]:
    """A Markdown post's metadata: lower-cased key -> (line number, value)."""
    header: dict[str, tuple[int, str]] = {}
    # Split on "\n" only, as Python-Markdown does: splitlines() would also end a line at
    # U+2028, U+0085 or \x1c inside a title, and lose the Slug and Date after it.
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        match = _HEADER.fullmatch(line)
        if not match:
            break
        header[match.group(1).lower()] = (number, match.group(2).strip())
    return header


def _post_date(
    written: str, *, timezone_name: str, place: str
) -> tuple[datetime | None, str | None]:
    """A post's Date as Pelican reads it, or why it cannot be exported (``place`` is file:line)."""
    from zoneinfo import ZoneInfo

    from pelican.utils import get_date

    if not written:
        return None, None
    try:
        date = get_date(written)
    except (ValueError, OverflowError):
        return None, None  # unreadable: the export dates the post by its first comment instead
    if date.tzinfo is None:
        date = date.replace(tzinfo=ZoneInfo(timezone_name))
    if not has_usable_offset(date):
        # Python can neither convert nor print such a date; the build refuses the post the same way.
        return None, f"{place}: Date {written!r} has a UTC offset of a day or more; {EXPECTED_DATE_FORM}"
    return date, None


def read_post_info(
    content_dir: Path,
    article_paths: Sequence[str],
    *,
    timezone_name: str,
    site_url: str = "",
    article_url: str = "",
) -> dict[str, PostInfo]:
    """Title, date and address of each Markdown post, read from its metadata header."""
    from harbour.new_post import post_slug

    posts = {}
    for folder in article_paths:
        for path in sorted((Path(content_dir) / folder).rglob("*.md")):
            header = _read_header(path)
            title = header.get("title", (0, ""))[1] or path.stem
            slug = header.get("slug", (0, ""))[1] or post_slug(title)
            date_line, written = header.get("date", (0, ""))
            place = where(path, date_line, root=Path(content_dir).parent)
            date, date_problem = _post_date(written, timezone_name=timezone_name, place=place)
            url = None
            if article_url and date is not None:
                try:
                    url = f"{site_url}/{article_url.format(slug=slug, date=date)}"
                except (KeyError, IndexError, ValueError):
                    url = None
            posts[slug] = PostInfo(slug=slug, title=title, date=date, url=url, date_problem=date_problem)
    return posts


def git_would_track(path: str | Path) -> Path | None:
    """The git repository ``path`` lies in when git does not ignore it, else None.

    None too where git is not installed or the folder is in no repository: then nothing
    would commit the file by accident.
    """
    folder = Path(path).absolute().parent
    while not folder.is_dir():
        folder = folder.parent
    try:
        top = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=30
        )
        if top.returncode != 0:
            return None
        # --no-index: a file git already tracks is still only "ignored" when a pattern says so.
        ignored = subprocess.run(
            ["git", "-C", str(folder), "check-ignore", "-q", "--no-index", str(Path(path).absolute())],
            capture_output=True, timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return None if ignored.returncode == 0 else Path(top.stdout.strip())


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
        repository = git_would_track(output)
        if repository is not None:
            raise HarbourError(
                f"{output} is inside the git repository {repository} and git does not ignore it, so the "
                "next `git add` would commit commenters' e-mail and IP addresses; write an export with "
                "private fields into a folder git ignores (e.g. --output private/comments-backup.json) "
                "or outside the project"
            )
    comments = read_public_comments(stores.public_dir, zone=stores.zone)
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
