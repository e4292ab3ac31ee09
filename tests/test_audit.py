"""`invoke audit`'s plain functions: the pages it audits and how it reads Lighthouse's and pa11y's reports.

Lighthouse itself is too slow for the suite (about 30 s a page); `python3 dev.py audit` runs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harbour import audit
from harbour.audit import (
    CATEGORIES, audit_pages, install_node_tools, lighthouse_scores, lighthouse_shortfalls, median_scores,
    pa11y_issues,
)
from harbour.errors import HarbourError


def lighthouse_report(**scores: float) -> dict:
    """A Lighthouse JSON report cut down to what the audit reads: a score of 1 unless given."""
    refs = [{"id": "unweighted", "weight": 0}]
    categories = {name: {"score": scores.get(name.replace("-", "_"), 1),
                         "auditRefs": [{"id": f"{name}-audit", "weight": 1}, *refs]}
                  for name in CATEGORIES}
    audits = {f"{name}-audit": {"title": f"The {name} audit", "score": scores.get(name.replace("-", "_"), 1),
                                "displayValue": "2.3 s"} for name in CATEGORIES}
    audits["unweighted"] = {"title": "Informative", "score": 0}
    return {"categories": categories, "audits": audits}


def test_the_audited_pages_are_home_a_post_a_gated_post_preferences_and_search(dev_site: Path) -> None:
    pages = dict(audit_pages(dev_site))
    assert pages["home"] == "/" and pages["preferences"] == "/preferences/"
    assert pages["article"].startswith("/posts/") and pages["gated article"].startswith("/posts/")
    assert pages["article"] != pages["gated article"]
    assert ("search" in pages) == (dev_site / "search" / "index.html").is_file()
    assert list(pages)[:3] == ["home", "article", "gated article"]


def test_lighthouse_scores_are_out_of_100_as_lighthouse_shows_them() -> None:
    report = lighthouse_report(performance=0.88, seo=0.995)
    assert lighthouse_scores(report) == {
        "performance": 88, "accessibility": 100, "best-practices": 100, "seo": 100,
    }
    # A category Lighthouse could not score (null) counts as 0, never as passed.
    report["categories"]["accessibility"]["score"] = None
    assert lighthouse_scores(report)["accessibility"] == 0
    assert lighthouse_scores({})["performance"] == 0


def test_lighthouse_shortfalls_name_the_weighted_audits_that_cost_points() -> None:
    report = lighthouse_report(performance=0.5, seo=0.63)
    assert lighthouse_shortfalls(report) == [
        "performance: The performance audit (2.3 s)", "seo: The seo audit (2.3 s)",
    ]
    assert lighthouse_shortfalls(lighthouse_report()) == []


def test_a_page_below_100_is_scored_by_the_median_of_its_runs() -> None:
    runs = [lighthouse_scores(lighthouse_report(performance=p)) for p in (0.88, 1, 1)]
    assert median_scores(runs)["performance"] == 100
    runs = [lighthouse_scores(lighthouse_report(performance=p)) for p in (0.88, 0.9, 1)]
    assert median_scores(runs)["performance"] == 90


def test_pa11y_issues_keep_code_message_and_place_and_know_its_own_mistakes() -> None:
    report = json.loads("""[
      {"code": "WCAG2AA.Principle3.Guideline3_2.3_2_2.H32.2", "type": "error", "typeCode": 1,
       "message": "This form does not contain a submit button.", "selector": "#prefs", "context": "<form>"},
      {"code": "WCAG2AA.Principle1.Guideline1_3.1_3_5.H98", "type": "error", "typeCode": 1,
       "message": "Invalid autocomplete value: url. Element does not belong to Url control group.",
       "selector": "#comment-url", "context": "<input type=url>"},
      {"code": "WCAG2AA.Principle1.Guideline1_3.1_3_5.H98", "type": "error", "typeCode": 1,
       "message": "Invalid autocomplete value: nickname-ish.", "selector": "#name", "context": "<input>"}
    ]""")
    form, url, name = pa11y_issues(report)
    assert str(form) == ("error: This form does not contain a submit button. "
                         "[WCAG2AA.Principle3.Guideline3_2.3_2_2.H32.2] at #prefs")
    assert not form.false_positive
    assert "issue #325" in url.false_positive
    assert not name.false_positive  # the same rule on another value is real


def test_without_node_the_audit_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(audit.shutil, "which", lambda name: None)
    with pytest.raises(HarbourError, match="no node or npm: install Node.js 20 or newer"):
        install_node_tools(tmp_path, say=lambda line: None)


def test_the_npm_packages_are_pinned_exactly_and_never_download_a_browser() -> None:
    folder = audit.TOOLS
    package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((folder / "package-lock.json").read_text(encoding="utf-8"))
    assert set(package["dependencies"]) == {"lighthouse", "pa11y"}
    for name, version in package["dependencies"].items():
        assert version[0].isdigit(), f"{name} is not pinned to one version: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert "skipDownload: true" in (folder / ".puppeteerrc.cjs").read_text(encoding="utf-8")
    assert "/tools/audit/node_modules/" in (Path(__file__).parent.parent / ".gitignore").read_text()


@pytest.mark.parametrize(("performances", "passes", "said"), [
    ([1], True, ["home (/): performance 100, accessibility 100, best-practices 100, seo 100"]),
    ([0.88, 1, 1], True, ["home (/): performance 100, accessibility 100, best-practices 100, seo 100"
                          " (median of 3 runs)"]),
    ([0.88, 0.9, 1], False, [
        "home (/): performance 90, accessibility 100, best-practices 100, seo 100 (median of 3 runs)",
        "  Lighthouse: performance: The performance audit (2.3 s)",
    ]),
])
def test_a_page_passes_when_every_median_score_is_100(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, performances: list[float], passes: bool, said: list[str]
) -> None:
    reports = iter(lighthouse_report(performance=p) for p in performances)
    monkeypatch.setattr(audit, "_lighthouse", lambda commands, url, report: next(reports))
    lines: list[str] = []
    assert audit._lighthouse_page(tmp_path, "http://127.0.0.1:1", "home", "/", tmp_path / "r.json",
                                  lines.append) is passes
    assert lines == said
    assert next(reports, None) is None, "each run asked for is used"
