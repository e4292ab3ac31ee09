"""axe-core (through axe-playwright-python) finds no WCAG 2.2 AA violation, in light or dark mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pages_to_check(dev_site: Path) -> dict[str, str]:
    article = sorted(dev_site.glob("posts/*/*/*/index.html"))[-1]
    tag = sorted(dev_site.glob("tag/*/index.html"))[0]
    return {
        "index": "/",
        "article": "/" + str(article.parent.relative_to(dev_site)) + "/",
        "tag": "/" + str(tag.parent.relative_to(dev_site)) + "/",
        "tags": "/tags/",
        "archives": "/archives/",
        "404": "/404.html",
        "page": "/support/",
        "gated post": "/posts/2024/03/a-harder-week/",
        "passage": "/posts/2025/03/bringing-grief-into-the-room/",
        "trigger tags": "/triggers/",
        "trigger tag": "/triggers/grief/",
        "preferences": "/preferences/",
    }


@pytest.fixture(scope="module")
def axe() -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}" for node in v["nodes"][:5]]
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_wcag_aa_violations(open_browser_page: Any, dev_site: Path, axe: Any, scheme: str) -> None:
    visit = open_browser_page(color_scheme=scheme)
    failures = {}
    for name, path in pages_to_check(dev_site).items():
        visit.open(path)
        results = axe.run(visit.page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        violations = results.response["violations"]
        if violations:
            failures[name] = describe(violations)
    assert not failures, "\n".join(f"[{scheme}] {name}:\n{text}" for name, text in failures.items())
    # Every page above also loaded with no console error, no failed request and nothing off-site.
    assert visit.console_errors == []
    assert visit.failed_requests == []
    assert visit.offsite_requests == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_open_gates_and_hidden_post_notices_have_no_violations(
    open_browser_page: Any, axe: Any, scheme: str
) -> None:
    visit = open_browser_page(color_scheme=scheme)
    page = visit.page
    visit.open("/posts/2024/03/a-harder-week/")
    page.get_by_role("button", name="Show post").click()
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert not results.response["violations"], describe(results.response["violations"])
    visit.open("/preferences/")
    page.locator('fieldset[data-slug="self-harm"] input[value="hide"]').check()
    visit.open("/posts/2024/03/a-harder-week/")
    assert page.locator(".prefs-hidden-post").is_visible()
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert not results.response["violations"], describe(results.response["violations"])
