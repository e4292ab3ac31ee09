"""The controlled vocabulary of trigger tags: load and check ``triggers.yml``, and resolve what writers type.

Plain functions and classes, no Pelican: the plugin layer calls them and decides whether the problems
they return stop the build or only warn.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harbour.errors import HarbourError, did_you_mean, where

ALLOWED_KEYS = ("slug", "label", "aliases", "parent", "description")
REQUIRED_KEYS = ("slug", "label", "description")
# Used with fullmatch: "$" would accept a trailing newline.
SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
SUGGEST_CUTOFF = 0.6  # difflib's own default: below it, suggestions are mostly noise
SUGGEST_MARGIN = 0.85  # keep suggestions scoring at least this share of the best one
WORD_MATCH_SCORE = 0.8  # 'eating' is a whole word of 'eating-disorders': as good as a one-letter slip

# A warning prefix that writers carry over from social media ("TW: self harm", "cw - grief").
# It must be followed by a colon, a dash, a space or nothing, so that a tag like "twins" keeps its letters.
_PREFIX_RE = re.compile(
    r"^(?:trigger\s+warnings?|content\s+warnings?|content\s+notes?|tw|cw|cn)"
    r"(?:\s*[:/-]+\s*|\s+|$)"
)
_SEPARATORS_RE = re.compile(r"[\s_/\\-]+")
_APOSTROPHES_RE = re.compile(r"['\u2019\u02bc]")
_EDGE_PUNCTUATION_RE = re.compile(r"^[\W_]+|[\W_]+$")
_WHY = {
    "slug": "what posts use: lower-case words joined by hyphens",
    "label": "how the topic is shown to readers",
    "description": "one short, neutral sentence",
}


@dataclass(frozen=True)
class Trigger:
    """One topic of the vocabulary, as written in ``triggers.yml``."""

    slug: str
    label: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    description: str = ""


def normalise_tag(raw: str) -> str:
    """How tags compare: ``"TW: Self Harm"``, ``"self_harm"`` and ``"#self-harm"`` all read ``self-harm``.

    NFKC and casefold first, so full-width letters and ``ß``-like cases compare equal; then a leading
    warning prefix goes, ``&`` reads ``and``, apostrophes go, and any run of spaces, underscores,
    slashes or dashes (of any Unicode kind) becomes one hyphen.
    """
    text = unicodedata.normalize("NFKC", raw).casefold().strip()
    text = _EDGE_PUNCTUATION_RE.sub("", text)
    text = _PREFIX_RE.sub("", text)
    text = text.replace("&", " and ")
    text = _APOSTROPHES_RE.sub("", text)
    text = "".join("-" if unicodedata.category(char) == "Pd" else char for char in text)
    text = _SEPARATORS_RE.sub("-", text)
    return _EDGE_PUNCTUATION_RE.sub("", text)


def split_tags(value: str | Iterable[str] | None) -> list[str]:
    """The raw tags of a metadata value (``"grief, loss"``, or a list as Pelican may give); no empties."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


class Vocabulary:
    """The known trigger tags, looked up by slug or by anything that normalises to a slug or an alias.

    Build it with :func:`load_vocabulary` or :func:`vocabulary_from_entries`, which check the entries
    first; the constructor trusts them (unique slugs, known parents, no cycles, aliases naming one tag).
    """

    def __init__(self, triggers: Iterable[Trigger], source: str | Path = "<memory>") -> None:
        self.source = str(source)
        self._by_slug: dict[str, Trigger] = {trigger.slug: trigger for trigger in triggers}
        self._by_key: dict[str, str] = {}
        for trigger in self._by_slug.values():
            self._by_key[trigger.slug] = trigger.slug
            for alias in trigger.aliases:
                self._by_key.setdefault(normalise_tag(alias), trigger.slug)
        self._children: dict[str, list[str]] = {slug: [] for slug in self._by_slug}
        for trigger in self._by_slug.values():
            if trigger.parent is not None:
                self._children[trigger.parent].append(trigger.slug)
        labels = Counter(trigger.label for trigger in self._by_slug.values())
        self._by_label: dict[str, Trigger] = {
            trigger.label: trigger for trigger in self._by_slug.values() if labels[trigger.label] == 1
        }

    def __iter__(self) -> Iterator[Trigger]:
        return iter(self._by_slug.values())

    def __len__(self) -> int:
        return len(self._by_slug)

    def __contains__(self, slug: object) -> bool:
        return slug in self._by_slug

    def __repr__(self) -> str:
        return f"<Vocabulary of {len(self)} tags from {self.source}>"

    @property
    def slugs(self) -> tuple[str, ...]:
        """Every slug, in file order."""
        return tuple(self._by_slug)

    def get(self, slug: str) -> Trigger | None:
        """The tag with exactly this slug, or None."""
        return self._by_slug.get(slug)

    def named(self, value: str) -> Trigger | None:
        """The tag ``value`` names exactly: its slug, or else its label if no other tag has that label.

        A form's list of topics sends an option's label where the option has no value of its own;
        unlike :meth:`resolve`, nothing is normalised, so a choice is never mistaken for another.
        """
        return self._by_slug.get(value) or self._by_label.get(value)

    def resolve(self, raw: str) -> Trigger | None:
        """The tag ``raw`` names: a slug or alias, in any spelling that normalises to it; or None."""
        slug = self._by_key.get(normalise_tag(raw))
        return self._by_slug[slug] if slug else None

    def ancestors(self, slug: str) -> list[str]:
        """The parent of ``slug``, then its parent, up to a top-level tag. KeyError for an unknown slug."""
        found: list[str] = []
        parent = self._trigger(slug).parent
        while parent is not None:
            found.append(parent)
            parent = self._by_slug[parent].parent
        return found

    def children(self, slug: str) -> list[Trigger]:
        """The tags whose parent is ``slug``, in file order. KeyError for an unknown slug."""
        self._trigger(slug)
        return [self._by_slug[child] for child in self._children[slug]]

    def descendants(self, slug: str) -> list[Trigger]:
        """Children, grandchildren and so on: each child followed by its own descendants, in file order."""
        found: list[Trigger] = []
        for child in self.children(slug):
            found.append(child)
            found.extend(self.descendants(child.slug))
        return found

    def suggest(self, raw: str, n: int = 3) -> list[str]:
        """Up to ``n`` slugs close to ``raw``, best first, comparing against slugs, aliases and labels.

        Spelling slips ('self-ham', 'suicde') and a single word of a longer tag ('eating') both count.
        A clearly better match hides weaker ones, so 'suicde' suggests 'suicide' and not also 'sud'.
        """
        wanted = normalise_tag(raw)
        if not wanted:
            return []
        candidates: dict[str, str] = dict(self._by_key)
        for trigger in self:
            candidates.setdefault(normalise_tag(trigger.label), trigger.slug)
        scores: dict[str, float] = {}
        for key, slug in candidates.items():
            score = difflib.SequenceMatcher(None, wanted, key).ratio()
            if len(wanted) >= 3 and wanted in key.split("-"):
                score = max(score, WORD_MATCH_SCORE)
            if score >= SUGGEST_CUTOFF and score > scores.get(slug, 0.0):
                scores[slug] = score
        best = max(scores.values(), default=0.0)
        close = [slug for slug in scores if scores[slug] >= best * SUGGEST_MARGIN]
        return sorted(close, key=lambda slug: -scores[slug])[:n]

    def _trigger(self, slug: str) -> Trigger:
        try:
            return self._by_slug[slug]
        except KeyError:
            raise KeyError(f"no trigger tag with slug {slug!r} in {self.source}") from None


def resolve_tags(
    vocabulary: Vocabulary,
    raws: str | Iterable[str],
    *,
    source: str | Path,
    line: int | None = None,
    field: str = "Triggers",
) -> tuple[list[str], list[str]]:
    """Resolve the tags of one metadata field: (canonical slugs, in order and without repeats; problems).

    Never raises: callers collect the problems of every file, then raise one HarbourError or warn.
    """
    slugs: list[str] = []
    problems: list[str] = []
    for raw in split_tags(raws):
        trigger = vocabulary.resolve(raw)
        if trigger is not None:
            if trigger.slug not in slugs:
                slugs.append(trigger.slug)
            continue
        close = vocabulary.suggest(raw)
        if close:
            hint = "did you mean " + " or ".join(repr(slug) for slug in close) + "?"
        else:
            hint = f"see {vocabulary.source} for the known tags, or add it there"
        problems.append(f"unknown trigger tag {raw!r} in {where(source, line)} ({field}); {hint}")
    return slugs, problems


def load_vocabulary(path: str | Path) -> Vocabulary:
    """Read and check a ``triggers.yml``; every problem in it is listed in one HarbourError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HarbourError(
            f"trigger vocabulary {path} not found; create it (see content/triggers.yml in the project "
            "for the format) or point the setting at the right file"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise HarbourError(f"cannot read trigger vocabulary {path}: {error}") from None
    try:
        entries, problems = _entries_from_yaml(text, str(path))
    except yaml.YAMLError as error:
        entries, problems = [], [_yaml_problem(error, str(path))]
    return _build(entries, str(path), problems)


def vocabulary_from_entries(entries: list[dict[str, Any]], source: str | Path = "<memory>") -> Vocabulary:
    """A checked Vocabulary from plain dicts shaped like the entries of ``triggers.yml``."""
    problems: list[str] = []
    if not isinstance(entries, list):
        problems.append(f"{source}: 'triggers' must be a list of entries; found {_describe(entries)}")
        entries = []
    raw_entries = [
        _RawEntry(
            number=number,
            line=None,
            value=entry,
            fields={str(key): _Field(value) for key, value in entry.items()}
            if isinstance(entry, dict) else {},
        )
        for number, entry in enumerate(entries, start=1)
    ]
    return _build(raw_entries, str(source), problems)


# --- Reading and checking ------------------------------------------------------------------------

@dataclass
class _Field:
    """One value of an entry, with where it was written and its YAML text (for quoting hints)."""

    value: Any
    line: int | None = None
    text: str | None = None


@dataclass
class _RawEntry:
    """One item of the ``triggers`` list before checking; ``fields`` is empty when it is not a mapping."""

    number: int
    line: int | None
    value: Any
    fields: dict[str, _Field]


# The vocabulary is a mapping of a list of mappings of lists of text: five levels. Deeper
# nesting is a mistake, and refusing it early keeps the recursive composer from overflowing.
MAX_NESTING = 10


class _VocabularyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses anchors and aliases, and nesting deeper than :data:`MAX_NESTING`.

    Aliases let a few hundred bytes stand for billions of values ("billion laughs"): each
    check that looks into a value (an alias that is not text is shown in its message) would
    then run for minutes. Without aliases the composed nodes form a tree no larger than the
    text, so every later step is bounded by the file's size. A vocabulary never needs them:
    each tag's fields are its own.
    """

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text)
        self.source = source
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise HarbourError(
                f"{where(self.source, event.start_mark.line + 1)}: YAML anchors and aliases "
                f"({sign}{anchor}) are not allowed in the trigger vocabulary; write each value out in full"
            )
        if self.depth >= MAX_NESTING:
            raise HarbourError(
                f"{where(self.source, event.start_mark.line + 1)}: lists or mappings nested more than "
                f"{MAX_NESTING} levels deep; a vocabulary needs five at most (a 'triggers' list of "
                "entries, each with a list of aliases)"
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _compose(text: str, source: str) -> yaml.Node | None:
    loader = _VocabularyLoader(text, source)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _entries_from_yaml(text: str, source: str) -> tuple[list[_RawEntry], list[str]]:
    """The entries of a YAML text, with line numbers, and the problems of its overall shape."""
    root = _compose(text, source)
    shape = "the file must be a mapping with a 'triggers' list, as in 'triggers:' followed by '  - slug: ...'"
    if root is None:
        return [], [f"{source}: the file is empty; {shape}"]
    if not isinstance(root, yaml.MappingNode):
        return [], [f"{where(source, _line(root))}: {shape}; found {_describe(_construct(root))}"]

    problems: list[str] = []
    triggers: yaml.Node | None = None
    for key_node, value_node in root.value:
        key = _construct(key_node)
        if key == "triggers":
            triggers = value_node
        else:
            problems.append(
                f"{where(source, _line(key_node))}: unknown top-level key {key!r}; only 'triggers' is allowed"
                + did_you_mean(str(key), ["triggers"])
            )
    if triggers is None:
        if not problems:  # a misspelt 'triggers' has been reported already
            problems.append(f"{where(source, _line(root))}: no 'triggers' key; {shape}")
        return [], problems
    if not isinstance(triggers, yaml.SequenceNode):
        problems.append(
            f"{where(source, _line(triggers))}: 'triggers' must be a list of entries, each starting "
            f"with '- slug:'; found {_describe(_construct(triggers))}"
        )
        return [], problems

    entries: list[_RawEntry] = []
    for number, node in enumerate(triggers.value, start=1):
        fields: dict[str, _Field] = {}
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(_construct(key_node))
                if key in fields:
                    problems.append(
                        f"{where(source, _line(key_node))}: key {key!r} appears twice in one entry "
                        f"(first on line {fields[key].line}); keep one"
                    )
                    continue
                text = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
                fields[key] = _Field(_construct(value_node), _line(value_node), text)
                if isinstance(value_node, yaml.SequenceNode):
                    fields[key].value = [
                        _Field(_construct(item), _line(item),
                               item.value if isinstance(item, yaml.ScalarNode) else None)
                        for item in value_node.value
                    ]
        entries.append(_RawEntry(number=number, line=_line(node), value=_construct(node), fields=fields))
    return entries, problems


def _yaml_problem(error: yaml.YAMLError, source: str) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    opened = getattr(error, "context_mark", None)
    if context == "while scanning a quoted scalar" and opened is not None:
        # YAML notices an unclosed quote where it gives up (often the end of the file);
        # the writer's mistake is where the quote opens.
        ended = f" at line {mark.line + 1}" if mark is not None and mark.line != opened.line else ""
        return (
            f"{where(source, opened.line + 1)}: not valid YAML: a quoted text starts on this line and is "
            f"never closed ({reason}{ended}); close the quote on this line, and write a quote inside "
            "the text as \\\" within double quotes or as '' within single quotes"
        )
    detail = f"{context}, {reason}" if context else reason
    return (
        f"{where(source, mark.line + 1 if mark else None)}: not valid YAML ({detail}); "
        "check the indentation and quoting around this line"
    )


def _build(entries: list[_RawEntry], source: str, problems: list[str]) -> Vocabulary:
    """Check the entries as a whole and build the Vocabulary, or raise one HarbourError with every problem."""
    triggers: dict[str, Trigger] = {}
    entry_of: dict[str, _RawEntry] = {}

    for entry in entries:
        slug = _check_entry(entry, source, problems)
        if slug is None:
            continue
        if slug in triggers:
            problems.append(
                f"{_place(source, entry.fields['slug'].line, entry)}: slug {slug!r} is used twice "
                f"(first at {_ref(entry_of[slug])}); each slug must be unique"
            )
            continue
        fields = entry.fields
        parent = fields.get("parent", _Field(None)).value
        triggers[slug] = Trigger(
            slug=slug,
            label=_text(fields.get("label")),
            aliases=tuple(
                item.value.strip() for item in _alias_fields(fields) if isinstance(item.value, str)
            ),
            parent=parent.strip() if isinstance(parent, str) and parent.strip() else None,
            description=_text(fields.get("description")),
        )
        entry_of[slug] = entry

    _check_aliases(entry_of, source, problems)
    _check_parents(entry_of, triggers, source, problems)
    if problems:
        raise HarbourError(problems)
    return Vocabulary(triggers.values(), source)


def _check_entry(entry: _RawEntry, source: str, problems: list[str]) -> str | None:
    """Check one entry on its own; its slug when that is valid (the entry then joins the cross-checks)."""
    fields = entry.fields
    if not isinstance(entry.value, dict):
        problems.append(
            f"{_place(source, entry.line, entry)}: each entry must be a mapping with slug, label and "
            f"description (as in '- slug: grief'); found {_describe(entry.value)}"
        )
        return None

    slug_field = fields.get("slug")
    name = repr(slug_field.value) if slug_field and isinstance(slug_field.value, str) else "this entry"
    for key, field in fields.items():
        if key not in ALLOWED_KEYS:
            problems.append(
                f"{_place(source, field.line, entry)}: unknown key {key!r} in {name}; allowed keys are "
                + ", ".join(ALLOWED_KEYS) + did_you_mean(key, ALLOWED_KEYS)
            )

    for key in REQUIRED_KEYS:
        field = fields.get(key)
        if field is None or field.value is None or (isinstance(field.value, str) and not field.value.strip()):
            state = "is empty" if field is not None else "is missing"
            problems.append(
                f"{_place(source, field.line if field else entry.line, entry)}: {key} of {name} {state}; "
                f"every trigger needs a {key} ({_WHY[key]})"
            )
        elif not isinstance(field.value, str):
            problems.append(
                f"{_place(source, field.line, entry)}: {key} of {name} must be text, {_not_text(field)}"
            )
    if slug_field is None or not isinstance(slug_field.value, str) or not slug_field.value.strip():
        return None

    slug = slug_field.value
    if not SLUG_RE.fullmatch(slug) or normalise_tag(slug) != slug:
        canonical = normalise_tag(slug)
        hint = f"; use {canonical!r}" if canonical and SLUG_RE.fullmatch(canonical) else ""
        problems.append(
            f"{_place(source, slug_field.line, entry)}: slug {slug!r} is not canonical: it must be "
            f"lower-case letters and digits joined by single hyphens, like 'self-harm'{hint}"
        )
        return None

    aliases = fields.get("aliases")
    if aliases is not None and aliases.value is not None:
        if not isinstance(aliases.value, (list, tuple)):
            problems.append(
                f"{_place(source, aliases.line, entry)}: aliases of {slug!r} must be a list, like "
                f"[self harm, sh]; found {_describe(aliases.value)}"
            )
        else:
            for item in _alias_fields(fields):
                if not isinstance(item.value, str):
                    problems.append(
                        f"{_place(source, item.line, entry)}: alias {_shown(item)} of {slug!r} must be text, "
                        f"{_not_text(item)}"
                    )
                elif not normalise_tag(item.value):
                    problems.append(
                        f"{_place(source, item.line, entry)}: alias {item.value!r} of {slug!r} is empty once "
                        "normalised; remove it"
                    )

    parent = fields.get("parent")
    if parent is not None and parent.value is not None and not (
        isinstance(parent.value, str) and parent.value.strip()
    ):
        problems.append(
            f"{_place(source, parent.line, entry)}: parent of {slug!r} must be the slug of another trigger; "
            f"found {_describe(parent.value)}; leave 'parent' out for a top-level topic"
        )
    return slug


def _check_aliases(entry_of: dict[str, _RawEntry], source: str, problems: list[str]) -> None:
    """Each alias must lead to one tag: not to two, and not to another tag's slug."""
    claimed: dict[str, tuple[str, _RawEntry, _Field]] = {}
    for slug, entry in entry_of.items():
        seen_here: set[str] = set()
        for item in _alias_fields(entry.fields):
            if not isinstance(item.value, str):
                continue
            key = normalise_tag(item.value)
            # An alias that normalising already reaches, or one listed twice, is only redundant.
            if not key or key == slug or key in seen_here:
                continue
            seen_here.add(key)
            place = _place(source, item.line, entry)
            if key in entry_of:
                problems.append(
                    f"{place}: alias {item.value!r} of {slug!r} ({_ref(entry, item.line)}) is also the slug "
                    f"of {key!r} ({_ref(entry_of[key])}); an alias must name exactly one tag"
                )
            elif key in claimed:
                first_slug, first_entry, first = claimed[key]
                spelt = f" as {item.value!r}" if item.value != first.value else ""
                problems.append(
                    f"{place}: alias {first.value!r} of {first_slug!r} ({_ref(first_entry, first.line)}) "
                    f"is also claimed by {slug!r} ({_ref(entry, item.line)}){spelt}; "
                    "an alias must name exactly one tag"
                )
            else:
                claimed[key] = (slug, entry, item)


def _check_parents(
    entry_of: dict[str, _RawEntry], triggers: dict[str, Trigger], source: str, problems: list[str]
) -> None:
    """Every parent must be a known slug, and following parents must never come back round."""
    for slug, entry in entry_of.items():
        parent = triggers[slug].parent
        if parent is None or parent in triggers:
            continue
        field = entry.fields["parent"]
        meant = _meant(parent, triggers)
        if meant is not None:
            hint = f"; a parent must be written as a slug: use {meant!r}"
        else:
            hint = did_you_mean(parent, triggers) or "; add that topic to the vocabulary or fix the spelling"
        problems.append(
            f"{_place(source, field.line, entry)}: parent {parent!r} of {slug!r} is not a known slug{hint}"
        )

    reported: set[frozenset[str]] = set()
    for start in entry_of:
        path: list[str] = []
        current: str | None = start
        while current is not None and current in triggers and current not in path:
            path.append(current)
            current = triggers[current].parent
        if current is None or current not in path:
            continue
        cycle = path[path.index(current):]
        if frozenset(cycle) in reported:
            continue
        reported.add(frozenset(cycle))
        shown = " -> ".join([*cycle, cycle[0]])
        entry = entry_of[cycle[0]]
        problems.append(
            f"{_place(source, entry.fields['parent'].line, entry)}: parents form a cycle: {shown}; "
            "a topic cannot be its own ancestor, so remove one of these parents"
        )


# --- Small helpers -------------------------------------------------------------------------------

def _alias_fields(fields: dict[str, _Field]) -> list[_Field]:
    """The alias items of an entry as fields, whether read from YAML (with lines) or given as plain values."""
    aliases = fields.get("aliases")
    if aliases is None or not isinstance(aliases.value, (list, tuple)):
        return []
    return [item if isinstance(item, _Field) else _Field(item) for item in aliases.value]


def _place(source: str, line: int | None, entry: _RawEntry) -> str:
    """``path:line`` when the line is known, else the entry's position (for entries given in memory)."""
    return where(source, line) if line else f"{source}, entry {entry.number}"


def _ref(entry: _RawEntry, line: int | None = None) -> str:
    """``line 7`` (or ``entry 3`` for entries given in memory): a second place named inside a message."""
    line = line or entry.line
    return f"line {line}" if line else f"entry {entry.number}"


def _meant(parent: str, triggers: dict[str, Trigger]) -> str | None:
    """The slug a parent written as an alias or a loose spelling ('Eating Disorders', 'ED') stands for."""
    key = normalise_tag(parent)
    if key in triggers:
        return key
    for trigger in triggers.values():
        if any(normalise_tag(alias) == key for alias in trigger.aliases):
            return trigger.slug
    return None


def _text(field: _Field | None) -> str:
    """A text field's value, or '' when it is missing or not text (already reported)."""
    return field.value.strip() if field is not None and isinstance(field.value, str) else ""


def _shown(field: _Field) -> str:
    return field.text if field.text is not None else repr(field.value)


def _not_text(field: _Field) -> str:
    """The end of a 'must be text' message. YAML reads ``no`` as False and ``2020`` as a number: say so."""
    if field.text:
        kinds = {bool: "a yes/no value", int: "a number", float: "a number", type(None): "empty (null)"}
        kind = kinds.get(type(field.value), "a date" if isinstance(field.value, dt.date) else "not text")
        return f'but YAML reads {field.text} as {kind}; put it in quotes: "{field.text}"'
    return f"found {_describe(field.value)}"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _construct(node: yaml.Node) -> Any:
    """The Python value of one YAML node, built the way ``yaml.safe_load`` would."""
    return yaml.SafeLoader("").construct_object(node, deep=True)
