"""The trigger-tag vocabulary: how tags are normalised and resolved, and how triggers.yml is checked."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from harbour.errors import HarbourError
from trigger_tags.vocabulary import (
    Trigger,
    Vocabulary,
    load_vocabulary,
    normalise_tag,
    resolve_tags,
    split_tags,
    vocabulary_from_entries,
)

PROJECT_VOCABULARY = Path(__file__).parent.parent / "content" / "triggers.yml"


def entry(slug: str, **fields: object) -> dict[str, object]:
    """A valid vocabulary entry; ``fields`` override or add keys."""
    label = slug.replace("-", " ").capitalize()
    return {"slug": slug, "label": label, "description": f"About {slug}.", **fields}


@pytest.fixture
def vocabulary() -> Vocabulary:
    return vocabulary_from_entries(
        [
            entry("suicide", aliases=["suicide loss"]),
            entry("suicidal-thoughts", parent="suicide", aliases=["suicidal ideation", "si"]),
            entry("self-harm", label="Self-harm", aliases=["selfharm", "self-injury", "sh"]),
            entry("death"),
            entry("grief", parent="death", aliases=["bereavement", "loss"]),
            entry("pregnancy-loss", parent="death", aliases=["miscarriage"]),
            entry("child-loss", parent="grief"),
            entry("eating-disorders", aliases=["ed", "anorexia"]),
            entry("drugs-and-alcohol", aliases=["substance use", "sud"]),
        ],
        source="content/triggers.yml",
    )


def write_vocabulary(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "triggers.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(HarbourError) as raised:
        load_vocabulary(path)
    return raised.value.problems


# --- Normalising and splitting -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("self-harm", "self-harm"),
        ("Self Harm", "self-harm"),
        ("self_harm", "self-harm"),
        ("  Eating  Disorders ", "eating-disorders"),
        ("TW: Self Harm", "self-harm"),
        ("tw self harm", "self-harm"),
        ("CW: grief", "grief"),
        ("cw - grief", "grief"),
        ("tw:grief", "grief"),
        ("Trigger warning: suicide", "suicide"),
        ("Content Warning: suicide", "suicide"),
        ("CN: death", "death"),
        ("self–harm", "self-harm"),  # en dash
        ("self—harm", "self-harm"),  # em dash
        ("ＳＥＬＦ－ＨＡＲＭ", "self-harm"),  # full-width letters and hyphen (NFKC)
        ("drugs & alcohol", "drugs-and-alcohol"),
        ("drugs&alcohol", "drugs-and-alcohol"),
        ("drugs/alcohol", "drugs-alcohol"),
        ("self - - harm", "self-harm"),
        ('"grief"', "grief"),
        ("#selfharm", "selfharm"),
        ("grief.", "grief"),
        ("children’s illness", "childrens-illness"),
        ("twins", "twins"),  # a word starting with "tw" keeps its letters
        ("cwm", "cwm"),
        ("", ""),
        ("TW:", ""),
    ],
)
def test_normalise_tag(raw: str, normalised: str) -> None:
    assert normalise_tag(raw) == normalised


@pytest.mark.parametrize(
    ("value", "raws"),
    [
        ("grief, loss", ["grief", "loss"]),
        ("grief,,  , loss,", ["grief", "loss"]),
        ("self harm", ["self harm"]),
        (["grief", "loss, death"], ["grief", "loss", "death"]),
        ("", []),
        (None, []),
    ],
)
def test_split_tags(value: str | list[str] | None, raws: list[str]) -> None:
    assert split_tags(value) == raws


# --- Looking tags up -----------------------------------------------------------------------------

def test_resolve_by_slug_alias_or_any_spelling_of_them(vocabulary: Vocabulary) -> None:
    assert vocabulary.resolve("self-harm").slug == "self-harm"
    assert vocabulary.resolve("SH").slug == "self-harm"
    assert vocabulary.resolve("TW: self injury").slug == "self-harm"
    assert vocabulary.resolve("Substance_Use").slug == "drugs-and-alcohol"
    assert vocabulary.resolve("Drugs & Alcohol").slug == "drugs-and-alcohol"


def test_resolve_unknown_tag_gives_none(vocabulary: Vocabulary) -> None:
    assert vocabulary.resolve("self-ham") is None
    assert vocabulary.resolve("Self-harm label") is None


def test_get_takes_exact_slugs_only(vocabulary: Vocabulary) -> None:
    assert vocabulary.get("grief") == Trigger(
        slug="grief",
        label="Grief",
        aliases=("bereavement", "loss"),
        parent="death",
        description="About grief.",
    )
    assert vocabulary.get("loss") is None


def test_named_takes_an_exact_slug_or_a_label_no_other_tag_shares(vocabulary: Vocabulary) -> None:
    assert vocabulary.named("suicidal-thoughts").slug == "suicidal-thoughts"
    assert vocabulary.named("Suicidal thoughts").slug == "suicidal-thoughts"  # as a form sends it
    assert vocabulary.named("Drugs and alcohol").slug == "drugs-and-alcohol"
    for other in ("suicidal thoughts", "SH", "Suicidal  thoughts", " Grief", "bereavement", ""):
        assert vocabulary.named(other) is None, other  # nothing normalised: a choice is exact
    shared = Vocabulary([Trigger("grief", "Loss"), Trigger("pet-loss", "Loss"), Trigger("death", "grief")])
    assert shared.named("Loss") is None  # two tags say "Loss": the label names neither
    assert shared.named("grief").slug == "grief"  # a slug before another tag's label


def test_triggers_are_immutable(vocabulary: Vocabulary) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        vocabulary.get("grief").label = "Sorrow"  # type: ignore[misc]


def test_iteration_len_and_slugs_keep_file_order(vocabulary: Vocabulary) -> None:
    assert len(vocabulary) == 9
    assert vocabulary.slugs[:3] == ("suicide", "suicidal-thoughts", "self-harm")
    assert [trigger.slug for trigger in vocabulary] == list(vocabulary.slugs)
    assert "grief" in vocabulary and "loss" not in vocabulary


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("self-ham", ["self-harm"]),  # a missing letter
        ("suicde", ["suicide"]),  # not also 'sud': a clearly better match hides weaker ones
        ("Self Harn", ["self-harm"]),
        ("bereavment", ["grief"]),  # a near-miss of an alias suggests the alias's slug
        ("mis-carriage", ["pregnancy-loss"]),
        ("eating", ["eating-disorders"]),  # one whole word of a longer tag
        ("xyz", []),
        ("", []),
    ],
)
def test_suggest_the_closest_slugs(vocabulary: Vocabulary, typed: str, suggested: list[str]) -> None:
    assert vocabulary.suggest(typed) == suggested


def test_suggest_lists_each_slug_once_even_when_several_aliases_are_close(vocabulary: Vocabulary) -> None:
    # 'self-harm' and its alias 'selfharm' are both close to 'selfharn'.
    assert vocabulary.suggest("selfharn") == ["self-harm"]


def test_suggest_caps_the_number_of_suggestions(vocabulary: Vocabulary) -> None:
    # 's' is as close to 'si' as to 'sh'.
    assert vocabulary.suggest("s") == ["suicidal-thoughts", "self-harm"]
    assert vocabulary.suggest("s", n=1) == ["suicidal-thoughts"]


# --- The hierarchy -------------------------------------------------------------------------------

def test_ancestors_are_parent_first(vocabulary: Vocabulary) -> None:
    assert vocabulary.ancestors("child-loss") == ["grief", "death"]
    assert vocabulary.ancestors("death") == []


def test_children_and_descendants_in_file_order(vocabulary: Vocabulary) -> None:
    assert [t.slug for t in vocabulary.children("death")] == ["grief", "pregnancy-loss"]
    assert [t.slug for t in vocabulary.descendants("death")] == ["grief", "child-loss", "pregnancy-loss"]
    assert vocabulary.children("child-loss") == []


def test_hierarchy_of_an_unknown_slug_is_an_error(vocabulary: Vocabulary) -> None:
    with pytest.raises(KeyError, match="'loss'"):
        vocabulary.ancestors("loss")


# --- Resolving a post's tags ---------------------------------------------------------------------

def test_resolve_tags_gives_canonical_slugs_in_order_without_repeats(vocabulary: Vocabulary) -> None:
    slugs, problems = resolve_tags(vocabulary, "TW: loss, SH, grief, self harm", source="content/posts/x.md")
    assert slugs == ["grief", "self-harm"]
    assert problems == []


def test_resolve_tags_accepts_a_list(vocabulary: Vocabulary) -> None:
    slugs, problems = resolve_tags(vocabulary, ["ed", "si"], source="x.md")
    assert (slugs, problems) == (["eating-disorders", "suicidal-thoughts"], [])


def test_resolve_tags_unknown_tag_with_a_suggestion(vocabulary: Vocabulary) -> None:
    slugs, problems = resolve_tags(
        vocabulary, "grief, self-ham", source="content/posts/x.md", line=3, field="Content-Warnings"
    )
    assert slugs == ["grief"]
    assert problems == [
        "unknown trigger tag 'self-ham' in content/posts/x.md:3 (Content-Warnings); did you mean 'self-harm'?"
    ]


def test_resolve_tags_unknown_tag_with_nothing_close(vocabulary: Vocabulary) -> None:
    assert resolve_tags(vocabulary, "xyz", source="content/posts/x.md") == (
        [],
        [
            "unknown trigger tag 'xyz' in content/posts/x.md (Triggers); "
            "see content/triggers.yml for the known tags, or add it there"
        ],
    )


def test_resolve_tags_reports_every_unknown_tag(vocabulary: Vocabulary) -> None:
    _, problems = resolve_tags(vocabulary, "xyz, suicde, abc", source="x.md")
    assert [problem.split(" in ")[0] for problem in problems] == [
        "unknown trigger tag 'xyz'",
        "unknown trigger tag 'suicde'",
        "unknown trigger tag 'abc'",
    ]


# --- Checking triggers.yml -----------------------------------------------------------------------

def test_the_project_vocabulary_loads_cleanly() -> None:
    vocabulary = load_vocabulary(PROJECT_VOCABULARY)
    assert len(vocabulary) >= 30
    assert vocabulary.resolve("TW: self harm").slug == "self-harm"
    assert vocabulary.source == str(PROJECT_VOCABULARY)


TERMS_WRITERS_USE = Path(__file__).parent / "fixtures" / "content_warning_terms.yml"


def test_the_terms_writers_use_for_content_warnings_resolve_in_the_shipped_vocabulary() -> None:
    import yaml

    collected = yaml.safe_load(TERMS_WRITERS_USE.read_text(encoding="utf-8"))
    vocabulary = load_vocabulary(PROJECT_VOCABULARY)
    terms, left_out = collected["terms"], collected["not_in_vocabulary"]
    assert len(terms) + len(left_out) >= 60
    assert {t["source"] for t in [*terms, *left_out]} <= set(collected["sources"])
    resolved = {t["term"]: getattr(vocabulary.resolve(t["term"]), "slug", None) for t in terms}
    assert resolved == {t["term"]: t["slug"] for t in terms}
    for term in left_out:
        assert vocabulary.resolve(term["term"]) is None and term["reason"].strip(), term


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = write_vocabulary(tmp_path, """\
        triggers:
          - slug: death
            label: Death
            description: Death and dying.
          - slug: grief
            label: Grief
            aliases: [bereavement, Grief]   # 'Grief' normalises to the slug: redundant, not an error
            parent: death
            description: Grieving someone.
    """)
    vocabulary = load_vocabulary(path)
    assert vocabulary.slugs == ("death", "grief")
    assert vocabulary.resolve("bereavement").parent == "death"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HarbourError, match=f"trigger vocabulary {tmp_path / 'nope.yml'} not found"):
        load_vocabulary(tmp_path / "nope.yml")


# Each case: the YAML, then the one problem it must give ({path} is the file written).
ONE_PROBLEM = {
    "yaml syntax": (
        """\
        triggers:
          - slug: grief
           label: Grief
        """,
        "{path}:3: not valid YAML (while parsing a block collection, expected <block end>, "
        "but found '<block mapping start>'); check the indentation and quoting around this line",
    ),
    "unclosed quote, reported where it opens": (
        """\
        triggers:
          - slug: grief
            label: "Grief
            description: Grieving someone.
          - slug: death
            label: Death
            description: Death and dying.
        """,
        "{path}:3: not valid YAML: a quoted text starts on this line and is never closed (found "
        "unexpected end of stream at line 8); close the quote on this line, and write a quote inside "
        "the text as \\\" within double quotes or as '' within single quotes",
    ),
    "empty file": (
        "",
        "{path}: the file is empty; the file must be a mapping with a 'triggers' list, "
        "as in 'triggers:' followed by '  - slug: ...'",
    ),
    "top level is a list": (
        """\
        - slug: grief
        """,
        "{path}:1: the file must be a mapping with a 'triggers' list, as in 'triggers:' followed by "
        "'  - slug: ...'; found a list",
    ),
    "misspelt triggers key": (
        """\
        trigger:
          - slug: grief
        """,
        "{path}:1: unknown top-level key 'trigger'; only 'triggers' is allowed; did you mean 'triggers'?",
    ),
    "triggers is not a list": (
        """\
        triggers: grief, loss
        """,
        "{path}:1: 'triggers' must be a list of entries, each starting with '- slug:'; "
        "found the text 'grief, loss'",
    ),
    "entry is not a mapping": (
        """\
        triggers:
          - grief
        """,
        "{path}:2: each entry must be a mapping with slug, label and description (as in '- slug: grief'); "
        "found the text 'grief'",
    ),
    "unknown key": (
        """\
        triggers:
          - slug: grief
            lable: Grief
            label: Grief
            description: Grieving.
        """,
        "{path}:3: unknown key 'lable' in 'grief'; allowed keys are slug, label, aliases, parent, "
        "description; did you mean 'label'?",
    ),
    "repeated key": (
        """\
        triggers:
          - slug: grief
            label: Grief
            description: Grieving.
            label: Loss
        """,
        "{path}:5: key 'label' appears twice in one entry (first on line 3); keep one",
    ),
    "missing label": (
        """\
        triggers:
          - slug: grief
            description: Grieving.
        """,
        "{path}:2: label of 'grief' is missing; every trigger needs a label "
        "(how the topic is shown to readers)",
    ),
    "empty description": (
        """\
        triggers:
          - slug: grief
            label: Grief
            description: "  "
        """,
        "{path}:4: description of 'grief' is empty; every trigger needs a description "
        "(one short, neutral sentence)",
    ),
    "missing slug": (
        """\
        triggers:
          - label: Grief
            description: Grieving.
        """,
        "{path}:2: slug of this entry is missing; every trigger needs a slug "
        "(what posts use: lower-case words joined by hyphens)",
    ),
    "slug not canonical": (
        """\
        triggers:
          - slug: Self Harm
            label: Self-harm
            description: Hurting yourself.
        """,
        "{path}:2: slug 'Self Harm' is not canonical: it must be lower-case letters and digits joined by "
        "single hyphens, like 'self-harm'; use 'self-harm'",
    ),
    "slug with an underscore": (
        """\
        triggers:
          - slug: self_harm
            label: Self-harm
            description: Hurting yourself.
        """,
        "{path}:2: slug 'self_harm' is not canonical: it must be lower-case letters and digits joined by "
        "single hyphens, like 'self-harm'; use 'self-harm'",
    ),
    "slug read as a number": (
        """\
        triggers:
          - slug: 1984
            label: Surveillance
            description: Being watched.
        """,
        "{path}:2: slug of this entry must be text, but YAML reads 1984 as a number; "
        'put it in quotes: "1984"',
    ),
    "duplicate slug": (
        """\
        triggers:
          - slug: grief
            label: Grief
            description: Grieving.
          - slug: grief
            label: Loss
            description: Losing someone.
        """,
        "{path}:5: slug 'grief' is used twice (first at line 2); each slug must be unique",
    ),
    "aliases not a list": (
        """\
        triggers:
          - slug: self-harm
            label: Self-harm
            aliases: sh, self injury
            description: Hurting yourself.
        """,
        "{path}:4: aliases of 'self-harm' must be a list, like [self harm, sh]; "
        "found the text 'sh, self injury'",
    ),
    "alias read as a yes/no value": (
        """\
        triggers:
          - slug: consent
            label: Consent
            aliases: [no]
            description: Saying yes or no.
        """,
        "{path}:4: alias no of 'consent' must be text, but YAML reads no as a yes/no value; "
        "put it in quotes: \"no\"",
    ),
    "alias claimed by two tags": (
        """\
        triggers:
          - slug: self-harm
            label: Self-harm
            aliases: [sh, self injury]
            description: Hurting yourself.
          - slug: sexual-harassment
            label: Sexual harassment
            aliases:
              - SH
            description: Unwanted sexual attention.
        """,
        "{path}:9: alias 'sh' of 'self-harm' (line 4) is also claimed by 'sexual-harassment' (line 9) "
        "as 'SH'; an alias must name exactly one tag",
    ),
    "alias equal to another tag's slug": (
        """\
        triggers:
          - slug: death
            label: Death
            aliases: [grief]
            description: Death and dying.
          - slug: grief
            label: Grief
            description: Grieving.
        """,
        "{path}:4: alias 'grief' of 'death' (line 4) is also the slug of 'grief' (line 6); "
        "an alias must name exactly one tag",
    ),
    "unknown parent": (
        """\
        triggers:
          - slug: death
            label: Death
            description: Death and dying.
          - slug: grief
            label: Grief
            parent: deaht
            description: Grieving.
        """,
        "{path}:7: parent 'deaht' of 'grief' is not a known slug; did you mean 'death'?",
    ),
    "parent written as an alias": (
        """\
        triggers:
          - slug: death
            label: Death
            aliases: [dying]
            description: Death and dying.
          - slug: grief
            label: Grief
            parent: Dying
            description: Grieving.
        """,
        "{path}:8: parent 'Dying' of 'grief' is not a known slug; "
        "a parent must be written as a slug: use 'death'",
    ),
    "own parent": (
        """\
        triggers:
          - slug: grief
            label: Grief
            parent: grief
            description: Grieving.
        """,
        "{path}:4: parents form a cycle: grief -> grief; a topic cannot be its own ancestor, "
        "so remove one of these parents",
    ),
}


@pytest.mark.parametrize(("text", "problem"), ONE_PROBLEM.values(), ids=ONE_PROBLEM.keys())
def test_load_vocabulary_names_file_line_and_value(tmp_path: Path, text: str, problem: str) -> None:
    path = write_vocabulary(tmp_path, text)
    assert problems_of(path) == [problem.format(path=path)]


def test_cycle_through_several_tags_is_named_once(tmp_path: Path) -> None:
    path = write_vocabulary(tmp_path, """\
        triggers:
          - slug: abuse
            label: Abuse
            parent: emotional-abuse
            description: Being harmed.
          - slug: emotional-abuse
            label: Emotional abuse
            parent: gaslighting
            description: Being belittled.
          - slug: gaslighting
            label: Gaslighting
            parent: abuse
            description: Being made to doubt yourself.
          - slug: coercive-control
            label: Coercive control
            parent: gaslighting
            description: Being controlled.
    """)
    assert problems_of(path) == [
        f"{path}:4: parents form a cycle: abuse -> emotional-abuse -> gaslighting -> abuse; "
        "a topic cannot be its own ancestor, so remove one of these parents"
    ]


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = write_vocabulary(tmp_path, """\
        triggers:
          - slug: Grief
            label: Grief
            description: Grieving.
          - slug: death
            lable: Death
            description: Death and dying.
          - slug: loss
            label: Loss
            parent: gref
            description: Losing someone.
    """)
    with pytest.raises(HarbourError) as raised:
        load_vocabulary(path)
    problems = raised.value.problems
    assert [problem.split(": ")[0] for problem in problems] == [
        f"{path}:2",  # slug not canonical
        f"{path}:6",  # unknown key 'lable'
        f"{path}:5",  # so the label is missing
        f"{path}:10",  # unknown parent
    ]
    assert str(raised.value).startswith("4 problems:\n  - ")


def test_entries_given_in_memory_are_named_by_position() -> None:
    with pytest.raises(HarbourError) as raised:
        vocabulary_from_entries(
            [entry("grief", aliases=["loss"]), entry("death", aliases=["Loss"], parent="x")]
        )
    assert raised.value.problems == [
        "<memory>, entry 2: alias 'loss' of 'grief' (entry 1) is also claimed by 'death' (entry 2) "
        "as 'Loss'; an alias must name exactly one tag",
        "<memory>, entry 2: parent 'x' of 'death' is not a known slug; "
        "add that topic to the vocabulary or fix the spelling",
    ]


# --- Inputs that would run away ------------------------------------------------------------------

def alias_bomb(where: str) -> str:
    """A vocabulary under 500 bytes whose aliases stand for 9**9 values ("billion laughs") under ``where``."""
    levels = "abcdefghi"
    lists = ["&a [" + ",".join(["lol"] * 9) + "]"]
    lists += [f"&{name} [" + ",".join([f"*{below}"] * 9) + "]" for below, name in zip(levels, levels[1:])]
    bomb = "[" + ", ".join(lists) + "]"
    entry_lines = ["  - slug: grief", "    label: Grief", "    description: Grieving."]
    if where == "top level":
        return f"laughs: {bomb}\ntriggers:\n" + "\n".join(entry_lines) + "\n"
    entry_lines = [line for line in entry_lines if not line.strip().startswith(f"{where}:")]
    return "triggers:\n" + "\n".join(entry_lines) + f"\n    {where}: {bomb}\n"


# Loads a vocabulary in a fresh interpreter with 1 GiB of memory at most, so that a loader that
# expands the aliases fails fast instead of eating the machine, and a timeout bounds the time.
LOAD_IN_SUBPROCESS = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
sys.path.insert(0, sys.argv[1])
from harbour.errors import HarbourError
from trigger_tags.vocabulary import load_vocabulary
try:
    load_vocabulary(sys.argv[2])
except HarbourError as error:
    print(error)
"""


@pytest.mark.parametrize(("where", "line"), [("aliases", 5), ("label", 4), ("top level", 1)])
def test_an_alias_bomb_is_refused_at_its_first_anchor_under_any_key(tmp_path: Path, where: str, line: int) -> None:
    import subprocess
    import sys

    path = write_vocabulary(tmp_path, alias_bomb(where))
    assert path.stat().st_size < 500
    loaded = subprocess.run(
        [sys.executable, "-c", LOAD_IN_SUBPROCESS, str(Path(__file__).parent.parent / "plugins"), str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert loaded.stderr == ""
    assert loaded.stdout == (
        f"{path}:{line}: YAML anchors and aliases (&a) are not allowed in the trigger vocabulary; "
        "write each value out in full\n"
    )


def test_an_alias_of_plain_text_is_refused_too(tmp_path: Path) -> None:
    path = write_vocabulary(tmp_path, """\
        triggers:
          - slug: grief
            label: &label Grief
            description: Grieving.
          - slug: loss
            label: Loss
            aliases: [*label]
            description: Losing.
    """)
    assert problems_of(path) == [
        f"{path}:3: YAML anchors and aliases (&label) are not allowed in the trigger vocabulary; "
        "write each value out in full"
    ]


def test_nesting_deeper_than_a_vocabulary_needs_is_one_error_not_a_recursion_error(tmp_path: Path) -> None:
    path = write_vocabulary(tmp_path, "triggers:\n" + "  - slug: grief\n    aliases: " + "[" * 400 + "]" * 400 + "\n")
    assert problems_of(path) == [
        f"{path}:3: lists or mappings nested more than 10 levels deep; a vocabulary needs five at most "
        "(a 'triggers' list of entries, each with a list of aliases)"
    ]
