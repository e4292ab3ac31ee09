"""Threads: approved comments checked for consistency, then nested by Reply-To, oldest first.

Nesting stops at ``max_depth`` (WordPress's default is 5): a reply to a comment at the
deepest level is shown beside it, at that level, and says whom it answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from comments.model import PublicComment, http_url
from comments.desk.public_store import collect_public_comments
from comments.sanitise import render_comment_body
from harbour.errors import HarbourError, did_you_mean, where


@dataclass
class CommentNode:
    """One comment as the theme renders it, with its replies."""

    comment: PublicComment
    body_html: str
    depth: int
    replies: list[CommentNode] = field(default_factory=list)
    # Set when the comment is shown away from the one it answers (past the depth limit).
    reply_to_author: str | None = None
    # The site's TIMEZONE: a comment written at 09:00-07:00 shows the time the site's readers know.
    zone: tzinfo | None = None

    @property
    def id(self) -> str:
        return self.comment.id

    @property
    def author(self) -> str:
        return self.comment.author

    @property
    def author_url(self) -> str | None:
        return http_url(self.comment.author_url)

    @property
    def date(self) -> datetime:
        return self.comment.date

    @property
    def display_date(self) -> datetime:
        return self.date.astimezone(self.zone) if self.zone else self.date

    @property
    def reply_to(self) -> str | None:
        return self.comment.reply_to

    @property
    def by_writer(self) -> bool:
        """Written by the site's writer (``Writer: yes``): the thread shows an "Author" badge."""
        return self.comment.by_writer

    @property
    def content_warnings(self) -> list[str]:
        return list(self.comment.content_warnings)

    @property
    def source_path(self) -> str:
        return str(self.comment.source_path or "")

    @property
    def anchor(self) -> str:
        return f"comment-{self.comment.id}"

    @property
    def permalink(self) -> str:
        return f"#{self.anchor}"


def _order(comment: PublicComment) -> tuple[datetime, str]:
    return comment.date, comment.id


def build_threads(
    comments: Iterable[PublicComment],
    *,
    max_depth: int = 5,
    render: Callable[[str], str] = render_comment_body,
    zone: tzinfo | None = None,
) -> list[CommentNode]:
    """Nest one post's comments (already checked by :func:`thread_problems`), oldest first."""
    by_id = {c.id: c for c in comments}
    children: dict[str | None, list[PublicComment]] = defaultdict(list)
    for comment in sorted(by_id.values(), key=_order):
        children[comment.reply_to if comment.reply_to in by_id else None].append(comment)
    roots: list[CommentNode] = []
    # An explicit stack rather than recursion: a long back-and-forth must not hit Python's limit.
    stack: list[tuple[PublicComment, list[CommentNode], int, bool]] = [
        (c, roots, 1, False) for c in reversed(children[None])
    ]
    while stack:
        comment, container, depth, away_from_parent = stack.pop()
        node = CommentNode(comment, render(comment.body), depth, zone=zone)
        if away_from_parent and comment.reply_to:
            node.reply_to_author = by_id[comment.reply_to].author
        container.append(node)
        for child in reversed(children[comment.id]):
            if depth < max_depth:
                stack.append((child, node.replies, depth + 1, False))
            else:
                stack.append((child, container, depth, True))
    _sort(roots)
    return roots


def _sort(nodes: list[CommentNode]) -> None:
    nodes.sort(key=lambda n: _order(n.comment))
    for node in nodes:
        _sort(node.replies)


def walk(nodes: Iterable[CommentNode]) -> Iterator[CommentNode]:
    """Every node, depth first, in reading order."""
    stack = list(reversed(list(nodes)))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.replies))


def thread_problems(
    comments: Iterable[PublicComment],
    post_slugs: Collection[str],
    *,
    public_dir: Path | None = None,
    shown_root: Path | None = None,
) -> list[str]:
    """Every inconsistency a build must refuse, each naming the file and line to fix."""
    comments = list(comments)
    problems: list[str] = []

    def at(comment: PublicComment, header: str | None = None) -> str:
        line = comment.line_of(header) if header else None
        return where(comment.source_path or f"{comment.post}/{comment.id}.md", line, root=shown_root)

    by_id: dict[str, list[PublicComment]] = defaultdict(list)
    for comment in comments:
        by_id[comment.id].append(comment)
    for comment_id, same in sorted(by_id.items()):
        if len(same) > 1:
            problems.append(
                f"comment id {comment_id!r} is used by {len(same)} files: "
                + ", ".join(at(c) for c in same)
                + "; ids must be unique across the site: keep one, or rename the other to a new id"
            )
    for post in sorted({c.post for c in comments} - set(post_slugs)):
        folder = where(Path(public_dir) / post, root=shown_root) if public_dir else post
        problems.append(
            f"{folder}: no post has the slug {post!r}, so its comments have nowhere to go; "
            "name the folder after the post's Slug" + did_you_mean(post, post_slugs)
        )
    for comment in comments:
        parent_id = comment.reply_to
        if parent_id is None:
            continue
        if parent_id == comment.id:
            problems.append(f"{at(comment, 'Reply-To')}: the comment replies to itself; remove Reply-To")
            continue
        parents = by_id.get(parent_id)
        if not parents:
            siblings = [c.id for c in comments if c.post == comment.post and c.id != comment.id]
            problems.append(
                f"{at(comment, 'Reply-To')}: Reply-To {parent_id!r} matches no approved comment "
                f"(an orphaned reply); use the id of a comment on {comment.post!r}"
                + did_you_mean(parent_id, siblings)
                + ", remove Reply-To, or approve the parent first"
            )
        elif parents[0].post != comment.post:
            problems.append(
                f"{at(comment, 'Reply-To')}: Reply-To {parent_id!r} is a comment on the post "
                f"{parents[0].post!r}, not on {comment.post!r}; a reply must be on the same post "
                "as the comment it answers"
            )
    problems += _loops(comments, by_id, at)
    return problems


def _loops(
    comments: list[PublicComment], by_id: dict[str, list[PublicComment]], at: Callable[..., str]
) -> list[str]:
    """Replies that never reach a top-level comment (a answers b, b answers a)."""
    problems = []
    reported: set[str] = set()
    for comment in comments:
        chain = [comment.id]
        current = comment
        while current.reply_to and current.reply_to in by_id and current.reply_to != current.id:
            current = by_id[current.reply_to][0]
            if current.id in chain:
                loop = chain[chain.index(current.id):] + [current.id]
                if not reported.intersection(loop):
                    problems.append(
                        f"{at(comment, 'Reply-To')}: the Reply-To chain goes round in a circle ("
                        + " -> ".join(loop) + "); one of them must answer an earlier comment or none"
                    )
                reported.update(loop)
                break
            chain.append(current.id)
    return problems


def count_comments(nodes: Iterable[CommentNode]) -> int:
    return sum(1 for _ in walk(nodes))


def comment_threads(
    public_dir: Path,
    post_slugs: Collection[str],
    *,
    max_depth: int = 5,
    shown_root: Path | None = None,
    zone: tzinfo | None = None,
    limits: Mapping[str, int] | None = None,
    render: Callable[[str], str] = render_comment_body,
) -> dict[str, list[CommentNode]]:
    """Every post's threads from the public store; one HarbourError lists every problem found
    (with ``limits``, COMMENTS['length_limits'], fields longer than they allow among them)."""
    comments, problems = collect_public_comments(public_dir, shown_root=shown_root, zone=zone, limits=limits)
    problems += thread_problems(comments, post_slugs, public_dir=public_dir, shown_root=shown_root)
    if problems:
        raise HarbourError(problems)
    by_post: dict[str, list[PublicComment]] = defaultdict(list)
    for comment in comments:
        by_post[comment.post].append(comment)
    return {
        post: build_threads(found, max_depth=max_depth, zone=zone, render=render) for post, found in by_post.items()
    }


@dataclass(frozen=True)
class CommentTags:
    """A comment's own Content-Warnings, with where they are written, for checking the vocabulary."""

    comment_id: str
    source_path: str
    line: int | None
    tags: tuple[str, ...]


def comment_trigger_tags(article: object) -> list[CommentTags]:
    """The Content-Warnings of every comment attached to ``article`` (empty ones left out).

    For the trigger-tags plugin to check against the vocabulary; this plugin keeps the tags
    as written.
    """
    return [
        CommentTags(
            node.id, node.source_path, node.comment.line_of("Content-Warnings"), node.comment.content_warnings
        )
        for node in walk(getattr(article, "comments", None) or [])
        if node.comment.content_warnings
    ]
