"""Triage on arrival: decide whether a new comment waits, is published, or is spam, and flag it.

WordPress-like defaults: every comment waits for the writer; a disallowed word or link makes
it spam; two or more links flag it. One rule of our own comes first: crisis language flags a
comment as a *possible crisis* and always holds it, even when it also looks like spam, so the
writer sees it first and can reach out instead of publishing it (or never seeing it at all).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from comments.model import PublicComment

HOLD = "hold"
AUTO_APPROVE_RETURNING = "auto-approve-returning"
MODERATION_MODES = (HOLD, AUTO_APPROVE_RETURNING)

CRISIS = "possible-crisis"
DISALLOWED_WORD = "disallowed-word"
DISALLOWED_LINK = "disallowed-link"
MANY_LINKS = "links"

# First-person phrases that often mean someone is at risk right now. Matching ignores case,
# apostrophes and punctuation ("dont" matches "don't"). The list leans towards noticing: a
# false alarm costs the writer a minute, a missed one could cost far more. General words for
# topics this blog writes about (self-harm, grief) are left out on purpose: they appear in
# many ordinary comments and would bury the real alarms.
DEFAULT_CRISIS_PHRASES = (
    "suicide",
    "suicidal",
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "take my own life",
    "taking my own life",
    "end it all",
    "ending it all",
    "want to die",
    "wanna die",
    "want to be dead",
    "wish i was dead",
    "wish i were dead",
    "better off dead",
    "better off without me",
    "no reason to live",
    "nothing to live for",
    "dont want to be alive",
    "dont want to be here anymore",
    "dont want to be here any more",
    "cant go on",
    "cannot go on",
    "cant do this anymore",
    "cant do this any more",
    "overdose",
    "overdosed",
    "hurt myself",
    "hurting myself",
    "not safe right now",
    "this is goodbye",
)

# Characters allowed per field. The body's limit matches a long, heartfelt comment (the
# example site's longest is about 2,500); user agents are cut to theirs rather than refused,
# because nobody typed them.
DEFAULT_LENGTH_LIMITS = MappingProxyType({
    "author": 80,
    "author_url": 200,
    "email": 254,
    "body": 5000,
    "ip": 45,
    "user_agent": 400,
    "content_warnings": 10,
})
LENGTH_LIMIT_FIELDS = tuple(DEFAULT_LENGTH_LIMITS)

LINK = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>()\[\]\"']+")


@dataclass(frozen=True)
class TriageRules:
    moderation: str = HOLD
    disallowed_words: tuple[str, ...] = ()
    disallowed_links: tuple[str, ...] = ()
    crisis_phrases: tuple[str, ...] = DEFAULT_CRISIS_PHRASES
    max_links_before_flag: int = 2
    length_limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LENGTH_LIMITS))

    @classmethod
    def from_settings(cls, comments: Mapping[str, Any]) -> TriageRules:
        """The rules in a validated ``COMMENTS`` dict."""
        return cls(
            moderation=comments["moderation"],
            disallowed_words=tuple(comments["disallowed_words"]),
            disallowed_links=tuple(link_host(v) or v for v in comments["disallowed_links"]),
            crisis_phrases=tuple(comments["crisis_phrases"]),
            max_links_before_flag=comments["max_links_before_flag"],
            length_limits={**DEFAULT_LENGTH_LIMITS, **comments["length_limits"]},
        )


@dataclass(frozen=True)
class Verdict:
    status: str
    flags: tuple[str, ...]
    notes: tuple[str, ...]


def _words(text: str) -> str:
    """Text reduced to its words, space-padded, for matching whole words and phrases."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"['’‘`´]", "", text)
    return " " + " ".join(re.findall(r"\w+", text)) + " "


def matching_phrases(text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases that occur in ``text`` as whole words, ignoring case and punctuation."""
    words = _words(text)
    return [p for p in phrases if _words(p).strip() and _words(p) in words]


def links_in(text: str) -> list[str]:
    return LINK.findall(text)


def link_host(link: str) -> str | None:
    """The host a link or a bare domain points to, lower-case, or None."""
    link = link.strip()
    if "://" not in link:
        link = "http://" + link
    try:
        host = urlsplit(link).hostname
    except ValueError:
        return None
    return host.rstrip(".") if host else None


def disallowed_hosts(links: Iterable[str], disallowed: Iterable[str]) -> list[str]:
    """The disallowed domains any of ``links`` points to (the domain or any subdomain of it)."""
    hosts = {h for h in (link_host(link) for link in links) if h}
    found = []
    for domain in disallowed:
        domain = domain.lower().strip(".")
        if any(h == domain or h.endswith("." + domain) for h in hosts):
            found.append(domain)
    return found


def length_problems(values: Mapping[str, str | Iterable[str] | None], limits: Mapping[str, int]) -> list[str]:
    """One message per field longer than its limit (lists count their items)."""
    problems = []
    for name, value in values.items():
        limit = limits.get(name)
        if value is None or limit is None:
            continue
        if isinstance(value, str):
            if len(value) > limit:
                problems.append(
                    f"{name} is {len(value)} characters long; at most {limit} are allowed. Shorten it, "
                    f"or raise COMMENTS['length_limits'][{name!r}] in pelicanconf.py"
                )
        else:
            count = len(list(value))
            if count > limit:
                problems.append(
                    f"{name} has {count} entries; at most {limit} are allowed. Keep the most important, "
                    f"or raise COMMENTS['length_limits'][{name!r}] in pelicanconf.py"
                )
    return problems


def triage(
    comment: PublicComment,
    *,
    rules: TriageRules,
    email: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    returning: bool = False,
) -> Verdict:
    """Decide a new comment's status and flags. ``returning``: its author has an approved comment."""
    flags: list[str] = []
    notes: list[str] = []
    crisis = matching_phrases(f"{comment.author}\n{comment.body}", rules.crisis_phrases)
    if crisis:
        flags.append(CRISIS)
        notes.append("crisis language: " + ", ".join(repr(p) for p in crisis))
    everything = "\n".join(
        v for v in (comment.author, comment.author_url, email, ip, user_agent, comment.body) if v
    )
    words = matching_phrases(everything, rules.disallowed_words)
    if words:
        flags.append(DISALLOWED_WORD)
        notes.append("disallowed words: " + ", ".join(repr(w) for w in words))
    links = links_in(comment.body)
    linked = links + ([comment.author_url] if comment.author_url else [])
    hosts = disallowed_hosts(linked, rules.disallowed_links)
    if hosts:
        flags.append(DISALLOWED_LINK)
        notes.append("links to disallowed sites: " + ", ".join(hosts))
    if rules.max_links_before_flag and len(links) >= rules.max_links_before_flag:
        flags.append(MANY_LINKS)
        notes.append(f"{len(links)} links (flagged from {rules.max_links_before_flag})")

    if CRISIS in flags:
        status = "pending"
    elif words or hosts:
        status = "spam"
    elif rules.moderation == AUTO_APPROVE_RETURNING and returning and not flags:
        status = "approved"
        notes.append("approved on arrival: the author has an approved comment")
    else:
        status = "pending"
    return Verdict(status=status, flags=tuple(flags), notes=tuple(notes))
