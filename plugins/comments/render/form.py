"""The comment form in the build: whether a post takes comments, what its form shows, and the manifest.

Plain functions, no Pelican: ``comments.py`` calls them from its signal handlers. The manifest
is how the build tells the receiver (plugins/comments/receiver/) which posts take comments and
which comments a reply may answer; its format is shared with the receiver and must not change
without it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlencode

from comments.model import MANIFEST_FORMAT, MANIFEST_VERSION, unlisted_key
from harbour.errors import did_you_mean, where
from harbour.sources import metadata_line, read_lines

if TYPE_CHECKING:
    from trigger_tags.vocabulary import Trigger, Vocabulary

COMMENTS_METADATA = "Comments"
COMMENTS_VALUES = ("open", "closed")


# --- Open or closed -----------------------------------------------------------------------

def comments_metadata(article: Any) -> str | None:
    """The post's ``Comments:`` value as written (stripped, lower-case), or None without one."""
    value = getattr(article, "metadata", {}).get(COMMENTS_METADATA.lower())
    return None if value is None else str(value).strip().lower()


def comments_metadata_problems(articles: Iterable[Any], shown_path: Any) -> list[str]:
    """One line per post whose ``Comments:`` is neither 'open' nor 'closed', naming file and line.

    ``shown_path`` turns a source path into the one the writer knows (content/posts/x.md).
    """
    problems = []
    for article in articles:
        value = comments_metadata(article)
        if value is None or value in COMMENTS_VALUES:
            continue
        line = metadata_line(read_lines(article.source_path), COMMENTS_METADATA)
        written = article.metadata[COMMENTS_METADATA.lower()]
        problems.append(
            f"{where(shown_path(article.source_path), line)}: {COMMENTS_METADATA}: {str(written).strip()!r} "
            f"is not allowed; write 'Comments: open' or 'Comments: closed', or leave the line out "
            f"(COMMENTS['open'] decides){did_you_mean(value, COMMENTS_VALUES)}"
        )
    return problems


def _aware(date: datetime, zone: tzinfo | None) -> datetime:
    # Pelican leaves a Date naive when TIMEZONE is unset; it means the site's own time.
    return date if date.tzinfo is not None else date.replace(tzinfo=zone or timezone.utc)


def open_slugs(
    articles: Iterable[Any],
    *,
    site_open: bool,
    close_after_days: int,
    now: datetime,
    zone: tzinfo | None = None,
) -> dict[str, bool]:
    """Whether each slug takes comments: a post and its translations share one thread, so one answer.

    Closed when the site closes comments, when any version says ``Comments: closed`` (drafts
    too: closing is the writer's judgement of the post, and closing too soon is the safe
    mistake), or when ``close_after_days`` have passed since the earliest version's date.
    ``Comments: open`` states the default; it does not reopen what those rules close.
    """
    closed_by_metadata: set[str] = set()
    first_dates: dict[str, datetime] = {}
    for article in articles:
        if comments_metadata(article) == "closed":
            closed_by_metadata.add(article.slug)
        date = getattr(article, "date", None)
        if isinstance(date, datetime):
            date = _aware(date, zone)
            if article.slug not in first_dates or date < first_dates[article.slug]:
                first_dates[article.slug] = date
        first_dates.setdefault(article.slug, now)
    deadline = timedelta(days=close_after_days)
    return {
        slug: site_open
        and slug not in closed_by_metadata
        and not (close_after_days and now - first_date > deadline)
        for slug, first_date in first_dates.items()
    }


# --- What the form shows ---------------------------------------------------------------------

class WarningChoice(NamedTuple):
    """One topic in the form's content-warning list."""

    slug: str
    label: str
    # False where the label alone names the topic (Vocabulary.named): the option then carries no
    # value, a browser sends its label, and the receiver takes that as the slug. The list is on
    # every post with a form, and this leaves out about 20 bytes an option.
    needs_value: bool


@dataclass(frozen=True)
class WarningGroup:
    """Choices of the form's content-warning list: a broad topic with the narrower ones inside it.

    ``label`` is None for a topic with nothing inside it: the template shows it as a plain
    option rather than a group of one.
    """

    label: str | None
    choices: tuple[WarningChoice, ...]


def warning_groups(vocabulary: Vocabulary) -> tuple[WarningGroup, ...]:
    """The vocabulary as ``<optgroup>``s: each top-level topic, then everything inside it, in file order.

    ``<optgroup>`` cannot nest and its own label cannot be chosen, so a group holds its topic
    first ("Suicide") and then the narrower ones ("Suicidal thoughts").
    """
    triggers = list(vocabulary)
    children: dict[str, list[Trigger]] = {t.slug: [] for t in triggers}
    for trigger in triggers:
        if trigger.parent is not None:
            children[trigger.parent].append(trigger)

    def inside(slug: str) -> list[Trigger]:
        found: list[Trigger] = []
        for child in children[slug]:
            found += [child, *inside(child.slug)]
        return found

    def choice(trigger: Trigger) -> WarningChoice:
        named = vocabulary.named(trigger.label)
        # A browser sends an option's text with its spaces collapsed and trimmed.
        sent_as_is = " ".join(trigger.label.split()) == trigger.label
        names_it = named is not None and named.slug == trigger.slug
        return WarningChoice(trigger.slug, trigger.label, not (sent_as_is and names_it))

    groups = []
    for top in (t for t in triggers if t.parent is None):
        narrower = inside(top.slug)
        groups.append(WarningGroup(top.label if narrower else None, tuple(map(choice, [top, *narrower]))))
    return tuple(groups)


@dataclass(frozen=True)
class CommentForm:
    """What the theme needs to draw the form under a post and a "Reply" link on each comment."""

    action: str  # the receiver's /comments address, without a trailing slash
    require_email: bool
    length_limits: Mapping[str, int]
    warning_groups: tuple[WarningGroup, ...] = ()

    @property
    def token_url(self) -> str:
        return f"{self.action}/token"

    def reply_url(self, slug: str, comment_id: str) -> str:
        """The receiver's reply page, which works without JavaScript (like WordPress's ?replytocom=)."""
        return f"{self.action}/reply?{urlencode({'post': slug, 'to': comment_id})}"


def comment_form(conf: Mapping[str, Any], groups: Sequence[WarningGroup] = ()) -> CommentForm | None:
    """The form of a site whose ``COMMENTS`` (validated) name a receiver, else None."""
    if not conf.get("form_action"):
        return None
    return CommentForm(
        action=conf["form_action"].rstrip("/"),
        require_email=bool(conf["require_email"]),
        length_limits=dict(conf["length_limits"]),
        warning_groups=tuple(groups),
    )


# --- The manifest -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ManifestPost:
    slug: str
    title: str  # plain text
    url: str  # absolute when the site has an address, else root-relative
    open: bool
    approved: tuple[str, ...]


def manifest_path_problems(conf: Mapping[str, Any], slugs: Iterable[str]) -> list[str]:
    """Where the manifest would overwrite, or be overwritten by, another file the comments plugin writes.

    The default ``comments/open.json`` is exactly where ``json_path`` puts the comments of a
    post whose slug is 'open': one of them would silently replace the other.
    """
    manifest = conf["manifest_path"]
    problems = []
    if conf.get("feed_atom") == manifest:
        problems.append(f"COMMENTS['manifest_path'] {manifest!r} is also COMMENTS['feed_atom']")
    for key in ("json_path", "post_feed_atom"):
        pattern = conf.get(key)
        problems += [
            f"COMMENTS['manifest_path'] {manifest!r} is also where COMMENTS[{key!r}] writes the comments "
            f"of the post {slug!r}"
            for slug in sorted(set(slugs))
            if pattern and pattern.format(slug=slug) == manifest
        ]
    return [
        f"{problem}; set COMMENTS['manifest_path'] to a file no post uses, e.g. 'comment-manifest.json'"
        for problem in problems
    ]


def comment_manifest(posts: Iterable[ManifestPost], site: str, unlisted: Iterable[str] = ()) -> str:
    """The manifest's JSON text: one entry per slug, in slug order so that rebuilds compare equal.

    Posts in ``unlisted`` (hidden ones, reached by their address only) go under ``unlisted``,
    named by :func:`unlisted_key` and without title or address: the file is public.
    """
    hidden = set(unlisted)
    ordered = sorted(posts, key=lambda p: p.slug)
    data = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "site": site,
        "posts": {
            post.slug: {"title": post.title, "url": post.url, "open": post.open, "approved": sorted(post.approved)}
            for post in ordered if post.slug not in hidden
        },
        "unlisted": {
            unlisted_key(post.slug): {"open": post.open, "approved": sorted(post.approved)}
            for post in ordered if post.slug in hidden
        },
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
