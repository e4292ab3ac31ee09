"""Threads: nesting by Reply-To, oldest first, a depth limit like WordPress's, and build errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from comment_helpers import comment_file, write_comments
from comments.model import PublicComment
from comments.render.threads import build_threads, comment_threads, comment_trigger_tags, thread_problems, walk
from harbour.errors import HarbourError

START = datetime(2024, 6, 19, 7, 55, tzinfo=timezone.utc)


def comment(
    cid: str, minutes: int, reply_to: str | None = None, post: str = "p", **fields: object
) -> PublicComment:
    return PublicComment(
        id=cid,
        post=post,
        author=f"author-{cid}",
        date=START + timedelta(minutes=minutes),
        body=f"body {cid}",
        reply_to=reply_to,
        source_path=Path(f"content/comments/{post}/{cid}.md"),
        lines={"Author": 1, "Date": 2, "Reply-To": 3} if reply_to else {"Author": 1, "Date": 2},
        **fields,  # type: ignore[arg-type]
    )


def shape(nodes: list) -> list:
    return [(n.id, n.depth, shape(n.replies)) for n in nodes]


def test_replies_nest_under_their_parent_oldest_first() -> None:
    comments = [
        comment("ccc", 30, "aaa"),
        comment("aaa", 0),
        comment("bbb", 10),
        comment("ddd", 20, "aaa"),
        comment("eee", 40, "ddd"),
    ]
    assert shape(build_threads(comments)) == [
        ("aaa", 1, [("ddd", 2, [("eee", 3, [])]), ("ccc", 2, [])]),
        ("bbb", 1, []),
    ]


def test_replies_past_the_depth_limit_line_up_at_the_deepest_level_and_say_whom_they_answer() -> None:
    chain = [comment("c00", 0)] + [comment(f"c{i:02d}", i, f"c{i - 1:02d}") for i in range(1, 8)]
    roots = build_threads(chain, max_depth=5)
    nodes = list(walk(roots))
    assert [n.depth for n in nodes] == [1, 2, 3, 4, 5, 5, 5, 5]
    deepest_list = roots[0].replies[0].replies[0].replies[0].replies
    assert [n.id for n in deepest_list] == ["c04", "c05", "c06", "c07"]
    assert [n.reply_to_author for n in deepest_list] == [None, "author-c04", "author-c05", "author-c06"]


def test_a_depth_of_one_gives_a_flat_list_in_date_order() -> None:
    roots = build_threads([comment("aaa", 0), comment("bbb", 5, "aaa"), comment("ccc", 2)], max_depth=1)
    assert shape(roots) == [("aaa", 1, []), ("ccc", 1, []), ("bbb", 1, [])]
    assert roots[2].reply_to_author == "author-aaa"


def test_a_very_long_conversation_does_not_hit_the_recursion_limit() -> None:
    chain = [comment("c0000", 0)] + [comment(f"c{i:04d}", i, f"c{i - 1:04d}") for i in range(1, 3000)]
    assert sum(1 for _ in walk(build_threads(chain, render=str))) == 3000


def test_nodes_expose_what_the_theme_needs() -> None:
    (node,) = build_threads(
        [comment("abc123", 0, author_url="javascript:alert(1)", content_warnings=("grief",))]
    )
    assert node.anchor == "comment-abc123" and node.permalink == "#comment-abc123"
    assert node.author_url is None  # only http(s) addresses become links
    assert node.body_html == "<p>body abc123</p>"
    assert node.content_warnings == ["grief"]
    assert node.source_path == "content/comments/p/abc123.md"


def test_a_consistent_set_has_no_problems() -> None:
    assert thread_problems([comment("aaa", 0), comment("bbb", 1, "aaa")], {"p"}) == []


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        (
            [comment("aaa", 0), comment("bbb", 1, "aab")],
            [
                "content/comments/p/bbb.md:3",
                "Reply-To 'aab' matches no approved comment",
                "orphaned",
                "did you mean 'aaa'",
            ],
        ),
        (
            [comment("aaa", 0), comment("aaa", 1, post="q")],
            ["comment id 'aaa' is used by 2 files", "content/comments/p/aaa.md", "content/comments/q/aaa.md"],
        ),
        (
            [comment("aaa", 0, post="q"), comment("bbb", 1, "aaa")],
            ["content/comments/p/bbb.md:3", "is a comment on the post 'q', not on 'p'", "same post"],
        ),
        (
            [comment("aaa", 0, post="a-hardr-week")],
            ["no post has the slug 'a-hardr-week'", "did you mean 'a-harder-week'"],
        ),
        ([comment("aaa", 0, "aaa")], ["content/comments/p/aaa.md:3", "replies to itself"]),
        (
            [comment("aaa", 0, "bbb"), comment("bbb", 1, "aaa")],
            ["goes round in a circle", "aaa -> bbb -> aaa"],
        ),
    ],
    ids=["orphan", "duplicate-id", "other-post", "unknown-slug", "self-reply", "loop"],
)
def test_inconsistencies_are_build_errors_naming_file_and_line(comments: list, expected: list[str]) -> None:
    message = "\n".join(thread_problems(comments, {"p", "q", "a-harder-week"}))
    for part in expected:
        assert part in message


def test_reading_a_store_lists_header_and_thread_problems_together(tmp_path: Path) -> None:
    write_comments(
        tmp_path,
        {
            "first-post/aaa111": comment_file(),
            "first-post/bbb222": comment_file(reply_to="zzz999"),
            "first-post/ccc333": "Author: X\n\nno date\n",
            "no-such-post/ddd444": comment_file(),
        },
    )
    with pytest.raises(HarbourError) as caught:
        comment_threads(tmp_path / "comments", {"first-post"}, shown_root=tmp_path)
    message = str(caught.value)
    assert "3 problems" in message
    assert "comments/first-post/bbb222.md:3: Reply-To 'zzz999'" in message
    assert "comments/first-post/ccc333.md:1: no Date header" in message
    assert "comments/no-such-post: no post has the slug 'no-such-post'" in message


def test_threads_are_grouped_by_post(tmp_path: Path) -> None:
    write_comments(tmp_path, {"first-post/aaa111": comment_file(), "second-post/bbb222": comment_file()})
    threads = comment_threads(tmp_path / "comments", {"first-post", "second-post", "third-post"})
    assert {post: [n.id for n in nodes] for post, nodes in threads.items()} == {
        "first-post": ["aaa111"],
        "second-post": ["bbb222"],
    }


def test_comment_trigger_tags_gives_each_warned_comment_with_its_line(tmp_path: Path) -> None:
    write_comments(
        tmp_path,
        {
            "first-post/aaa111": comment_file(warnings="grief, pregnancy loss"),
            "first-post/bbb222": comment_file(reply_to="aaa111"),
        },
    )
    threads = comment_threads(tmp_path / "comments", {"first-post"})

    class Article:
        comments = threads["first-post"]

    (tags,) = comment_trigger_tags(Article())
    assert tags.comment_id == "aaa111"
    assert tags.tags == ("grief", "pregnancy loss")
    assert tags.line == 3 and tags.source_path.endswith("first-post/aaa111.md")
    assert comment_trigger_tags(object()) == []
