"""The gate markup and the functions that keep warned text out of summaries and feeds."""

from __future__ import annotations


from content_warnings.gate import GateTag, Wording, render_gate
from content_warnings.html5 import strip_gates
from content_warnings.passages import feed_html, gate_summary, summary_without_gates

GRIEF = GateTag("grief", "Grief", ("death",))


def gate(inner: str = "<p>warned words</p>", **kwargs: object) -> str:
    options: dict = {"gate_id": "cw-passage-1", "kind": "passage", "tags": [GRIEF], "inner_html": inner}
    options.update(kwargs)
    return render_gate(**options)


def test_gate_body_is_hidden_unsnippeted_and_controlled_by_the_toggle() -> None:
    html = gate()
    # Nor indexed by the site search (plugins/site_search): words, metadata, filters, images.
    assert (
        '<div class="cw-body" id="cw-passage-1-body" hidden data-nosnippet data-pagefind-ignore="all">' in html
    )
    assert 'id="cw-passage-1-toggle" aria-controls="cw-passage-1-body"' in html
    assert '<label class="cw-show" for="cw-passage-1-toggle">' in html
    assert html.index("Show passage") < html.index("warned words")


def test_gate_toggle_belongs_to_a_form_that_browsers_never_restore() -> None:
    html = gate()
    assert '<form id="cw-passage-1-state" autocomplete="off" hidden></form>' in html
    toggle = html[html.index('<input class="cw-toggle"'):]
    toggle = toggle[:toggle.index(">") + 1]
    assert 'form="cw-passage-1-state"' in toggle and "autocomplete" not in toggle  # not allowed on a checkbox


def test_gate_carries_each_tag_with_its_ancestors_for_preferences() -> None:
    html = gate(tags=[GRIEF, GateTag("self-harm", "Self-harm")])
    assert 'data-cw-tags="grief, self-harm"' in html
    assert 'data-cw-chains="grief&gt;death self-harm"' in html


def test_gate_wording_and_note_are_escaped() -> None:
    html = gate(note="<b>Brief</b> mention", wording=Wording(label="Content warning", show="Open {kind}"))
    assert "<strong>Content warning:</strong> Grief" in html
    assert "&lt;b&gt;Brief&lt;/b&gt; mention" in html
    assert "Open passage" in html


def test_strip_gates_leaves_everything_else() -> None:
    html = "<p>before</p>" + gate() + "<p>after</p>" + gate(gate_id="cw-passage-2")
    assert strip_gates(html) == "<p>before</p><p>after</p>"


def test_summary_without_gates_never_contains_warned_words() -> None:
    html = gate("<p>" + "warned " * 60 + "</p>") + "<p>" + "safe " * 60 + "</p>"
    summary = summary_without_gates(html, 10, "…")
    assert "warned" not in summary and summary.count("safe") == 10


def test_feed_html_replaces_each_gate_with_its_warning_and_a_link() -> None:
    html = "<p>before</p>" + gate(note="Short, no detail.")
    out = feed_html(html, "https://blog.example.org/posts/x/")
    assert "warned words" not in out
    assert "<strong>Content note: Grief</strong> Short, no detail." in out
    assert 'href="https://blog.example.org/posts/x/#cw-passage-1"' in out


def test_gate_summary_is_the_warning() -> None:
    assert gate_summary([GRIEF], "A loss, briefly.") == "Content note: Grief. A loss, briefly."
