"""Pelican side of trigger tags: the vocabulary, each post's tags, and the pages readers browse.

A post's trigger tags are its ``Triggers`` plus its ``Content-Warnings`` plus the tags of
its warned passages. They are validated against the site's vocabulary, and drive the
trigger pages, the listings' data attributes and each reader's preferences.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator

from harbour.errors import HarbourError
from harbour.plugins import all_articles, enabled_plugins, when_enabled
from harbour.sources import metadata_line, project_path, read_lines
from harbour.settings import Option, choice, plugin_settings, text
from trigger_tags.vocabulary import Trigger, Vocabulary, load_vocabulary, resolve_tags, split_tags

logger = logging.getLogger(__name__)


def _folder_url(value: Any) -> str | None:
    if isinstance(value, str) and value.endswith("/") and not value.startswith("/") and "//" not in value:
        return None
    return "expected a folder path like 'triggers/' (no leading slash, with a trailing one)"


SCHEMA = {
    "vocabulary": Option("triggers.yml", "the vocabulary file, relative to the content folder", text),
    "unknown_tags": Option(
        "error", "what an unknown trigger tag in a post does: stop the build, or only warn", choice("error", "warn")
    ),
    "url": Option("triggers/", "where the trigger tag pages live", _folder_url),
    "preferences_url": Option("preferences/", "where the reading preferences page lives", _folder_url),
}

_vocabularies: dict[tuple[str, float], Vocabulary] = {}


def trigger_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    return plugin_settings(settings, "TRIGGER_TAGS", SCHEMA)


def vocabulary_path(settings: Mapping[str, Any]) -> Path:
    return Path(settings["PATH"]) / trigger_settings(settings)["vocabulary"]


def site_vocabulary(settings: Mapping[str, Any]) -> Vocabulary:
    """The site's vocabulary, read once per version of the file."""
    path = vocabulary_path(settings)
    key = (str(path), path.stat().st_mtime if path.exists() else 0.0)
    if key not in _vocabularies:
        _vocabularies[key] = load_vocabulary(path)
    return _vocabularies[key]


def unknown_tag_policy(settings: Mapping[str, Any], problems: list[str]) -> None:
    """Raise every problem, or only log unknown tags when the writer asked for warnings."""
    if trigger_settings(settings)["unknown_tags"] == "warn":
        for problem in [p for p in problems if p.startswith("unknown trigger tag")]:
            logger.warning("%s", problem)
        problems = [p for p in problems if not p.startswith("unknown trigger tag")]
    if problems:
        raise HarbourError(problems)


def trigger_list(vocabulary: Vocabulary, slugs: Iterable[str]) -> str:
    """Space-separated slugs with all their ancestors: hiding a parent hides its children."""
    out: list[str] = []
    for slug in slugs:
        for s in (slug, *vocabulary.ancestors(slug)):
            if s not in out:
                out.append(s)
    return " ".join(out)


def post_trigger_tags(
    content: Any, vocabulary: Vocabulary, settings: Mapping[str, Any]
) -> tuple[list[str], list[str]]:
    """The post's trigger tags (Triggers ∪ Content-Warnings ∪ passages) and any problems."""
    shown = project_path(settings, content.source_path)
    lines = read_lines(content.source_path)
    raw = content.metadata.get("triggers")
    slugs, problems = resolve_tags(
        vocabulary, split_tags(raw or ""), source=shown,
        line=metadata_line(lines, "Triggers") if raw else None, field="Triggers",
    )
    # Gated tags were resolved (and reported) by content_warnings, when it is on.
    gated = getattr(content, "cw_tags", None)
    if gated is None and content.metadata.get("content-warnings"):
        gated, more = resolve_tags(
            vocabulary, split_tags(content.metadata["content-warnings"]), source=shown,
            line=metadata_line(lines, "Content-Warnings"), field="Content-Warnings",
        )
        problems += more
    return slugs + [s for s in gated or [] if s not in slugs], problems


# --- Signal handlers ------------------------------------------------------------------

@when_enabled("trigger_tags")
def configure(pelican: Any) -> None:
    """At ``initialized``: check the settings and the vocabulary, so mistakes stop the build early."""
    pelican.settings["TRIGGER_TAGS"] = trigger_settings(pelican.settings)
    path = vocabulary_path(pelican.settings)
    if not path.exists():
        raise HarbourError(
            f"the trigger vocabulary {path} does not exist; create it (see README: Trigger tags) "
            "or set TRIGGER_TAGS['vocabulary'] to its path inside the content folder"
        )
    site_vocabulary(pelican.settings)


@when_enabled("trigger_tags")
def annotate_articles(generator: Any) -> None:
    """At ``article_generator_finalized``: give every post its trigger tags."""
    annotate(generator.settings, all_articles(generator))


@when_enabled("trigger_tags")
def annotate_pages(generator: Any) -> None:
    """At ``page_generator_finalized``: pages' Triggers are checked the same way."""
    annotate(generator.settings, [*generator.pages, *generator.hidden_pages, *getattr(generator, "draft_pages", [])])


def annotate(settings: Mapping[str, Any], contents: Iterable[Any]) -> None:
    vocabulary = site_vocabulary(settings)
    problems: list[str] = []
    warnings_on = "content_warnings" in enabled_plugins(settings)
    for content in contents:
        slugs, more = post_trigger_tags(content, vocabulary, settings)
        problems += more
        if not warnings_on:
            problems += ungated_warnings(content, settings)
        content.trigger_tags = [vocabulary.get(s) for s in slugs]
        content.trigger_list = trigger_list(vocabulary, slugs)
        content.trigger_names = ", ".join(t.label for t in content.trigger_tags)
    unknown_tag_policy(settings, problems)


def ungated_warnings(content: Any, settings: Mapping[str, Any]) -> list[str]:
    """Warnings written in a post that nothing would gate, because content_warnings is off."""
    from content_warnings.markdown_ext import find_passages

    used = []
    if "content-warnings" in content.metadata:
        used.append("Content-Warnings")
    if find_passages("\n".join(read_lines(content.source_path))):
        used.append("!!! cw")
    if not used:
        return []
    shown = project_path(settings, content.source_path)
    return [
        f"{shown} uses {' and '.join(used)}, but the content_warnings plugin is off, so its warned text "
        "would show unwarned: add 'content_warnings' to PLUGINS in pelicanconf.py"
    ]


class TriggerPagesGenerator(Generator):
    """Writes /triggers/, /triggers/<slug>/ and the reading preferences page."""

    def generate_context(self) -> None:
        self.context["TRIGGER_VOCABULARY"] = site_vocabulary(self.settings)

    def generate_output(self, writer: Any) -> None:
        vocabulary = self.context["TRIGGER_VOCABULARY"]
        options = trigger_settings(self.settings)
        articles = self.context.get("articles", [])
        by_tag: dict[str, list[Any]] = {t.slug: [] for t in vocabulary}
        for article in articles:
            for trigger in getattr(article, "trigger_tags", []):
                by_tag[trigger.slug].append(article)
        entries = [TriggerEntry(t, vocabulary, by_tag, options["url"]) for t in vocabulary]
        common = {"trigger_entries": entries, "TRIGGERS_URL": options["url"],
                  "PREFERENCES_URL": options["preferences_url"]}
        writer.write_file(
            options["url"] + "index.html", self.get_template("triggers"), self.context,
            page_name="triggers", **common,
        )
        for entry in entries:
            writer.write_file(
                entry.url + "index.html", self.get_template("trigger"), self.context,
                page_name="trigger", trigger=entry, articles=entry.articles, **common,
            )
        writer.write_file(
            options["preferences_url"] + "index.html", self.get_template("preferences"), self.context,
            page_name="preferences", **common,
        )


class TriggerEntry:
    """One trigger tag as its pages show it."""

    def __init__(self, trigger: Trigger, vocabulary: Vocabulary, by_tag: Mapping[str, list[Any]], base: str):
        self.slug, self.label, self.description = trigger.slug, trigger.label, trigger.description
        self.aliases = trigger.aliases
        self.url = f"{base}{trigger.slug}/"
        self.parent = vocabulary.get(trigger.parent) if trigger.parent else None
        self.parent_url = f"{base}{trigger.parent}/" if trigger.parent else None
        self.children = [(c.label, f"{base}{c.slug}/") for c in vocabulary.children(trigger.slug)]
        self.depth = len(vocabulary.ancestors(trigger.slug))
        # A broader topic's page lists the posts of its narrower topics too, as hiding it hides them.
        topics = [trigger.slug, *(d.slug for d in vocabulary.descendants(trigger.slug))]
        posts = {id(a): a for slug in topics for a in by_tag[slug]}
        self.articles = sorted(posts.values(), key=lambda a: a.date, reverse=True)
        self.trigger_list = trigger_list(vocabulary, [trigger.slug])


@when_enabled("trigger_tags")
def provide_generator(pelican: Any) -> type[Generator]:
    return TriggerPagesGenerator


def register() -> None:
    signals.initialized.connect(configure)
    signals.article_generator_finalized.connect(annotate_articles)
    signals.page_generator_finalized.connect(annotate_pages)
    signals.get_generators.connect(provide_generator)
