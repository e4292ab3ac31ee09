"""The ``COMMENTS`` settings (schema, defaults, validation) and where the two stores live."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from comments.desk.notify import NOTIFY_HELP, notify_problem
from comments.desk.private_store import PrivateStore
from comments.desk.triage import (
    CRISIS_EXCEPTIONS,
    DEFAULT_CRISIS_PHRASES,
    DEFAULT_LENGTH_LIMITS,
    LENGTH_LIMIT_FIELDS,
    MODERATION_MODES,
    link_host,
)
from harbour.errors import HarbourError, did_you_mean
from harbour.files import is_inside
from harbour.settings import Option, boolean, choice, integer, optional, plugin_settings, text_list, url


def _relative_path(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "expected a folder path"
    parts = PurePosixPath(value.replace("\\", "/")).parts
    if PurePosixPath(value).is_absolute() or ".." in parts:
        return "expected a path inside the content folder, without '..'"
    return None


def _path(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "expected a folder path"


def _output_pattern(*placeholders: str) -> Any:
    def check(value: Any) -> str | None:
        problem = _relative_path(value)
        if problem:
            return "expected a path inside the output folder, without '..'"
        for name in placeholders:
            if "{" + name + "}" not in value:
                return f"expected a pattern containing {{{name}}}"
        return None

    return check


def _domains(value: Any) -> str | None:
    problem = text_list(value)
    if problem:
        return problem
    bad = [v for v in value if not link_host(v)]
    return f"these are not domains: {', '.join(map(repr, bad))}" if bad else None


def _length_limits(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return "expected a dict such as {'body': 5000}"
    unknown = [k for k in value if k not in LENGTH_LIMIT_FIELDS]
    if unknown:
        return (
            f"unknown field {unknown[0]!r}; limits exist for {', '.join(LENGTH_LIMIT_FIELDS)}"
            + did_you_mean(str(unknown[0]), LENGTH_LIMIT_FIELDS)
        )
    bad = [k for k, v in value.items() if isinstance(v, bool) or not isinstance(v, int) or v < 1]
    return f"{bad[0]!r} must be a whole number of at least 1" if bad else None


def _form_action(value: Any) -> str | None:
    problem = url(relative=False)(value)
    if problem:
        return problem
    if not urlsplit(value).path.rstrip("/").endswith("/comments"):
        return "expected the receiver's /comments address, e.g. 'https://comments.example.org/comments'"
    return None


def _origins(value: Any) -> str | None:
    problem = text_list(value)
    if problem:
        return problem
    bad = [v for v in value if _origin(v) != v]
    return f"these are not origins (scheme://host[:port], no path): {', '.join(map(repr, bad))}" if bad else None


def _origin(address: str) -> str:
    """``scheme://host[:port]`` of an http(s) address, or '' when it has none."""
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def _timeout(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
    return None if ok else "expected a number of seconds above 0"


SCHEMA = {
    "private_path": Option(
        "private/comments",
        "the private store (e-mails, IPs, moderation history): a folder outside content/ and output/, "
        "relative to the folder of pelicanconf.py unless absolute; keep it out of git",
        _path,
    ),
    "public_path": Option(
        "comments", "the public store of approved comments, a folder inside the content folder (PATH)",
        _relative_path,
    ),
    "moderation": Option(
        "hold",
        "'hold': every new comment waits for you; 'auto-approve-returning': a comment by someone with "
        "an approved comment (same name and e-mail) is published at once unless it is flagged",
        choice(*MODERATION_MODES),
    ),
    "thread_depth": Option(5, "how many levels replies nest before they line up at the deepest one",
                           integer(1, 20)),
    "disallowed_words": Option([], "words or phrases that mark a new comment as spam (any field)", text_list),
    "disallowed_links": Option([], "domains whose links mark a new comment as spam", _domains),
    "crisis_phrases": Option(
        list(DEFAULT_CRISIS_PHRASES),
        "phrases that flag a new comment as a possible crisis and always hold it for you",
        text_list,
    ),
    "crisis_exceptions": Option(
        list(CRISIS_EXCEPTIONS),
        "ordinary idioms whose words are not read as crisis language ('cut myself some slack'); "
        "keep them narrow",
        text_list,
    ),
    "max_links_before_flag": Option(2, "flag a new comment with this many links or more (0: never)",
                                     integer(0, 100)),
    "length_limits": Option(
        dict(DEFAULT_LENGTH_LIMITS),
        "maximum characters per field of a comment, checked on arrival and again for approved files "
        "at build (content_warnings: number of tags); give only those you change",
        _length_limits,
    ),
    "policy_url": Option("/comment-policy/", "the page explaining how comments work", url()),
    "json_path": Option(
        "comments/{slug}.json",
        "where each post's approved comments are written as JSON in the output (None: not written)",
        optional(_output_pattern("slug")),
    ),
    "feed_atom": Option(None, "the site-wide Atom feed of comments in the output (None: none)",
                        optional(_output_pattern())),
    "post_feed_atom": Option(None, "each post's Atom feed of comments, a pattern with {slug} (None: none)",
                             optional(_output_pattern("slug"))),
    "feed_max_items": Option(50, "how many comments the site-wide feed holds", integer(1, 10000)),
    "lock_timeout": Option(30, "seconds a command waits for another one to release the store", _timeout),
    # --- The comment form and its receiver (plugins/comments/receiver/) -------------------
    "form_action": Option(
        None,
        "the address the comment form under each post sends to: your comment receiver's /comments "
        "address (see `python3 dev.py comments-receive`); None: no form, the page says how else to respond",
        optional(_form_action),
    ),
    "open": Option(True, "whether comments are open on posts at all (a post's 'Comments: closed' "
                         "metadata closes one)", boolean),
    "close_after_days": Option(0, "close a post's comments this many days after its date (0: never)",
                               integer(0, 36500)),
    "require_email": Option(False, "whether the form asks for an e-mail address (never published)", boolean),
    "allowed_origins": Option(
        [],
        "the origins (scheme://host[:port]) whose pages may send comments to the receiver; the origin "
        "of SITEURL is always allowed",
        _origins,
    ),
    "min_fill_seconds": Option(3, "how long a form must be open before the receiver accepts it "
                                  "(against bots)", integer(0, 600)),
    "rate_limit": Option(5, "how many comments one client may send in rate_window_seconds", integer(1, 10000)),
    "rate_window_seconds": Option(600, "the window of rate_limit, in seconds", integer(1, 86400)),
    "max_request_bytes": Option(65536, "the largest request body the receiver reads", integer(1024, 10_000_000)),
    "trusted_proxies": Option(
        [],
        "addresses of reverse proxies in front of the receiver whose X-Forwarded-For is believed "
        "(empty: the connection's own address is the client)",
        text_list,
    ),
    "retention_days": Option(30, "days a commenter's IP address and browser are kept in the private store "
                                 "(against abuse), then erased", integer(1, 3650)),
    "notify": Option(
        None,
        "e-mail to you when a comment arrives, through your own SMTP server (off by default): "
        + NOTIFY_HELP + "; see plugins/comments/README.md",
        optional(notify_problem),
        secret=True,
    ),
    "manifest_path": Option(
        "comments/open.json",
        "where the build writes what the receiver needs to know (which posts take comments, which "
        "comments are approved), in the output",
        _output_pattern(),
    ),
}


def comments_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``COMMENTS`` settings merged over the defaults, or a HarbourError listing every problem."""
    merged = plugin_settings(settings, "COMMENTS", SCHEMA)
    # Limits the writer did not mention keep their defaults rather than vanishing.
    merged["length_limits"] = {**DEFAULT_LENGTH_LIMITS, **merged["length_limits"]}
    return merged


@dataclass(frozen=True)
class CommentStores:
    """Where comments live: the private store and the public folder inside the content."""

    private: PrivateStore
    public_dir: Path
    content_dir: Path
    # The site's TIMEZONE: a comment file's Date written without a UTC offset is read in it.
    zone: tzinfo | None = None


def site_zone(settings: Mapping[str, Any]) -> tzinfo | None:
    """The site's TIMEZONE, or None when it is unset or unknown (Pelican reports that)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(settings["TIMEZONE"]) if settings.get("TIMEZONE") else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def comment_stores(
    settings: Mapping[str, Any],
    *,
    root: str | Path,
    private: str | Path | None = None,
    content: str | Path | None = None,
) -> CommentStores:
    """Resolve both stores from Pelican settings, with optional overrides (tasks' --private/--content).

    ``root`` is the folder of pelicanconf.py, which a relative ``private_path`` starts from.
    Refuses a private store inside the content or output folder: those get published.
    """
    conf = comments_settings(settings)
    content_dir = Path(content) if content else Path(settings["PATH"])
    private_dir = Path(private) if private else Path(root) / conf["private_path"]
    public_dir = content_dir / conf["public_path"]
    for name, folder in (("content", content_dir), ("output", Path(settings.get("OUTPUT_PATH") or "output"))):
        if is_inside(private_dir, folder):
            raise HarbourError(
                f"the private comment store {private_dir} is inside the {name} folder {folder}, which is "
                "published; set COMMENTS['private_path'] to a folder outside it, e.g. 'private/comments'"
            )
    return CommentStores(
        private=PrivateStore(private_dir, lock_timeout=float(conf["lock_timeout"])),
        public_dir=public_dir,
        content_dir=content_dir,
        zone=site_zone(settings),
    )
