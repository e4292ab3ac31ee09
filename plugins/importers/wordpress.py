"""`invoke import-wordpress`: a WordPress export's posts, pages, images and comments, moved here.

The export is read twice by the shared reader (:mod:`harbour.wxr`): once whole, to refuse a
broken file before anything is written and to learn its attachments and addresses; then
item by item, writing each post as it comes. Published posts stay published; drafts,
pending, scheduled, private and password-protected posts become drafts (the last two
marked so, their text never built into the published site). Comments go through
``comments-import``'s own path (:func:`comments.transfer.importer.import_comments`), with
the same ids, so importing comments before or after the posts gives the same result.

Idempotent: a file already written by an import of the same post is left as it is (the
writer may have edited it), a file written by hand is never overwritten (the clash is
reported), so importing again adds only what is new.
"""

from __future__ import annotations

import email.utils
import json
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from comments.config import CommentStores
from comments.desk.moderation import approve_comments
from comments.desk.triage import TriageRules
from comments.model import is_post_slug
from comments.transfer.importer import HELD_FOR_MISSING_POST, ImportReport, import_comments
from comments.transfer.wxr import ExportRead, IncomingComment, channel_blog_key, is_linkback, item_comments
from harbour.errors import HarbourError
from harbour.files import atomic_write_text
from harbour.new_post import post_slug
from harbour.wxr import WxrChannel, WxrFile, WxrItem, wp_date
from importers.media import MediaLibrary
from importers.redirects import RedirectPlan, redirect_page, relative_link, reserved_path_problem
from importers.report import WordPressReport
from importers.shortcodes import Attachment, ShortcodeContext
from importers.to_markdown import body_to_markdown, inline_text, link_key

logger = logging.getLogger(__name__)

IMPORTED_TYPES = ("post", "page")
MARKER = "WordPress-Post"
LINKBACKS_FILE = "wordpress-linkbacks.json"
# How a WordPress status comes across: the site's Status, and the mark a draft carries.
STATUS_HERE = {"publish": "published"}
NOT_PUBLIC_MARK = {
    "private": "private on WordPress: kept as a draft; publishing it shows its text to everyone",
    "password-protected": (
        "password-protected on WordPress: kept as a draft; this site has no passwords, "
        "so publishing it shows its text to everyone"
    ),
}
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SiteSettings:
    """What the importer needs of pelicanconf.py."""

    content_dir: Path
    article_paths: tuple[str, ...] = ("posts",)
    page_paths: tuple[str, ...] = ("pages",)
    article_url: str = "posts/{date:%Y}/{date:%m}/{slug}/"
    page_url: str = "{slug}/"
    timezone: str = "UTC"
    vocabulary: Any = None  # trigger_tags.vocabulary.Vocabulary, or None
    # The categories a post may have (WRITING["categories"]), or None for any.
    categories: tuple[str, ...] | None = None

    @property
    def posts_dir(self) -> Path:
        return self.content_dir / self.article_paths[0]

    @property
    def pages_dir(self) -> Path:
        return self.content_dir / self.page_paths[0]

    @classmethod
    def from_pelican(cls, settings: Mapping[str, Any]) -> SiteSettings:
        from trigger_tags import site_vocabulary

        return cls(
            content_dir=Path(settings["PATH"]), article_paths=tuple(settings["ARTICLE_PATHS"]) or ("posts",),
            page_paths=tuple(settings["PAGE_PATHS"]) or ("pages",), article_url=settings["ARTICLE_URL"],
            page_url=settings["PAGE_URL"], timezone=settings.get("TIMEZONE") or "UTC",
            vocabulary=site_vocabulary(settings),
            categories=_allowed_categories(settings),
        )


def _allowed_categories(settings: Mapping[str, Any]) -> tuple[str, ...] | None:
    allowed = (settings.get("WRITING") or {}).get("categories")
    return tuple(allowed) if isinstance(allowed, (list, tuple)) else None


@dataclass
class Plan:
    """What the first reading learnt: where each post and page goes, and what bodies refer to."""

    channel: WxrChannel
    counts: dict[str, int]
    slugs: dict[str, str] = field(default_factory=dict)  # post id -> slug here
    links: dict[str, str] = field(default_factory=dict)  # old address key -> {filename} link
    context: ShortcodeContext = field(default_factory=ShortcodeContext)


def import_wordpress(
    export: str | Path,
    site: SiteSettings,
    stores: CommentStores,
    rules: TriageRules,
    *,
    media: str | Path | None = None,
    progress: Progress | None = None,
    moderator: str | None = None,
) -> WordPressReport:
    """Import everything of ``export`` into the site; the report says what happened to each part."""
    export = Path(export)
    media_folder = _media_folder(media)
    plan = _plan(export, site, progress)
    key = channel_blog_key(plan.channel)
    report = WordPressReport(source=export.name)
    library = MediaLibrary(site.content_dir / "images", media_folder, plan.channel.base_blog_url or plan.channel.link)
    comments: list[IncomingComment] = []
    skipped: list[str] = []
    linkbacks: list[dict[str, Any]] = []
    with WxrFile(export, progress=_stage(progress, "importing")) as wxr:
        for item in wxr.items():
            if item.post_type not in IMPORTED_TYPES:
                report.skip_item(item, _skip_reason(item))
                continue
            slug = plan.slugs.get(_item_key(item))
            if slug is None:
                report.skip_item(item, "no date WordPress or this site can read")
                continue
            _import_item(item, slug, plan, site, library, report)
            if item.post_type == "post":
                linkbacks += _linkbacks(item, key, slug)
                own = replace(item, comments=tuple(c for c in item.comments if not is_linkback(c)))
                comments += [replace(c, post=slug) for c in item_comments(export.name, own, key, skipped)]
            elif item.comments:
                item_comments(export.name, item, key, skipped)  # says why a page's comments stay behind
    report.missing_images = library.missing
    report.image_clashes = library.clashes
    report.images_copied = library.written
    report.linkbacks_total = len(linkbacks)
    report.linkbacks_new = _keep_linkbacks(stores, linkbacks)
    post_slugs = _post_slugs(site)
    report.comments = import_comments(
        stores, rules, ExportRead(comments, skipped), source=f"import:{export.name}",
        post_slugs=post_slugs, moderator=moderator,
    )
    report.released = _release_held(stores, comments, post_slugs, moderator)
    return report


def _media_folder(media: str | Path | None) -> Path | None:
    if media is None or str(media) == "":
        return None
    folder = Path(media)
    if not folder.is_dir():
        raise HarbourError(
            f"--media {folder}: no such folder; give the folder of your WordPress media export "
            "(the one holding 2012/, 2013/, ... or wp-content/uploads/)"
        )
    return folder


def _stage(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    return (lambda done, total: progress(stage, done, total)) if progress else None


def _item_key(item: WxrItem) -> str:
    return f"{item.post_type}:{item.post_id or item.line}"


def _skip_reason(item: WxrItem) -> str:
    return {
        "attachment": "media files come with --media and the posts that show them",
        "nav_menu_item": "menus are this site's own (its header and pages)",
        "revision": "an earlier version of a post",
    }.get(item.post_type, "this site has posts and pages only")


# --- the first reading: where everything goes ---------------------------------------------


def _plan(export: Path, site: SiteSettings, progress: Progress | None) -> Plan:
    # Read to the end before anything is written: a file broken halfway changes nothing.
    with WxrFile(export, progress=_stage(progress, "checking")) as wxr:
        plan = Plan(wxr.channel, {})
        taken: dict[str, set[str]] = {"post": set(), "page": set()}
        for item in wxr.items():
            plan.counts[item.post_type] = plan.counts.get(item.post_type, 0) + 1
            if item.post_type == "attachment":
                _note_attachment(plan.context, item)
            if item.post_type not in IMPORTED_TYPES or _post_date(item) is None:
                continue
            slug = _slug(item, taken[item.post_type])
            taken[item.post_type].add(slug)
            plan.slugs[_item_key(item)] = slug
            if item.wp_status == "publish" and not item.password_protected:
                folder = site.article_paths[0] if item.post_type == "post" else site.page_paths[0]
                target = "{filename}/" + f"{folder}/{slug}.md"
                for address in {item.link, item.guid, _plain_link(wxr.channel, item)} - {""}:
                    plan.links[link_key(address)] = target
    return plan


def _plain_link(channel: WxrChannel, item: WxrItem) -> str:
    """WordPress's address that works whatever the permalinks: ``?p=ID`` (``?page_id=`` for pages)."""
    base = (channel.base_blog_url or channel.link).rstrip("/")
    if not base or not item.post_id:
        return ""
    return f"{base}/?{'page_id' if item.post_type == 'page' else 'p'}={item.post_id}"


def _note_attachment(context: ShortcodeContext, item: WxrItem) -> None:
    url = item.attachment_url or item.guid
    if not item.post_id or not url:
        return
    context.attachments[item.post_id] = Attachment(  # type: ignore[index]
        url, item.title, item.meta.get("_wp_attachment_image_alt", ""), item.excerpt.strip()
    )
    if item.post_parent and item.post_parent != "0":
        context.children.setdefault(item.post_parent, []).append(item.post_id)  # type: ignore[attr-defined]


def _slug(item: WxrItem, taken: Collection[str]) -> str:
    """The item's WordPress slug when it can name a file here, else one made from its title."""
    slug = item.slug
    if not is_post_slug(slug) or slug.startswith("-"):
        slug = post_slug(item.title) or f"{item.post_type}-{item.post_id or item.line}"
    if slug in taken:
        slug = f"{slug}-{item.post_id or item.line}"
    return slug


def _post_date(item: WxrItem) -> datetime | None:
    date, _ = wp_date(item.post_date, item.post_date_gmt)
    if date is None and item.pub_date:
        try:
            date = email.utils.parsedate_to_datetime(item.pub_date)
        except (TypeError, ValueError):
            date = None
    if date is not None and not 1 <= date.year <= 9998:
        return None
    return date


# --- the second reading: writing ---------------------------------------------------------


def _import_item(
    item: WxrItem, slug: str, plan: Plan, site: SiteSettings, library: MediaLibrary, report: WordPressReport
) -> None:
    folder = site.posts_dir if item.post_type == "post" else site.pages_dir
    path = folder / f"{slug}.md"
    marker = f"{channel_blog_key(plan.channel)}-{item.post_id}"
    hidden = "password-protected" if item.password_protected else item.wp_status
    published = hidden == "publish"
    report.count_item(item, "published" if published else "draft")
    if hidden in NOT_PUBLIC_MARK:
        report.not_public.append(f"{path} ({hidden} on WordPress)")
    if path.exists():
        if _marker_of(path) == marker:
            report.unchanged.append(str(path))
        else:
            report.clashes.append(
                f"{path}: already here and not written by this import; WordPress {item.post_type} "
                f"{item.title or slug!r} was not imported over it (rename one of them and import again)"
            )
        if published:
            _write_redirect(item, slug, site, report)
        return
    where = f"{item.post_type} {slug!r}"
    plan.context.post_id = item.post_id
    plan.context.unknown = []
    converted = body_to_markdown(
        item.content, images=lambda address: library.image(address, where), context=plan.context,
        base_url=plan.channel.base_blog_url or plan.channel.link, links=plan.links,
    )
    for name in converted.unknown_shortcodes:
        report.unknown_shortcodes.setdefault(name, []).append(str(path))
    report.dropped += [f"{path}: {what} left out" for what in converted.dropped]
    header = _header(item, slug, plan, marker, published, hidden, site.categories)
    if item.post_type == "post":
        proposed = _proposed_triggers(item, site)
        if proposed:
            report.triggers[str(path)] = proposed
    atomic_write_text(path, header + "\n" + converted.markdown + "\n")
    report.written.append(str(path))
    if published:
        _write_redirect(item, slug, site, report)


def _marker_of(path: Path) -> str | None:
    """The ``WordPress-Post:`` of a Markdown file's header, or None."""
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            for line in file:
                if not line.strip():
                    return None
                name, _, value = line.partition(":")
                if name.strip().lower() == MARKER.lower():
                    return value.strip()
    except OSError:
        return None
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _category(categories: list[str], allowed: tuple[str, ...] | None) -> str:
    """The one category a post gets here: the first WordPress one this site allows, if any.

    WordPress's "Uncategorized" says nothing; the others become tags, so nothing is lost.
    """
    for name in categories:
        if name.casefold() == "uncategorized":
            continue
        if allowed is None:
            return name
        match = next((a for a in allowed if a.casefold() == name.casefold()), None)
        if match:
            return match
    return ""


def _header(item: WxrItem, slug: str, plan: Plan, marker: str, published: bool, hidden: str,
            allowed: tuple[str, ...] | None = None) -> str:
    date = _post_date(item)
    assert date is not None  # items without one are skipped at planning
    author = plan.channel.authors.get(item.creator)
    categories = [t.name for t in item.terms_in("category") if t.name]
    tags = [t.name for t in item.terms_in("post_tag") if t.name]
    main = _category(categories, allowed)
    tags += [c for c in categories if c.casefold() not in (main.casefold(), "uncategorized")]
    tags = list({_one_line(t).replace(",", " ").casefold(): _one_line(t).replace(",", " ") for t in reversed(tags)}.values())[::-1]
    lines = [
        f"Title: {_one_line(item.title) or '(no title)'}",
        f"Date: {date.isoformat(sep=' ') if date.tzinfo else date.strftime('%Y-%m-%d %H:%M:%S')}",
    ]
    if item.post_type == "post" and main:
        lines.append(f"Category: {_one_line(main)}")
    if tags:
        lines.append("Tags: " + ", ".join(tags))
    lines.append(f"Slug: {slug}")
    if author or item.creator:
        lines.append(f"Author: {_one_line(author.display_name if author else item.creator)}")
    summary = inline_text(item.excerpt) if item.excerpt.strip() else ""
    if summary:
        lines.append(f"Summary: {summary}")
    lines.append(f"Status: {'published' if published else 'draft'}")
    lines.append(f"{MARKER}: {marker}")
    if not published:
        lines.append(f"WordPress-Status: {NOT_PUBLIC_MARK.get(hidden, hidden)}")
    if item.link:
        lines.append(f"WordPress-Address: {_one_line(item.link)}")
    return "\n".join(lines) + "\n"


def _proposed_triggers(item: WxrItem, site: SiteSettings) -> list[str]:
    """Tags and categories that name a trigger tag (or one of its aliases): for the writer to decide."""
    if site.vocabulary is None:
        return []
    found = []
    for term in item.terms:
        trigger = site.vocabulary.resolve(term.name)
        if trigger is not None and trigger.slug not in found:
            found.append(trigger.slug)
    return found


def _write_redirect(item: WxrItem, slug: str, site: SiteSettings, report: WordPressReport) -> None:
    """A redirect page at the old address, when the post's address here is another one."""
    old = urlsplit(item.link)
    old_path = unquote(old.path).strip("/")
    if old.query and not old_path:
        report.redirects_not_kept.append(
            f"{item.link}: an address with '?{old.query}' cannot be kept by a static host; "
            f"the {item.post_type} is at its new address"
        )
        return
    if not old_path:
        return
    date = _post_date(item)
    pattern = site.article_url if item.post_type == "post" else site.page_url
    new_path = pattern.format(slug=slug, date=date).strip("/")
    if new_path == old_path:
        return
    problem = reserved_path_problem(old_path, site)
    if problem:
        report.redirects_not_kept.append(f"{item.link}: {problem}")
        return
    plan = RedirectPlan(old_path, relative_link(old_path, new_path), _one_line(item.title) or slug)
    target = site.content_dir / "moved" / old_path / "index.html"
    page = redirect_page(plan)
    if target.exists():
        if target.read_text(encoding="utf-8", errors="replace") != page:
            report.clashes.append(f"{target}: already here with other contents; not overwritten")
        return
    atomic_write_text(target, page)
    report.redirects.append(f"/{old_path}/ -> /{new_path}/")


# --- comments, pingbacks and trackbacks --------------------------------------------------


def _linkbacks(item: WxrItem, key: str, slug: str) -> list[dict[str, Any]]:
    found = []
    for comment in item.comments:
        if is_linkback(comment) and comment.id:
            found.append({
                "id": f"wp-{key}-{comment.id}", "post": slug, "type": comment.type, "from": comment.author,
                "url": comment.author_url, "date": comment.date_gmt or comment.date,
                "approved": comment.approved, "excerpt": comment.content, "ip": comment.author_ip,
            })
    return found


def _keep_linkbacks(stores: CommentStores, linkbacks: list[dict[str, Any]]) -> int:
    """Pingbacks and trackbacks, kept apart in the private store (never published); how many were new."""
    if not linkbacks:
        return 0
    path = stores.private.root / LINKBACKS_FILE
    kept: dict[str, Any] = {}
    if path.exists():
        try:
            kept = json.loads(path.read_text(encoding="utf-8")).get("linkbacks", {})
        except (ValueError, AttributeError):
            raise HarbourError(f"{path}: not the JSON this importer writes; move it aside and import again") from None
    new = {entry["id"]: entry for entry in linkbacks if entry["id"] not in kept}
    if new:
        data = {"format": "harbour-wordpress-linkbacks", "version": 1, "linkbacks": {**kept, **new}}
        atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n", private=True)
    return len(new)


def _post_slugs(site: SiteSettings) -> set[str]:
    from comments.transfer.export import read_post_info

    return set(read_post_info(site.content_dir, site.article_paths, timezone_name=site.timezone))


def _release_held(
    stores: CommentStores, comments: list[IncomingComment], post_slugs: Collection[str], moderator: str | None
) -> int:
    """Publish what an earlier `comments-import` held only because the post was not here yet.

    So comments first and posts later ends as posts first: approved on WordPress, published
    here. Only a comment untouched since it arrived is released; one the writer moderated
    stays as the writer left it.
    """
    wanted = []
    for comment in comments:
        if comment.status != "approved" or comment.post not in post_slugs or not stores.private.exists(comment.id):
            continue
        record = stores.private.read(comment.id)
        untouched = [step.get("action") for step in record.history] == ["receive"]
        if record.status == "pending" and untouched and any(
            note.startswith(HELD_FOR_MISSING_POST) for note in record.notes
        ):
            wanted.append(comment.id)
    if not wanted:
        return 0
    outcomes = approve_comments(stores, wanted, moderator=moderator)
    return sum(1 for outcome in outcomes if outcome.result == "done")


def print_progress(every_seconds: float = 2.0) -> Progress:
    """A progress callback for a terminal: a line on stderr at most every few seconds."""
    import sys
    import time

    last: dict[str, Any] = {"at": 0.0, "shown": None}

    def show(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        share = f"{100 * done // total}%" if total else f"{done // 1024} kB"
        if (now - last["at"] < every_seconds and done < total) or last["shown"] == (stage, share):
            return
        last["at"], last["shown"] = now, (stage, share)
        print(f"import-wordpress: {stage} the export: {share}", file=sys.stderr, flush=True)

    return show
