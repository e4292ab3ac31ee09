"""The public store's file format: read strictly, written exactly, every problem named with its line."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from comment_helpers import comment_file, write_comments
from comments.desk import public_store
from comments.model import PublicComment, format_date, http_url, is_comment_id, is_post_slug
from comments.desk.public_store import (
    collect_public_comments,
    format_comment_file,
    parse_comment_text,
    read_public_comments,
    remove_public_comment,
    write_public_comment,
)
from comments.sanitise import nesting_depth
from comments.desk.triage import DEFAULT_LENGTH_LIMITS
from harbour.errors import HarbourError

CONTRACT_EXAMPLE = """Author: Mina
Date: 2024-04-03 09:12:00+01:00
Reply-To: 0a1b2c3d4e5f
Author-URL: https://mina.example.org/
Content-Warnings: grief, self-harm

Body in *Markdown*.

Second paragraph.
"""


def parse(text: str, name: str = "3f9c2a7b1d4e.md") -> PublicComment:
    return parse_comment_text(text, path=Path("content/comments/a-harder-week") / name, post="a-harder-week")


def problems_of(text: str, name: str = "3f9c2a7b1d4e.md") -> list[str]:
    with pytest.raises(HarbourError) as caught:
        parse(text, name)
    return caught.value.problems


def test_the_contract_example_reads_into_every_field() -> None:
    comment = parse(CONTRACT_EXAMPLE)
    assert comment.id == "3f9c2a7b1d4e"
    assert comment.post == "a-harder-week"
    assert comment.author == "Mina"
    assert comment.date == datetime(2024, 4, 3, 9, 12, tzinfo=timezone(timedelta(hours=1)))
    assert comment.reply_to == "0a1b2c3d4e5f"
    assert comment.author_url == "https://mina.example.org/"
    assert comment.content_warnings == ("grief", "self-harm")
    assert comment.body == "Body in *Markdown*.\n\nSecond paragraph."
    assert comment.line_of("Reply-To") == 3


def test_writing_then_reading_gives_back_the_same_file_and_comment(tmp_path: Path) -> None:
    comment = parse(CONTRACT_EXAMPLE)
    assert format_comment_file(comment) == CONTRACT_EXAMPLE
    path = write_public_comment(tmp_path, comment)
    assert path == tmp_path / "a-harder-week" / "3f9c2a7b1d4e.md"
    assert path.read_text(encoding="utf-8") == CONTRACT_EXAMPLE
    assert read_public_comments(tmp_path) == [comment]


def test_optional_headers_are_left_out_when_empty() -> None:
    comment = PublicComment("abc123", "p", "Dev", datetime(2024, 1, 21, 22, 17, tzinfo=timezone.utc), "Hi")
    assert format_comment_file(comment) == "Author: Dev\nDate: 2024-01-21 22:17:00+00:00\n\nHi\n"


def test_prefixed_import_ids_are_accepted() -> None:
    assert parse(comment_file(), name="wp-46d5be-881.md").id == "wp-46d5be-881"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Date: 2024-04-03 09:12:00+01:00\n\nHi\n", ["3f9c2a7b1d4e.md:1", "no Author header"]),
        ("Author: Mina\n\nHi\n", ["no Date header", "2024-04-03 09:12:00+01:00"]),
        ("Author: Mina\nDate: yesterday\n\nHi\n", ["3f9c2a7b1d4e.md:2", "'yesterday' is not a date"]),
        ("Author: Mina\nDate: 2024-04-03 09:12\n\nHi\n", [":2", "no UTC offset"]),
        (
            "Author: Mina\nDate: 2024-04-03 09:12:00+01:00\nAuthor-URL: javascript:alert(1)\n\nHi\n",
            [":3", "not an http(s) address", "https://example.org/"],
        ),
        (
            "Author: Mina\nDate: 2024-04-03 09:12:00+01:00\nReply-To: ../../etc\n\nHi\n",
            [":3", "not a comment id"],
        ),
        (
            "Author: Mina\nDate: 2024-04-03 09:12:00+01:00\nReplyTo: abc123\n\nHi\n",
            [":3", "unknown header 'ReplyTo'", "did you mean 'Reply-To'"],
        ),
        (
            "Author: Mina\nAuthor: Zoë\nDate: 2024-04-03 09:12:00+01:00\n\nHi\n",
            [":2", "Author appears twice"],
        ),
        ("Author: Mina\nDate: 2024-04-03 09:12:00+01:00\n\n   \n", ["has no text"]),
        (
            "Author: Mina\nDate: 2024-04-03 09:12:00+01:00\nJust some text\n\nHi\n",
            [":3", "not a header line"],
        ),
    ],
)
def test_a_bad_header_names_the_file_line_and_the_fix(text: str, expected: list[str]) -> None:
    message = "\n".join(problems_of(text))
    assert "content/comments/a-harder-week/3f9c2a7b1d4e.md" in message
    for part in expected:
        assert part in message


def test_every_problem_of_a_file_is_listed_at_once() -> None:
    problems = problems_of("Author-URL: ftp://x\nDate: never\n\nHi\n")
    assert len(problems) == 3  # no Author, bad Date, bad URL


def test_a_file_name_that_is_not_an_id_is_refused() -> None:
    assert "is not a comment id" in problems_of(comment_file(), name="My Comment.md")[0]


def test_reading_the_store_reports_problems_in_every_file_and_stray_files(tmp_path: Path) -> None:
    write_comments(
        tmp_path,
        {
            "first-post/aaa111": comment_file(),
            "first-post/bbb222": "Author: X\n\nno date\n",
            "second-post/ccc333": "Author: Y\nDate: bad\n\nHi\n",
        },
    )
    (tmp_path / "comments" / "first-post" / "notes.txt").write_text("x")
    (tmp_path / "comments" / "loose.md").write_text("x")
    (tmp_path / "comments" / "README.md").write_text("Approved comments live here.")  # allowed
    (tmp_path / "comments" / "first-post" / ".aaa111.md.x1y2.tmp").write_text("half")  # an interrupted write
    with pytest.raises(HarbourError) as caught:
        read_public_comments(tmp_path / "comments", shown_root=tmp_path)
    message = str(caught.value)
    assert "comments/first-post/bbb222.md:1: no Date header" in message
    assert "comments/second-post/ccc333.md:2: Date 'bad' is not a date" in message
    assert "comments/first-post/notes.txt: only <id>.md comment files belong" in message
    assert "comments/loose.md: comments live in one folder per post" in message
    assert "README" not in message and ".tmp" not in message
    assert len(caught.value.problems) == 4


def test_no_comments_folder_means_no_comments(tmp_path: Path) -> None:
    assert read_public_comments(tmp_path / "comments") == []


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "comments" / "first-post" / "abc123.md"
    path.parent.mkdir(parents=True)
    path.write_bytes("Author: Zo\u00eb\nDate: 2024-04-03 09:12:00+01:00\n\nHi\n".encode("latin-1"))
    with pytest.raises(HarbourError, match=r"abc123\.md: not valid UTF-8.*save the file as UTF-8"):
        read_public_comments(tmp_path / "comments")


def test_removing_the_last_comment_of_a_post_removes_its_empty_folder(tmp_path: Path) -> None:
    comment = parse(comment_file())
    write_public_comment(tmp_path, comment)
    assert remove_public_comment(tmp_path, "a-harder-week", comment.id)
    assert not (tmp_path / "a-harder-week").exists()
    assert not remove_public_comment(tmp_path, "a-harder-week", comment.id)


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://mina.example.org/", True),
        ("http://example.org/a?b=c", True),
        ("HTTPS://EXAMPLE.ORG/", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("//example.org/", False),
        ("https://", False),
        ('https://x.org/"onmouseover="alert(1)', False),
        ("https://x.org/ a", False),
        ("mina.example.org", False),
    ],
)
def test_only_plain_http_urls_may_become_an_author_link(url: str, kept: bool) -> None:
    assert (http_url(url) == url) is kept


def test_dates_are_written_with_seconds_and_their_offset() -> None:
    date = datetime(2024, 6, 20, 18, 40, 5, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert format_date(date) == "2024-06-20 18:40:05+01:00"


@pytest.mark.parametrize(
    "value", ["abc123\n", "abc123\r\n", " abc123", "abc 123", "abc\x00123", "ABC123", "-abc12"]
)
def test_an_id_with_a_newline_space_or_control_character_is_not_an_id(value: str) -> None:
    assert not is_comment_id(value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("a-harder-week", True),
        ("über-uns", True),
        ("p\n", False),
        ("my post", False),
        ("tab\there", False),
        ("nbsp\u00a0here", False),
        ("del\x7f", False),
        ("line\u2028sep", False),
        (".hidden", False),
        ("a/b", False),
        ("a\\b", False),
        ("", False),
        ("x" * 201, False),
    ],
)
def test_a_post_slug_is_one_path_segment_without_spaces_or_control_characters(
    value: str, valid: bool
) -> None:
    assert is_post_slug(value) is valid


def test_no_file_is_ever_named_by_an_odd_id_or_slug(tmp_path: Path) -> None:
    comment = parse(comment_file())
    for odd in ({"id": "abc123\n"}, {"post": "p\n"}, {"post": "../outside"}):
        with pytest.raises(HarbourError, match="cannot name a comment file"):
            write_public_comment(tmp_path / "comments", dataclasses.replace(comment, **odd))
    assert list(tmp_path.rglob("*")) == []


@pytest.mark.parametrize(
    "date", ["0001-01-01 00:00:00+01:00", "9999-12-31 23:59:59-01:00", "1969-12-31 23:59:59+00:00"]
)
def test_a_date_at_the_edge_of_the_calendar_names_its_line(date: str) -> None:
    assert problems_of(comment_file(date=date)) == [
        f"content/comments/a-harder-week/3f9c2a7b1d4e.md:2: Date {date!r} is out of range: a comment's "
        "date must lie between the years 1970 and 9998 (in UTC); check the year"
    ]


def test_the_calendars_usable_edges_read() -> None:
    assert parse(comment_file(date="1970-01-01 00:00:00+00:00")).date.year == 1970
    assert parse(comment_file(date="9998-12-31 23:59:59+00:00")).date.year == 9998


def test_a_body_nesting_lists_hundreds_deep_names_its_line() -> None:
    text = comment_file(body="\n\nA first line.\n" + "1. " * 300 + "x")
    assert problems_of(text) == [
        "content/comments/a-harder-week/3f9c2a7b1d4e.md:7: the comment nests lists or quotes 300 levels "
        "deep; at most 100 can be shown: take out the extra '-', '*', '1.' or '>' at the start of the line"
    ]


def test_ordinary_nesting_is_counted_and_read() -> None:
    assert nesting_depth("- a\n    - b\n        > c\n\n1. x\n* * *") == (3, 3)
    assert parse(comment_file(body="- " * 100 + "x")).body.endswith("x")


def test_every_field_longer_than_the_limits_is_named_with_its_line(tmp_path: Path) -> None:
    limits = {**DEFAULT_LENGTH_LIMITS, "author": 10, "body": 20}
    write_comments(tmp_path, {
        "p/aaa111": comment_file("A" * 11, "B" * 21, url="https://example.org/", warnings="grief"),
        "p/bbb222": comment_file("Short", "Short enough."),
    })
    assert collect_public_comments(tmp_path / "comments", limits=limits, shown_root=tmp_path)[1] == [
        "comments/p/aaa111.md:1: author is 11 characters long; at most 10 are allowed. Shorten it, "
        "or raise COMMENTS['length_limits']['author'] in pelicanconf.py",
        "comments/p/aaa111.md: body is 21 characters long; at most 20 are allowed. Shorten it, "
        "or raise COMMENTS['length_limits']['body'] in pelicanconf.py",
    ]


def test_a_file_too_large_for_any_comment_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_comments(tmp_path, {"p/aaa111": comment_file(body="x" * 4_600_000)})

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a 4.6 MB file was read")

    monkeypatch.setattr(public_store, "parse_comment_file", never)
    (problem,) = collect_public_comments(tmp_path / "comments", limits=DEFAULT_LENGTH_LIMITS, shown_root=tmp_path)[1]
    assert problem == (
        "comments/p/aaa111.md: the file is 4,600,047 bytes, more than any comment within "
        "COMMENTS['length_limits'] can be (its body at most 5,000 characters); shorten the comment, "
        "or raise COMMENTS['length_limits']['body'] in pelicanconf.py"
    )
