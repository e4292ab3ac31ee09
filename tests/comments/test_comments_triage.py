"""Triage on arrival and the COMMENTS settings: WordPress-like defaults, crisis language first."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from comments.config import SCHEMA, comment_stores, comments_settings
from comments.model import PublicComment
from comments.desk.triage import (
    CRISIS,
    CRISIS_EXCEPTIONS,
    DEFAULT_CRISIS_PHRASES,
    DISALLOWED_LINK,
    DISALLOWED_WORD,
    MANY_LINKS,
    TriageRules,
    length_problems,
    matching_phrases,
    triage,
)
from harbour.errors import HarbourError


def new(body: str, author: str = "Sam", url: str | None = None) -> PublicComment:
    return PublicComment(
        "abc123", "p", author, datetime(2024, 1, 1, tzinfo=timezone.utc), body, author_url=url
    )


def test_by_default_every_comment_waits_unflagged() -> None:
    verdict = triage(new("Thank you, this helped."), rules=TriageRules())
    assert (verdict.status, verdict.flags) == ("pending", ())


# Phrasings a person in crisis really uses (from crisis-line training material and moderation
# guides): plain, indirect, misspelt, disguised. Every one must reach the writer first.
MUST_FLAG = [
    "Some nights I want to die.",
    "I DON'T WANT TO BE HERE ANYMORE",
    "i dont want to be here any more",
    "Honestly I can’t go on like this",  # a typographic apostrophe
    "thinking about suicide again",
    "I took an overdose last year and",
    "I might end it all",
    "everyone would be better off without me",
    "I don't want to live anymore",
    "I do not want to live any more.",
    "I have the pills ready",
    "I took all my pills",
    "I wanna end it",
    "I’m ending things tonight",
    "kms",
    "lol i'm gonna kms",
    "I want to unalive myself",
    "I don’t want to wake up tomorrow",
    "they'd all be better off if I was gone",
    "There's no reason to keep going",
    "I'm not going to be here much longer",
    "I cut myself again last night",
    "S U I C I D E",
    "s.u.i.c.i.d.e",
    "su1c1de is all I think about",
    "ｓｕｉｃｉｄａｌ",  # full-width letters
    "suïcidal",  # an accent
    "sui\u200bcide",  # a zero-width space inside the word
    "I want to diiiie",
    "I keep thinking about sewer slide",
    "I've been stockpiling my meds",
    "I'm going to hang myself",
    "this is goodbye everyone",
    "I wish I had never been born",
    "I can't take it anymore",
    "I'm tired of being alive",
    "I'm not safe right now",
    "i hope i don't wake up",
    "Honestly I can`t do this any more",  # a backtick for an apostrophe
]

# Ordinary comments, several of them close to the list on purpose. "This post killed me, in
# a good way" is deliberately not flagged: hyperbole about the post is in the past tense and
# about the reader's reaction, and the list holds "kill myself", never "killed me"; a reader
# who means it almost always says more ("I want to", "tonight", "anymore"), which is listed.
MUST_NOT_FLAG = [
    "This post killed me, in a good way.",
    "I was dying to read the next part!",
    "My nan died last spring and this brought it all back.",
    "I'm not going to be here next week, off on holiday.",
    "I took my pills this morning like my GP said.",
    "I had to cut myself some slack after the funeral.",
    "Let me end it on a positive note: thank you.",
    "The ending of this piece made me cry (good tears).",
    "Killing time on the train by reading your blog.",
    "I used to self-harm years ago and I'm in a much better place now.",
    "Your writing on grief helped me through a hard week.",
    "I laughed so hard I nearly died.",
    "I want to take my life back, one small step at a time.",
    "I can't go on holiday this year, so I'm reading instead.",
]


@pytest.mark.parametrize("body", MUST_FLAG)
def test_crisis_language_flags_a_possible_crisis_and_holds_it(body: str) -> None:
    verdict = triage(new(body), rules=TriageRules(moderation="auto-approve-returning"), returning=True)
    assert verdict.status == "pending"
    assert CRISIS in verdict.flags
    assert any("crisis language" in note for note in verdict.notes)


@pytest.mark.parametrize("body", MUST_NOT_FLAG)
def test_ordinary_comments_are_not_flagged(body: str) -> None:
    verdict = triage(new(body), rules=TriageRules())
    assert CRISIS not in verdict.flags, verdict.notes


def test_the_tables_are_long_enough_to_mean_something() -> None:
    assert len(MUST_FLAG) >= 25 and len(MUST_NOT_FLAG) >= 10


@pytest.mark.parametrize("tag", ["suicidal-thoughts", "Suicidal Thoughts", "self-harm", "suicide"])
def test_a_comment_whose_own_warnings_name_suicide_or_self_harm_is_a_possible_crisis(tag: str) -> None:
    comment = replace(new("Thank you for writing about this."), content_warnings=("grief", tag))
    verdict = triage(comment, rules=TriageRules(moderation="auto-approve-returning"), returning=True)
    assert (verdict.status, verdict.flags) == ("pending", (CRISIS,))
    assert f"its own content warnings name {tag}" in verdict.notes


def test_a_comment_with_any_content_warning_is_never_approved_on_arrival() -> None:
    comment = replace(new("Thank you for writing about this."), content_warnings=("grief",))
    verdict = triage(comment, rules=TriageRules(moderation="auto-approve-returning"), returning=True)
    assert (verdict.status, verdict.flags) == ("pending", ())


def test_crisis_exceptions_are_narrow_and_a_setting() -> None:
    assert matching_phrases("cut myself some slack", ["cut myself"], exceptions=CRISIS_EXCEPTIONS) == []
    # An exception never hides the crisis words around it.
    assert matching_phrases(
        "I cut myself some slack, then I cut myself", ["cut myself"], exceptions=CRISIS_EXCEPTIONS
    ) == ["cut myself"]
    assert comments_settings({"COMMENTS": {"crisis_exceptions": []}})["crisis_exceptions"] == []


@pytest.mark.parametrize(
    "body",
    ["The suicidality of the plot", "I killed it at myself-care", "overdoing the tea", "a hurtful myself"],
)
def test_crisis_phrases_match_whole_words_only(body: str) -> None:
    assert matching_phrases(body, DEFAULT_CRISIS_PHRASES) == []


def test_the_default_crisis_list_is_considered_and_lower_case() -> None:
    assert {"kill myself", "end it all", "want to die", "no reason to live", "suicide", "overdose"} <= set(
        DEFAULT_CRISIS_PHRASES
    )
    assert all(p == p.lower().strip() for p in DEFAULT_CRISIS_PHRASES)
    # General words for what this blog is about would bury real alarms among ordinary comments.
    assert "self-harm" not in DEFAULT_CRISIS_PHRASES and "grief" not in DEFAULT_CRISIS_PHRASES


def test_a_disallowed_word_in_any_field_makes_it_spam() -> None:
    rules = TriageRules(disallowed_words=("casino", "203.0.113.66"))
    assert triage(new("Visit our CASINO today"), rules=rules).status == "spam"
    assert triage(new("hi", author="Casino King"), rules=rules).status == "spam"
    by_ip = triage(new("hi"), rules=rules, ip="203.0.113.66")
    assert (by_ip.status, by_ip.flags) == ("spam", (DISALLOWED_WORD,))
    assert triage(new("I went to the casinos museum"), rules=rules).status == "pending"  # whole words only


def test_a_link_to_a_disallowed_domain_or_its_subdomain_makes_it_spam() -> None:
    rules = TriageRules(disallowed_links=("pills.example",))
    for body in (
        "see https://pills.example/buy",
        "see http://www.pills.example",
        "see www.shop.pills.example/x",
    ):
        verdict = triage(new(body), rules=rules)
        assert (verdict.status, verdict.flags) == ("spam", (DISALLOWED_LINK,)), body
    assert triage(new("hi", url="https://pills.example/"), rules=rules).status == "spam"
    assert triage(new("see https://notpills.example/"), rules=rules).status == "pending"


def test_crisis_wins_over_spam_so_a_person_in_distress_is_never_filed_away() -> None:
    verdict = triage(new("casino. I want to die."), rules=TriageRules(disallowed_words=("casino",)))
    assert verdict.status == "pending"
    assert verdict.flags == (CRISIS, DISALLOWED_WORD)


def test_two_links_flag_a_comment_one_does_not() -> None:
    one = triage(new("see https://a.example/"), rules=TriageRules())
    two = triage(new("see https://a.example/ and [b](https://b.example/)"), rules=TriageRules())
    assert one.flags == ()
    assert two.flags == (MANY_LINKS,) and two.status == "pending"
    assert (
        triage(new("https://a.example/ https://b.example/"), rules=TriageRules(max_links_before_flag=0)).flags
        == ()
    )


@pytest.mark.parametrize(
    "body",
    [
        "[a](https://a.example/) and [b](https://b.example/)",
        "[a](//a.example/) and [b](/\\b.example/)",  # other sites, as browsers read them
        "<https://a.example/> and ![x](https://b.example/x.png)",
        "[a][1] and [b][2]\n\n[1]: //a.example/\n[2]: //b.example/",
        "[here](a.example) and [there](b.example)",
    ],
)
def test_every_markdown_link_target_counts_as_a_link(body: str) -> None:
    verdict = triage(new(body), rules=TriageRules())
    assert verdict.flags == (MANY_LINKS,), verdict.notes


@pytest.mark.parametrize(
    "body",
    [
        "[cheap](//pills.example/buy)",
        "[cheap](/\\pills.example/buy)",
        "[cheap](\\\\\\\\pills.example/buy)",  # Markdown unescapes it to \\pills.example
        "[cheap](pills.example)",
        "[x][r]\n\n[r]: //shop.pills.example/",
    ],
)
def test_a_disallowed_domain_is_found_however_the_link_is_written(body: str) -> None:
    verdict = triage(new(body), rules=TriageRules(disallowed_links=("pills.example",)))
    assert (verdict.status, verdict.flags) == ("spam", (DISALLOWED_LINK,)), verdict.notes


def test_auto_approve_returning_is_opt_in_and_never_approves_a_flagged_comment() -> None:
    auto = TriageRules(moderation="auto-approve-returning")
    assert triage(new("hello again"), rules=TriageRules(), returning=True).status == "pending"
    assert triage(new("hello again"), rules=auto, returning=False).status == "pending"
    assert triage(new("hello again"), rules=auto, returning=True).status == "approved"
    assert (
        triage(new("https://a.example/ https://b.example/"), rules=auto, returning=True).status == "pending"
    )


def test_length_problems_name_the_field_the_limit_and_the_setting() -> None:
    problems = length_problems(
        {"author": "x" * 81, "body": "ok", "content_warnings": ["a"] * 11},
        {"author": 80, "body": 5000, "content_warnings": 10},
    )
    assert problems == [
        (
            "author is 81 characters long; at most 80 are allowed. Shorten it, or raise "
            "COMMENTS['length_limits']['author'] in pelicanconf.py"
        ),
        (
            "content_warnings has 11 entries; at most 10 are allowed. Keep the most important, or raise "
            "COMMENTS['length_limits']['content_warnings'] in pelicanconf.py"
        ),
    ]


# --- Settings ------------------------------------------------------------------------------


def test_defaults_are_wordpress_like() -> None:
    conf = comments_settings({})
    assert conf["moderation"] == "hold"
    assert conf["thread_depth"] == 5
    assert conf["max_links_before_flag"] == 2
    assert conf["length_limits"]["author"] == 80 and conf["length_limits"]["body"] == 5000
    assert conf["private_path"] == "private/comments" and conf["public_path"] == "comments"
    assert conf["feed_atom"] is None and conf["post_feed_atom"] is None


def test_the_writers_dict_is_merged_not_mutated() -> None:
    user = {"length_limits": {"body": 8000}, "thread_depth": 3}
    conf = comments_settings({"COMMENTS": user})
    assert conf["length_limits"]["body"] == 8000 and conf["length_limits"]["author"] == 80
    assert user == {"length_limits": {"body": 8000}, "thread_depth": 3}


def test_every_settings_problem_is_listed_at_once() -> None:
    with pytest.raises(HarbourError) as caught:
        comments_settings(
            {
                "COMMENTS": {
                    "moderaton": "hold",
                    "moderation": "approve-all",
                    "thread_depth": 0,
                    "length_limits": {"bdy": 10},
                    "disallowed_links": ["", "ok.example"],
                    "post_feed_atom": "feeds/comments.xml",
                    "public_path": "../elsewhere",
                }
            }
        )
    message = str(caught.value)
    assert "7 problems" in message
    assert "COMMENTS['moderaton'] is not an option" in message and "did you mean 'moderation'" in message
    assert "'approve-all' is not valid: expected one of 'hold', 'auto-approve-returning'" in message
    assert "COMMENTS['thread_depth'] = 0 is not valid: expected at least 1" in message
    assert "unknown field 'bdy'" in message and "did you mean 'body'" in message
    assert "expected a pattern containing {slug}" in message
    assert "without '..'" in message


def test_every_option_documents_itself() -> None:
    assert all(len(option.help) > 20 for option in SCHEMA.values())


def test_a_private_store_inside_the_published_folders_is_refused(tmp_path: Path) -> None:
    settings = {
        "PATH": str(tmp_path / "content"),
        "OUTPUT_PATH": str(tmp_path / "output"),
        "COMMENTS": {"private_path": "content/private"},
    }
    with pytest.raises(HarbourError, match="inside the content folder .* which is published"):
        comment_stores(settings, root=tmp_path)
    with pytest.raises(HarbourError, match="inside the output folder"):
        comment_stores(settings, root=tmp_path, private=tmp_path / "output" / "p")
    stores = comment_stores(settings, root=tmp_path, private=tmp_path / "private")
    assert stores.public_dir == tmp_path / "content" / "comments"
