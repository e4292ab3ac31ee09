"""The way on from a post: its older and newer neighbours, related posts by shared topics, reading time.

The theme shows them at the end of each post (``_post_navigation.html``) and the reading time
beside its date. Related posts are listed by title and warning only, never by summary, so a
gated post's text cannot reach another post's page this way.

Reading time counts the words a reader reads who opens every warning: the post's visible text
and the text inside its gates, but not the gates' own labels and buttons. A gated post thus says
how long it is before the reader chooses to open it (a number, never its words), which is what
a reader deciding whether they have the energy for it now needs to know.
"""

from __future__ import annotations

import heapq
import logging
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pelican import signals
from selectolax.lexbor import LexborHTMLParser

from harbour.plugins import all_articles, when_enabled
from harbour.settings import Option, integer, plugin_settings

logger = logging.getLogger(__name__)

SCHEMA = {
    "related_posts": Option(3, "how many related posts to list under each post; 0 lists none", integer(0, 10)),
    "words_per_minute": Option(200, "the reading speed reading times are counted at", integer(50, 1000)),
}

# A word: letters or digits, with inner apostrophes or hyphens ("don't", "self-care").
WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
UNREAD_ELEMENTS = frozenset({"script", "style", "template"})


def post_navigation_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``POST_NAVIGATION`` settings merged over the defaults, or a HarbourError listing every problem."""
    return plugin_settings(settings, "POST_NAVIGATION", SCHEMA)


# --- Reading time -------------------------------------------------------------------------

def count_words(html: str) -> int:
    body = LexborHTMLParser(html).body
    if body is None:
        return 0
    for unread in body.css(", ".join(sorted(UNREAD_ELEMENTS))):
        unread.decompose()
    # Elements end words (a word split across <em> tags is rare; one split across paragraphs is not).
    return len(WORD.findall(body.text(separator=" ")))


def readable_html(content: Any) -> str:
    """The post's text as a reader who opens every warning reads it, without the gates' own wording.

    The content_warnings plugin keeps what a reader sees unopened (``cw_visible``) and what each
    gate hides (``cw_hidden``); the rendered content would add each gate's label and buttons.
    """
    hidden = getattr(content, "cw_hidden", None)
    visible = getattr(content, "cw_visible", None)
    if hidden is None or visible is None:
        return content._content or ""
    return "\n".join([visible, *hidden.values()])


def reading_minutes(words: int, words_per_minute: int) -> int:
    """Whole minutes, rounded up, at least one for any text ("0 min read" would tell a reader nothing)."""
    return max(1, math.ceil(words / words_per_minute)) if words else 0


# --- Neighbours and related posts --------------------------------------------------------

def neighbours(articles: Sequence[Any]) -> dict[int, tuple[Any | None, Any | None]]:
    """Each post's (older, newer) neighbour by date, keyed by ``id(post)``."""
    by_date = sorted(articles, key=lambda a: a.date)
    return {
        id(post): (by_date[i - 1] if i > 0 else None, by_date[i + 1] if i + 1 < len(by_date) else None)
        for i, post in enumerate(by_date)
    }


def _topics(article: Any) -> frozenset[str]:
    return frozenset(tag.slug for tag in getattr(article, "tags", None) or [])


def related_posts(article: Any, candidates: Sequence[Any], limit: int, exclude: Sequence[Any] = ()) -> list[Any]:
    """Up to ``limit`` posts sharing most topic tags with ``article``; newer first among equals."""
    return RelatedPosts(candidates).of(article, limit, exclude)


class RelatedPosts:
    """Related posts for many posts at once: each post's topics are read once, and only posts
    sharing a topic are compared (an index by topic), not every pair of posts."""

    def __init__(self, candidates: Sequence[Any]) -> None:
        self._topics = {id(post): _topics(post) for post in candidates}
        # Among posts sharing as many topics on the same date, the earlier candidate comes first.
        self._order = {id(post): index for index, post in enumerate(candidates)}
        self._by_topic: dict[str, list[Any]] = {}
        for post in candidates:
            for topic in self._topics[id(post)]:
                self._by_topic.setdefault(topic, []).append(post)

    def of(self, article: Any, limit: int, exclude: Sequence[Any] = ()) -> list[Any]:
        topics = self._topics.get(id(article)) or _topics(article)
        if not topics or limit <= 0:
            return []
        left_out = {id(article), *(id(post) for post in exclude if post is not None)}
        shared: dict[int, tuple[int, Any]] = {}
        for topic in topics:
            for other in self._by_topic.get(topic, ()):
                if id(other) not in left_out:
                    count, _ = shared.get(id(other), (0, other))
                    shared[id(other)] = (count + 1, other)
        best = heapq.nlargest(
            limit, shared.values(), key=lambda pair: (pair[0], pair[1].date, -self._order.get(id(pair[1]), 0))
        )
        return [post for _, post in best]


# --- Signal handlers ---------------------------------------------------------------------

@when_enabled("post_navigation")
def validate_settings(pelican: Any) -> None:
    """At ``initialized``: replace the writer's POST_NAVIGATION dict by the checked, complete one."""
    pelican.settings["POST_NAVIGATION"] = post_navigation_settings(pelican.settings)


@when_enabled("post_navigation")
def annotate_articles(generator: Any) -> None:
    """At ``article_generator_finalized``: every post's reading time; listed posts' neighbours and related posts.

    Only listed posts link to each other: a hidden post or a draft is never offered as a way on.
    """
    options = generator.settings["POST_NAVIGATION"]
    for article in all_articles(generator):
        article.word_count = count_words(readable_html(article))
        article.reading_time = reading_minutes(article.word_count, options["words_per_minute"])
    listed = list(generator.articles)
    around = neighbours(listed)
    related = RelatedPosts(listed)
    for article in listed:
        article.prev_article, article.next_article = around[id(article)]
        article.related_posts = related.of(article, options["related_posts"], exclude=around[id(article)])


def register() -> None:
    signals.initialized.connect(validate_settings)
    signals.article_generator_finalized.connect(annotate_articles)
