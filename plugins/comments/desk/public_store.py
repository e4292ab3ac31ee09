"""The public store: one Markdown file per approved comment, ``<public_dir>/<post-slug>/<id>.md``.

Only public fields ever reach these files. Reading them is strict, because a mistake here
would otherwise show up as a comment silently missing from a post.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import tzinfo
from pathlib import Path

from comments.model import (
    COMMENT_ID_HELP,
    POST_SLUG_HELP,
    PublicComment,
    format_date,
    http_url,
    is_comment_id,
    is_post_slug,
    parse_date,
)
from comments.sanitise import MAX_NESTING, nesting_depth
from comments.desk.triage import length_problems
from harbour.errors import HarbourError, did_you_mean, where
from harbour.files import atomic_write_text

HEADERS = ("Author", "Date", "Reply-To", "Author-URL", "Content-Warnings", "Writer")
REQUIRED_HEADERS = ("Author", "Date")
# ``Writer: yes`` marks a reply by the site's writer (shown with an "Author" badge).
WRITER_VALUES = {"yes": True, "no": False}
# Files a writer may keep beside the post folders (notes to themselves), never read as comments.
IGNORED_FILES = ("README.md", "README.txt", "README")


def public_comment_path(public_dir: Path, post: str, comment_id: str) -> Path:
    # Every caller passes checked values; refusing odd ones here too keeps '../' and line
    # breaks out of the public store whatever a future caller forgets.
    if not is_post_slug(post) or not is_comment_id(comment_id):
        raise HarbourError(
            f"{post!r}/{comment_id!r} cannot name a comment file: a post slug is {POST_SLUG_HELP}; "
            f"an id is {COMMENT_ID_HELP}"
        )
    return Path(public_dir) / post / f"{comment_id}.md"


def format_comment_file(comment: PublicComment) -> str:
    """The text of a public comment file (the inverse of :func:`parse_comment_text`)."""
    lines = [f"Author: {comment.author}", f"Date: {format_date(comment.date)}"]
    if comment.reply_to:
        lines.append(f"Reply-To: {comment.reply_to}")
    if comment.author_url:
        lines.append(f"Author-URL: {comment.author_url}")
    if comment.content_warnings:
        lines.append(f"Content-Warnings: {', '.join(comment.content_warnings)}")
    if comment.by_writer:
        lines.append("Writer: yes")
    return "\n".join(lines) + "\n\n" + comment.body.strip() + "\n"


def split_tags(value: str) -> tuple[str, ...]:
    return tuple(tag.strip() for tag in value.split(",") if tag.strip())


def parse_comment_text(
    text: str, *, path: Path, post: str, shown: str | None = None, zone: tzinfo | None = None
) -> PublicComment:
    """Read one public comment file's text; HarbourError lists every problem with its line.

    ``zone``: the site's TIMEZONE, for a Date written without a UTC offset.
    """
    shown = shown or str(path)
    problems: list[str] = []
    comment_id = path.stem
    if not is_comment_id(comment_id):
        problems.append(
            f"{shown}: the file name {path.name!r} is not a comment id ({COMMENT_ID_HELP}); "
            "rename it, e.g. to 3f9c2a7b1d4e.md"
        )
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    body_start = None
    text_lines = text.replace("\r\n", "\n").split("\n")
    for number, line in enumerate(text_lines, start=1):
        if not line.strip():
            body_start = number
            break
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not name:
            problems.append(
                f"{where(shown, number)}: {line.strip()!r} is not a header line 'Name: value'; "
                "end the header with an empty line before the comment's text"
            )
            continue
        canonical = next((h for h in HEADERS if h.lower() == name.lower()), None)
        if canonical is None:
            problems.append(
                f"{where(shown, number)}: unknown header {name!r}; allowed: {', '.join(HEADERS)}"
                + did_you_mean(name, HEADERS)
            )
            continue
        if canonical in fields:
            problems.append(
                f"{where(shown, number)}: {canonical} appears twice (first on line {lines[canonical]}); "
                "keep one"
            )
            continue
        fields[canonical] = value.strip()
        lines[canonical] = number
    for name in REQUIRED_HEADERS:
        if not fields.get(name):
            problems.append(
                f"{where(shown, 1)}: no {name} header; every comment needs "
                + ("'Author: <display name>'" if name == "Author" else "'Date: 2024-04-03 09:12:00+01:00'")
            )
    date = None
    if fields.get("Date"):
        try:
            date = parse_date(fields["Date"], zone)
        except ValueError as error:
            problems.append(f"{where(shown, lines['Date'])}: Date {error}")
    reply_to = fields.get("Reply-To") or None
    if reply_to is not None and not is_comment_id(reply_to):
        problems.append(
            f"{where(shown, lines['Reply-To'])}: Reply-To {reply_to!r} is not a comment id "
            f"({COMMENT_ID_HELP}); use the file name (without .md) of the comment it answers"
        )
    author_url = fields.get("Author-URL") or None
    if author_url is not None and http_url(author_url) is None:
        problems.append(
            f"{where(shown, lines['Author-URL'])}: Author-URL {author_url!r} is not an http(s) address; "
            "use a full address such as https://example.org/ (without a user name before the host) "
            "or remove the line"
        )
    by_writer = WRITER_VALUES.get(fields.get("Writer", "no").lower())
    if by_writer is None:
        problems.append(
            f"{where(shown, lines['Writer'])}: Writer {fields['Writer']!r} is not yes or no; write "
            "'Writer: yes' on a reply by you, the site's writer, or remove the line"
        )
    raw_body = "\n".join(text_lines[body_start:]) if body_start else ""
    body = raw_body.strip()
    if not body:
        problems.append(
            f"{where(shown, (body_start or len(text_lines)))}: the comment has no text; "
            "write it after an empty line below the header"
        )
    depth, line = nesting_depth(body)
    if depth > MAX_NESTING:
        stripped_lines = raw_body[: len(raw_body) - len(raw_body.lstrip())].count("\n")
        problems.append(
            f"{where(shown, (body_start or 0) + stripped_lines + line)}: the comment nests lists or "
            f"quotes {depth} levels deep; at most {MAX_NESTING} can be shown: take out the extra "
            "'-', '*', '1.' or '>' at the start of the line"
        )
    if problems:
        raise HarbourError(problems)
    assert date is not None
    return PublicComment(
        id=comment_id,
        post=post,
        author=fields["Author"],
        date=date,
        body=body,
        reply_to=reply_to,
        author_url=author_url,
        content_warnings=split_tags(fields.get("Content-Warnings", "")),
        by_writer=bool(by_writer),
        source_path=path,
        lines=lines,
    )


def parse_comment_file(
    path: Path, *, post: str, shown: str | None = None, zone: tzinfo | None = None
) -> PublicComment:
    shown = shown or str(path)
    try:
        # utf-8-sig: an editor's byte order mark would otherwise become part of the first header.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise HarbourError(
            f"{shown}: not valid UTF-8 (byte {error.start}); save the file as UTF-8"
        ) from None
    return parse_comment_text(text, path=path, post=post, shown=shown, zone=zone)


def _comment_files(public_dir: Path, shown_root: Path | None) -> Iterator[tuple[str, Path, str] | str]:
    """(post slug, file, its name in messages) for every comment file; a problem string for
    anything that does not belong."""
    # Named once for the folder, not resolved again for each of thousands of files.
    shown_dir = Path(where(public_dir, root=shown_root))
    for entry in sorted(public_dir.iterdir()):
        if entry.name.startswith("."):
            continue  # editor backups and the temporary files of an interrupted atomic write
        shown = shown_dir / entry.name
        if entry.is_file():
            if entry.name not in IGNORED_FILES:
                yield (
                    f"{shown}: comments live in one folder per post, "
                    f"<comments folder>/<post-slug>/<id>.md; move this file into its post's folder"
                )
            continue
        if not is_post_slug(entry.name):
            yield f"{shown}: {entry.name!r} cannot be a post slug; rename the folder to the post's slug"
            continue
        for path in sorted(entry.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix != ".md" or not path.is_file():
                yield f"{shown / path.name}: only <id>.md comment files belong in a post's folder"
                continue
            yield entry.name, path, str(shown / path.name)


def read_public_comments(
    public_dir: Path, *, shown_root: Path | None = None, zone: tzinfo | None = None
) -> list[PublicComment]:
    """Every comment in the public store; one HarbourError lists every problem in every file.

    A missing folder means no comments yet. ``shown_root`` shortens the paths in messages.
    """
    comments, problems = collect_public_comments(public_dir, shown_root=shown_root, zone=zone)
    if problems:
        raise HarbourError(problems)
    return comments


def collect_public_comments(
    public_dir: Path,
    *,
    shown_root: Path | None = None,
    zone: tzinfo | None = None,
    limits: Mapping[str, int] | None = None,
) -> tuple[list[PublicComment], list[str]]:
    """The readable comments of the public store, and a message for each file that is not.

    With ``limits`` (COMMENTS['length_limits']) a field longer than they allow is a problem too,
    and a file too large for any comment within them is refused unread.
    """
    comments, problems, too_long = _read_store(Path(public_dir), shown_root, zone, limits)
    return comments, problems + too_long


def _read_store(
    public_dir: Path, shown_root: Path | None, zone: tzinfo | None, limits: Mapping[str, int] | None
) -> tuple[list[PublicComment], list[str], list[str]]:
    """One pass over the store, each file read once: comments, other problems, length problems."""
    comments: list[PublicComment] = []
    problems: list[str] = []
    too_long: list[str] = []
    if not public_dir.is_dir():
        return comments, problems, too_long
    largest = _largest_file(limits) if limits else None
    for item in _comment_files(public_dir, shown_root):
        if isinstance(item, str):
            problems.append(item)
            continue
        post, path, shown = item
        if largest is not None and limits and (size := path.stat().st_size) > largest:
            too_long.append(
                f"{shown}: the file is {size:,} bytes, more than any comment within "
                f"COMMENTS['length_limits'] can be (its body at most {limits['body']:,} characters); "
                "shorten the comment, or raise COMMENTS['length_limits']['body'] in pelicanconf.py"
            )
            continue
        try:
            comment = parse_comment_file(path, post=post, shown=shown, zone=zone)
        except HarbourError as error:
            problems += error.problems
            continue
        comments.append(comment)
        if limits:
            too_long += _length_problems(comment, limits, shown)
    return comments, problems, too_long


def _largest_file(limits: Mapping[str, int]) -> int:
    """Bytes no comment file within ``limits`` can exceed: four per character (UTF-8's most),
    a generous allowance for the header, its tags and blank lines."""
    characters = limits["author"] + limits["author_url"] + limits["body"] + 64 * limits["content_warnings"]
    return 4 * characters + 64 * 1024


def _length_problems(comment: PublicComment, limits: Mapping[str, int], shown: str) -> list[str]:
    fields = (
        ("author", comment.author, "Author"),
        ("author_url", comment.author_url, "Author-URL"),
        ("content_warnings", comment.content_warnings, "Content-Warnings"),
        ("body", comment.body, None),
    )
    return [
        f"{where(shown, comment.line_of(header) if header else None)}: {problem}"
        for name, value, header in fields
        for problem in length_problems({name: value}, limits)
    ]


def find_public_comment(
    public_dir: Path, comment_id: str, *, zone: tzinfo | None = None
) -> PublicComment | None:
    """The published comment with this id, wherever it is, or None."""
    if not is_comment_id(comment_id):
        return None  # and never a glob pattern
    for path in sorted(Path(public_dir).glob(f"*/{comment_id}.md")):
        return parse_comment_file(path, post=path.parent.name, zone=zone)
    return None


def write_public_comment(public_dir: Path, comment: PublicComment) -> Path:
    path = public_comment_path(public_dir, comment.post, comment.id)
    atomic_write_text(path, format_comment_file(comment))
    return path


def remove_public_comment(public_dir: Path, post: str, comment_id: str) -> bool:
    """Remove a published comment's file; False when it was not there."""
    path = public_comment_path(public_dir, post, comment_id)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    try:
        path.parent.rmdir()  # only succeeds once the post has no comments left
    except OSError:
        pass
    return True
