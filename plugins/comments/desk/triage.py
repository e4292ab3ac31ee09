"""Triage on arrival: decide whether a new comment waits, is published, or is spam, and flag it.

WordPress-like defaults: every comment waits for the writer; a disallowed word or link makes
it spam; two or more links flag it. One rule of our own comes first: crisis language (or the
comment's own warning of suicide or self-harm) flags a comment as a *possible crisis* and
always holds it, even when it also looks like spam, so the writer sees it first and can reach
out instead of publishing it (or never seeing it at all). Nothing flagged, and nothing carrying
its own Content-Warnings, is ever approved on arrival.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from comments.model import PublicComment
from comments.sanitise import markdown_html

HOLD = "hold"
AUTO_APPROVE_RETURNING = "auto-approve-returning"
MODERATION_MODES = (HOLD, AUTO_APPROVE_RETURNING)

CRISIS = "possible-crisis"
DISALLOWED_WORD = "disallowed-word"
DISALLOWED_LINK = "disallowed-link"
MANY_LINKS = "links"

# First-person phrases that often mean someone is at risk right now. The list leans towards
# noticing: a false alarm costs the writer a minute, a missed one could cost far more. It
# covers wishes to die, plans and means, goodbyes, current self-harm and the "algospeak"
# people use to get past filters (unalive, sewer slide, kms, ctb). Matching (see
# `comparable_words`) ignores case, accents, apostrophes (straight or curly), punctuation,
# letter-spacing ("S U I C I D E"), stretched letters ("diiie") and digits for letters
# ("su1c1de"), and reads "do not" as "dont", "want to" as "wanna", "going to" as "gonna",
# "cannot" as "cant", so one entry covers each spelling.
#
# Left out on purpose: general words for what this blog writes about ("self-harm", "grief",
# "died"), which fill ordinary comments and would bury the real alarms, and hyperbole that
# is about the post ("this killed me", "I was dying to read it"). A comment whose own
# Content-Warnings name suicide or self-harm is flagged whatever its words (CRISIS_TAGS).
DEFAULT_CRISIS_PHRASES = (
    # Suicide, named or in algospeak
    "suicide", "suicidal", "kms", "ctb", "unalive", "unaliving", "sewerslide", "sewer slide",
    "self delete", "self deleting",
    # Wanting to die or not to be alive
    "kill myself", "killing myself", "end my life", "ending my life", "take my own life",
    "taking my own life", "take my life", "end it all", "ending it all", "want to end it",
    "going to end it", "end it tonight", "ending it tonight", "ending things", "end things tonight",
    "want to die", "want to be dead", "wish i was dead", "wish i were dead", "better off dead",
    "dont want to live", "dont want to be alive", "dont want to exist", "dont want to be here anymore",
    "dont want to be here any longer", "dont want to wake up", "hope i dont wake up",
    "hope i never wake up", "and never wake up", "wish i didnt exist", "wish i had never been born",
    "wish i was never born", "wish i wasnt born", "tired of living", "tired of being alive",
    "sick of living", "done with life", "done with living", "give up on life", "giving up on life",
    "want to disappear forever", "wish i could disappear forever",
    # Feeling a burden, seeing no way on
    "better off without me", "better off if i was gone", "better off if i were gone",
    "better off if i wasnt here", "better off if i werent here", "better off if i wasnt around",
    "everyone would be better off", "a burden to everyone", "no reason to live", "nothing to live for",
    "no reason to keep going", "no reason to go on", "no point in living", "no point living",
    "no point going on", "no point in going on", "dont see the point in living", "not worth living",
    "isnt worth living", "cant go on", "cant do this anymore", "cant take it anymore",
    "cant take this anymore", "cant keep going", "cant carry on",
    # Goodbyes
    "this is goodbye", "saying goodbye to everyone", "say goodbye to everyone", "goodbye forever",
    "final goodbye", "goodbye note", "goodbye letter", "be here much longer", "be around much longer",
    "be here for much longer",
    # Plans and means
    "overdose", "overdosed", "overdosing", "going to od", "take an od", "took an od", "pills ready",
    "pills are ready", "enough pills to", "took all my pills", "took all the pills", "took all of my pills",
    "take all my pills", "take all the pills", "took too many pills", "taken too many pills",
    "swallowed all my pills", "swallowed all the pills", "stockpiling pills", "stockpiling my pills",
    "stockpiling meds", "stockpiling my meds", "stockpiled pills", "stockpiled my meds", "saving up pills",
    "saving up my pills", "saved up pills", "hoarding pills", "hang myself", "hanging myself",
    "hung myself", "noose", "shoot myself", "shooting myself", "drown myself", "jump off a bridge",
    "jump off the bridge", "jump off the roof", "jump off a building", "in front of a train",
    "throw myself off", "slit my wrists", "slit my wrist", "slitting my wrists", "plan to die",
    "planning to die",
    # Hurting themselves now, or not safe
    "hurt myself", "hurting myself", "harm myself", "harming myself", "cut myself", "cutting myself",
    "burn myself", "burning myself", "not safe right now", "not safe tonight", "not safe with myself",
    "not safe from myself",
)

# Ordinary idioms that contain a crisis phrase; their words are taken out before matching.
# Kept narrow on purpose: "end it with" would also hide "end it with pills".
CRISIS_EXCEPTIONS = (
    "cut myself some slack", "cut myself a break", "cut myself a slice", "cut myself a piece",
    "end it on a high", "end it on a positive note", "end it on a good note", "end it on a high note",
    "end it on a happy note", "take my life back", "taking my life back", "took my life back",
    "cant go on holiday", "cant go on vacation", "cant go on about",
)

# A comment's own Content-Warnings naming these (or their usual aliases) is a possible crisis:
# the commenter is telling the writer what the text is about.
CRISIS_TAGS = frozenset({
    "suicide", "suicidal-thoughts", "suicidal-ideation", "suicidal-feelings", "wanting-to-die", "si",
    "self-harm", "selfharm", "self-injury", "sh", "nssi",
})

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
    crisis_exceptions: tuple[str, ...] = CRISIS_EXCEPTIONS
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
            crisis_exceptions=tuple(comments["crisis_exceptions"]),
            max_links_before_flag=comments["max_links_before_flag"],
            length_limits={**DEFAULT_LENGTH_LIMITS, **comments["length_limits"]},
        )


@dataclass(frozen=True)
class Verdict:
    status: str
    flags: tuple[str, ...]
    notes: tuple[str, ...]


# Characters people type for an apostrophe; removed so "don't", "don’t" and "dont" agree.
_APOSTROPHES = re.compile("['\u2018\u2019\u201b\u02bc\u02b9\u0060\u00b4\u2032\uff07]")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
# Greek and Cyrillic letters that look Latin, for matching only: "suiсide" with a Cyrillic с.
_LOOKALIKES = str.maketrans("аеорсухіјѕԁοαιεκνρτυχ", "aeopcyxijsdoaiekvptux")
# Digits used for letters, inside a word that also has letters ("su1c1de"); "2024" stays.
_LEET = str.maketrans("013457", "oieast")
_WORD = re.compile(r"[^\W_]+")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
# Spellings read as one form, in the text and in the phrases alike.
_SAME_WORDS = tuple((re.compile(rf"(?<!\S){a}(?!\S)"), b) for a, b in (
    ("do not", "dont"), ("does not", "doesnt"), ("did not", "didnt"), ("can not", "cant"), ("cannot", "cant"),
    ("will not", "wont"), ("would not", "wouldnt"), ("is not", "isnt"), ("was not", "wasnt"),
    ("were not", "werent"), ("want to", "wanna"), ("going to", "gonna"), ("any more", "anymore"),
    ("i am", "im"),
))


def _word(token: str) -> str:
    if not token.isalpha() and not token.isdigit():
        token = token.translate(_LEET)
    return _STRETCHED.sub(r"\1", token)


def _joined_letters(tokens: list[str]) -> list[str]:
    """Runs of three or more single letters read as one word: "S U I C I D E", "k.m.s"."""
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        out += ["".join(run)] if len(run) >= 3 else run
        run = []
        if token:
            out.append(token)
    return out


def comparable_words(text: str) -> str:
    """``text`` reduced to its words, space-padded, for matching whole words and phrases.

    Lower-case, without accents, apostrophes or punctuation, with the disguises listed at
    DEFAULT_CRISIS_PHRASES undone, so a phrase matches however it was typed.
    """
    text = _INVISIBLE.sub("", _APOSTROPHES.sub("", text))
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(_LOOKALIKES)
    text = re.sub(r"[$@](?=[^\W\d_])", lambda m: "s" if m.group() == "$" else "a", text)
    words = " " + " ".join(_joined_letters([_word(t) for t in _WORD.findall(text)])) + " "
    for pattern, replacement in _SAME_WORDS:
        words = pattern.sub(replacement, words)
    return words


def matching_phrases(text: str, phrases: Iterable[str], *, exceptions: Iterable[str] = ()) -> list[str]:
    """The phrases that occur in ``text`` as whole words (see :func:`comparable_words`).

    The words of any of ``exceptions`` are taken out first, so "cut myself some slack" does
    not match "cut myself".
    """
    words = comparable_words(text)
    for exception in exceptions:
        if normal := _phrase_words(exception).strip():
            words = re.sub(rf"(?<!\S){re.escape(normal)}(?!\S)", "|", words)
    return [p for p in phrases if (normal := _phrase_words(p)).strip() and normal in words]


@functools.lru_cache(maxsize=4096)
def _phrase_words(phrase: str) -> str:
    # The same few hundred phrases are matched against every comment of an import.
    return comparable_words(phrase)


def link_targets(body: str) -> list[str]:
    """Every address a comment's body points to, whether or not it stays a link once sanitised.

    Markdown links, images, reference links and autolinks, and bare http(s):// or www.
    addresses in its text: a refused ``//host`` link still says where the commenter wants
    readers to go.
    """
    parser = _LinkParser()
    parser.feed(markdown_html(body))
    parser.close()
    return parser.targets + LINK.findall(" ".join(parser.text))


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []
        self.text: list[str] = []
        self._in_link = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"a": "href", "img": "src"}.get(tag)
        value = dict(attrs).get(wanted) if wanted else None
        if value:
            self.targets.append(value)
        if tag == "a":
            self._in_link += 1  # the text of a link is its label, not another link

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._in_link:
            self._in_link -= 1

    def handle_data(self, data: str) -> None:
        if not self._in_link:
            self.text.append(data)


def link_host(link: str) -> str | None:
    """The host a link or a bare domain points to, lower-case, or None (for /path and #fragment).

    Browsers read backslashes as slashes and ``//host`` as another site, so these count too.
    """
    link = link.strip().replace("\\", "/")
    if link.startswith("//"):
        link = "http:" + link
    elif "://" not in link:
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


def tag_slug(tag: str) -> str:
    """A trigger tag as a slug, for comparing: "Suicidal Thoughts" -> "suicidal-thoughts"."""
    return "-".join(re.findall(r"[^\W_]+", tag.casefold()))


def crisis_notes(comment: PublicComment, rules: TriageRules) -> list[str]:
    """Why a comment may come from someone in crisis (empty when nothing says so)."""
    notes = []
    phrases = matching_phrases(
        f"{comment.author}\n{comment.body}", rules.crisis_phrases, exceptions=rules.crisis_exceptions
    )
    if phrases:
        notes.append("crisis language: " + ", ".join(repr(p) for p in phrases))
    tags = [t for t in comment.content_warnings if tag_slug(t) in CRISIS_TAGS]
    if tags:
        notes.append("its own content warnings name " + ", ".join(tags))
    return notes


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
    notes = crisis_notes(comment, rules)
    if notes:
        flags.append(CRISIS)
    everything = "\n".join(
        v for v in (comment.author, comment.author_url, email, ip, user_agent, comment.body) if v
    )
    words = matching_phrases(everything, rules.disallowed_words)
    if words:
        flags.append(DISALLOWED_WORD)
        notes.append("disallowed words: " + ", ".join(repr(w) for w in words))
    links = link_targets(comment.body)
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
    elif rules.moderation == AUTO_APPROVE_RETURNING and returning and not (flags or comment.content_warnings):
        # A comment with its own warnings is about something hard: the writer reads it first.
        status = "approved"
        notes.append("approved on arrival: the author has an approved comment")
    else:
        status = "pending"
    return Verdict(status=status, flags=tuple(flags), notes=tuple(notes))
