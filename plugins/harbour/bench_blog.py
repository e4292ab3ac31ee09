"""A synthetic blog for the benchmark (`invoke bench`): seeded, so every run writes the same files.

Posts of about 800 words of Markdown (headings, lists, links, emphasis, quotes for typogrify),
topic tags, trigger tags from the project's vocabulary, some gated posts and some warned
passages, and threaded comments spread as on a real blog: most posts few, some hundreds.
"""

from __future__ import annotations

import math
import random
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml


CATEGORIES = ["Therapy", "Recovery", "Self-care", "Peer support", "Notes"]
TOPICS = [
    "anxiety", "boundaries", "coping", "counselling", "depression", "family", "friendship",
    "grief", "groups", "journaling", "loneliness", "medication", "mindfulness", "motivation",
    "parenting", "relapse", "rest", "routine", "self-care", "sleep", "therapy", "waiting-lists",
    "walking", "work", "writing", "hope", "endings", "beginnings", "kindness", "burnout",
]
AUTHORS = [
    "Mina", "Dev", "Sam", "Alex", "Jo", "Priya", "Tom", "Aisha", "Kit", "Rowan", "Lee", "Nadia",
    "Chris", "Femi", "Morgan", "Ines", "Hana", "Ollie", "Bea", "Yusuf",
]
WORDS = (
    "the a and to of I it in that was my for this with but not on is be at so had about what "
    "week session therapist counsellor slowly honest morning evening body breath kettle walk "
    "friend sister brother mum dad group room chair window rain tea notebook list plan card "
    "feeling tired steady heavy quiet kind gentle small brave careful ordinary difficult "
    "learned noticed wrote remembered tried waited asked listened rested admitted returned "
    "sometimes often rarely again still already nearly almost perhaps probably enough "
    "progress setback pattern habit routine boundary space time energy sleep appetite work "
    "meeting message phone letter garden bus train park bench river path light dark"
).split()
LINK_TEXTS = ["this guide", "a helpline", "an article I found", "the group's page", "a short video"]
FIRST_DATE = datetime(2015, 1, 5, 19, 30)
GATED_SHARE = 0.08  # posts behind a Content-Warnings gate
PASSAGE_SHARE = 0.2  # posts with one warned passage (!!! cw)
REPLY_SHARE = 0.45  # comments that answer an earlier comment
COMMENT_PARETO_ALPHA = 1.1  # a long tail: most posts a few comments, a few posts hundreds


@dataclass(frozen=True)
class BenchPost:
    slug: str
    path: Path
    comments: int


@dataclass(frozen=True)
class BenchBlog:
    """What :func:`write_bench_blog` wrote: the content folder and the generated posts."""

    content: Path
    posts: list[BenchPost]
    example_posts: int

    @property
    def comments(self) -> int:
        return sum(post.comments for post in self.posts)


def trigger_slugs(vocabulary: Path) -> list[str]:
    """The trigger tags of a vocabulary file (content/triggers.yml), in file order."""
    entries = yaml.safe_load(vocabulary.read_text(encoding="utf-8"))["triggers"]
    return [entry["slug"] for entry in entries]


def comment_counts(posts: int, comments: int, rng: random.Random) -> list[int]:
    """Share ``comments`` out over ``posts`` with a Pareto tail; the counts sum to ``comments``.

    Largest remainders keep the total exact, so a run's size is what was asked for.
    """
    if posts <= 0:
        return []
    weights = [rng.paretovariate(COMMENT_PARETO_ALPHA) - 1 for _ in range(posts)]
    total = sum(weights) or 1.0
    shares = [comments * weight / total for weight in weights]
    counts = [math.floor(share) for share in shares]
    by_remainder = sorted(range(posts), key=lambda i: shares[i] - counts[i], reverse=True)
    for index in by_remainder[: comments - sum(counts)]:
        counts[index] += 1
    return counts


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def _sentence(rng: random.Random) -> str:
    words = _words(rng, rng.randint(8, 20)).split()
    flourish = rng.random()
    if flourish < 0.15:
        words[1] = f"*{words[1]}*"
    elif flourish < 0.25:
        words[2] = f"**{words[2]}**"
    elif flourish < 0.35:
        words[-1] = f'"{words[-1]}"'
    elif flourish < 0.42:
        words[3] = f"[{rng.choice(LINK_TEXTS)}](https://example.org/{words[3]}/)"
    elif flourish < 0.5:
        words.insert(4, "--")
    text = " ".join(words)
    return f"{text[0].upper()}{text[1:]}{rng.choice(['.', '.', '.', '?', '...'])} It's {rng.choice(WORDS)}."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _list(rng: random.Random) -> str:
    ordered = rng.random() < 0.4
    return "\n".join(
        f"{n + 1}. {_sentence(rng)}" if ordered else f"- **{rng.choice(WORDS)}.** {_sentence(rng)}"
        for n in range(rng.randint(3, 5))
    )


def post_body(rng: random.Random, passage_tag: str | None) -> str:
    """About 800 words: an opening, three or four sections of paragraphs and lists."""
    blocks = [_paragraph(rng, 4)]
    for _section in range(rng.randint(3, 4)):
        blocks.append(f"## {_words(rng, rng.randint(2, 5)).capitalize()}")
        blocks += [_paragraph(rng, rng.randint(3, 5)) for _ in range(2)]
        if rng.random() < 0.6:
            blocks.append(_list(rng))
        if rng.random() < 0.3:
            blocks.append(f"### {_words(rng, 3).capitalize()}")
            blocks.append(_paragraph(rng, 3))
    if passage_tag:
        passage = [_paragraph(rng, 3), _paragraph(rng, 2)]
        at = rng.randint(2, len(blocks) - 1)
        blocks.insert(at, f'!!! cw "{passage_tag}"\n' + "\n\n".join(f"    {p}" for p in passage))
    blocks.append(_paragraph(rng, 3))
    return "\n\n".join(blocks) + "\n"


def post_text(rng: random.Random, index: int, date: datetime, triggers: list[str]) -> tuple[str, str]:
    """(slug, file text) of generated post number ``index``."""
    title = f"{_words(rng, rng.randint(2, 5)).capitalize()} {index}"
    slug = f"bench-{index:05d}"
    header = [
        f"Title: {title}",
        f"Date: {date:%Y-%m-%d %H:%M}",
        f"Category: {rng.choice(CATEGORIES)}",
        f"Tags: {', '.join(rng.sample(TOPICS, rng.randint(1, 4)))}",
        f"Slug: {slug}",
        # Listings show the summary: it is written apart from the (possibly warned) body.
        f"Summary: {_sentence(rng)}",
    ]
    touched = rng.sample(triggers, rng.randint(0, 2))
    header.append(f"Triggers: {', '.join(touched)}")
    # Posts 1 and 2 always have a gate and a passage, so that even a tiny run builds both.
    if rng.random() < GATED_SHARE or index == 1:
        header.append(f"Content-Warnings: {rng.choice(triggers)}")
        header.append(f"Content-Note: {_sentence(rng)}")
    passage_tag = rng.choice(triggers) if rng.random() < PASSAGE_SHARE or index == 2 else None
    return slug, "\n".join(header) + "\n\n" + post_body(rng, passage_tag)


def comment_files(
    rng: random.Random, count: int, post_date: datetime, used_ids: set[str]
) -> list[tuple[str, str]]:
    """(id, file text) of ``count`` threaded comments under one post, oldest first."""
    made: list[tuple[str, str]] = []
    date = post_date.replace(tzinfo=timezone.utc)
    for _ in range(count):
        comment_id = _new_id(rng, used_ids)
        date += timedelta(minutes=rng.randint(5, 60 * 24 * 3))
        header = [f"Author: {rng.choice(AUTHORS)}", f"Date: {date:%Y-%m-%d %H:%M:%S+00:00}"]
        if made and rng.random() < REPLY_SHARE:
            header.append(f"Reply-To: {rng.choice(made[-8:])[0]}")  # a recent one, as in real threads
        if rng.random() < 0.15:
            header.append(f"Author-URL: https://{rng.choice(WORDS)}.example.org/")
        if rng.random() < 0.02:
            header.append(f"Content-Warnings: {rng.choice(['self-harm', 'grief'])}")
        body = "\n\n".join(_paragraph(rng, rng.randint(1, 3)) for _ in range(rng.randint(1, 2)))
        made.append((comment_id, "\n".join(header) + "\n\n" + body + "\n"))
    return made


def _new_id(rng: random.Random, used: set[str]) -> str:
    while True:
        comment_id = f"{rng.getrandbits(48):012x}"
        if comment_id not in used:
            used.add(comment_id)
            return comment_id


def write_bench_blog(
    folder: Path, *, examples: Path, posts: int, comments: int, seed: int
) -> BenchBlog:
    """Write a blog into ``folder``/content: the example site (``examples``) plus generated posts.

    The example content comes along so that the pages the theme links to (support, comment
    policy) and the vocabulary are there, as on a writer's own blog.
    """
    content = folder / "content"
    shutil.copytree(examples, content)
    triggers = trigger_slugs(content / "triggers.yml")
    example_posts = len(list((content / "posts").glob("*.md")))
    rng = random.Random(seed)
    counts = comment_counts(posts, comments, rng)
    used_ids: set[str] = set()
    written: list[BenchPost] = []
    for index, count in enumerate(counts):
        date = FIRST_DATE + timedelta(days=index * 3650 // max(posts, 1), minutes=index % 600)
        slug, text = post_text(rng, index, date, triggers)
        path = content / "posts" / f"{slug}.md"
        _write(path, text)
        for comment_id, comment in comment_files(rng, count, date, used_ids):
            _write(content / "comments" / slug / f"{comment_id}.md", comment)
        written.append(BenchPost(slug, path, count))
    return BenchBlog(content, written, example_posts)


def _write(path: Path, text: str) -> None:
    # A plain write, not harbour.files' atomic one: this is a throwaway folder that nothing
    # reads until it is whole, and an fsync for each of 20,000 files would take minutes.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
