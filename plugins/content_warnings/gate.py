"""The gate: the markup that keeps warned text hidden until the reader chooses to see it.

One gate serves a whole post, a warned passage and a warned comment. Its body carries the
``hidden`` attribute, so without CSS and without JavaScript it is not rendered, not read
by screen readers, not found by find-in-page and not opened by a #fragment or a text
fragment link. A visually hidden checkbox and its label let a reader without JavaScript
open it all the same (site.css shows the body when the box is checked); with JavaScript,
warnings.js turns them into a disclosure button (WAI-ARIA pattern).

Feeds and summaries find gates as elements of the parsed page (``div.cw``, see html5.py),
never by patterns in its text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from content_warnings.html5 import balanced

# The site search (plugins/site_search) leaves a gate's whole body out of its index: its words,
# and any title, image, metadata or filter Pagefind would otherwise take from it.
SEARCH_IGNORED = ' data-pagefind-ignore="all"'


@dataclass(frozen=True)
class Wording:
    """What the gate says; configurable in CONTENT_WARNINGS."""

    label: str = "Content note"
    show: str = "Show {kind}"
    hide: str = "Hide {kind}"


@dataclass(frozen=True)
class GateTag:
    """A trigger tag as a gate shows it: its slug, its label and its ancestors' slugs."""

    slug: str
    label: str
    ancestors: tuple[str, ...] = ()


def render_gate(
    *,
    gate_id: str,
    kind: str,
    tags: Sequence[GateTag],
    inner_html: str,
    note: str = "",
    wording: Wording = Wording(),
    tags_url: Callable[[str], str] | None = None,
) -> str:
    """The gate markup around ``inner_html`` (already safe HTML).

    ``inner_html`` goes in as the browser's parser reads it, so nothing in it, a stray end tag
    or an unclosed element, can close the hidden body early or reach past it.
    """
    gid = escape(gate_id)
    inner_html = balanced(inner_html)
    names = ", ".join(
        f'<a href="{escape(tags_url(t.slug))}">{escape(t.label)}</a>' if tags_url else escape(t.label)
        for t in tags
    )
    # Each tag with its ancestors ("suicidal-thoughts>suicide"), for readers' preferences.
    chains = " ".join(">".join((t.slug, *t.ancestors)) for t in tags)
    show, hide = escape(wording.show.format(kind=kind)), escape(wording.hide.format(kind=kind))
    note_html = f'\n<p class="cw-note">{escape(note)}</p>' if note else ""
    return (
        f'<div class="cw cw--{escape(kind)}" id="{gid}" data-cw-kind="{escape(kind)}"'
        f' data-cw-tags="{escape(", ".join(t.slug for t in tags))}" data-cw-chains="{escape(chains)}">\n'
        # The checkbox belongs to an empty form that says autocomplete="off" (the attribute itself
        # is not allowed on a checkbox): browsers then never restore its checked state on reload
        # or Back, so a gate opened without JavaScript is closed again whenever the page loads.
        f'<form id="{gid}-state" autocomplete="off" hidden></form>\n'
        f'<input class="cw-toggle" type="checkbox" id="{gid}-toggle" aria-controls="{gid}-body" form="{gid}-state">\n'
        f'<div class="cw-notice">\n'
        f'<p class="cw-label"><strong>{escape(wording.label)}:</strong> {names}</p>{note_html}\n'
        f'<label class="cw-show" for="{gid}-toggle">'
        f'<span class="cw-show__open">{show}</span><span class="cw-show__close">{hide}</span></label>\n'
        f"</div>\n"
        f'<div class="cw-body" id="{gid}-body" hidden data-nosnippet{SEARCH_IGNORED}>\n{inner_html}\n</div>\n'
        f"</div>"
    )
