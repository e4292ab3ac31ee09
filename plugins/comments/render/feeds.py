"""What the build writes besides pages: each post's comments as JSON, and Atom feeds of comments.

Warned text never shows here. A comment with its own content warnings, and every comment on
a post behind a content warning (in any of its versions: translations share the thread), is
in the JSON and the feeds with the warning and the way to the post, where its text waits
behind the gate.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from feedgenerator import Atom1Feed

from comments.render.threads import CommentNode, walk

# The Atom category of a reply by the site's writer, beside "(author)" in its title.
WRITER_CATEGORY = "writer"


@dataclass(frozen=True)
class PostComments:
    """One post's approved comments and where the post lives."""

    slug: str
    title: str
    url: str  # absolute when the site has an address, else site-relative
    nodes: Sequence[CommentNode]
    # The trigger tags of the post's gates, all its versions together: its comments wait
    # behind them on every version's page.
    content_warnings: tuple[str, ...] = ()
    # When the post was written: a feed without comments yet was last updated then.
    date: datetime | None = None


def _public_entry(node: CommentNode, post: PostComments) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": node.id,
        "reply_to": node.reply_to,
        "author": node.author,
        "author_url": node.author_url,
        "by_writer": node.by_writer,
        "date": node.date.isoformat(),
        "anchor": node.anchor,
    }
    if node.content_warnings:
        entry["content_warnings"] = node.content_warnings
    if node.content_warnings or post.content_warnings:
        entry["body_withheld"] = True
    else:
        entry["body"] = node.comment.body
        entry["body_html"] = node.body_html
    return entry


def post_comments_json(post: PostComments) -> str:
    """The public JSON of one post's comments, in reading order (warned bodies withheld)."""
    data: dict[str, Any] = {"post": post.slug, "url": post.url}
    if post.content_warnings:
        data["post_content_warnings"] = list(post.content_warnings)
    data["count"] = sum(1 for _ in walk(post.nodes))
    data["comments"] = [_public_entry(node, post) for node in walk(post.nodes)]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _feed_body(node: CommentNode, post: PostComments, link: str) -> str:
    if node.content_warnings:
        tags = escape(", ".join(node.content_warnings))
        what = f"This comment carries a content warning: {tags}."
    elif post.content_warnings:
        tags = escape(", ".join(post.content_warnings))
        what = f"This comment is on a post with a content warning: {tags}."
    else:
        return node.body_html
    return (
        f'<p>{what} <a href="{escape(link)}">Read it on the site</a>, where it waits behind the warning.</p>'
    )



class _QuietAtom1Feed(Atom1Feed):
    """An Atom feed whose <updated>, with no entries, is a given date rather than now."""

    def __init__(self, *args: Any, when_empty: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.when_empty = when_empty

    def latest_post_date(self) -> datetime:
        if not self.items and self.when_empty is not None:
            return self.when_empty
        return super().latest_post_date()


def comments_atom(
    posts: Iterable[PostComments],
    *,
    title: str,
    link: str,
    feed_url: str,
    language: str = "en",
    max_items: int | None = None,
) -> str:
    """An Atom feed of the given posts' comments, newest first.

    A feed without comments is dated by its newest post: feedgenerator would give it the time of
    the build, changing its bytes on every build (and a reader's feed would say "updated").
    """
    posts = list(posts)
    feed = _QuietAtom1Feed(
        title=title, link=link, description="", feed_url=feed_url, language=language,
        when_empty=max((post.date for post in posts if post.date is not None), default=None),
    )
    entries: list[tuple[datetime, str, CommentNode, PostComments]] = [
        (node.date, node.id, node, post) for post in posts for node in walk(post.nodes)
    ]
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    for _, _, node, post in entries[:max_items]:
        comment_link = f"{post.url}#{node.anchor}"
        feed.add_item(
            title=f"{node.author}{' (author)' if node.by_writer else ''} on {post.title}",
            link=comment_link,
            description=_feed_body(node, post, comment_link),
            unique_id=comment_link,
            pubdate=node.date,
            updateddate=node.date,
            author_name=node.author,
            author_link=node.author_url,
            categories=[WRITER_CATEGORY] if node.by_writer else None,
        )
    buffer = io.StringIO()
    feed.write(buffer, "utf-8")
    return buffer.getvalue()
