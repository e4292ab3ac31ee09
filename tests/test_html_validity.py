"""Every page of the example site passes the W3C Nu HTML Checker (vnu.jar) with no error.

The checker runs on Java: without it these tests skip, except in CI (CI=true) where they fail.
Warnings are reported (in pytest's warnings summary) and do not fail.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from conftest import IN_CI
from harbour.html_check import JAVA_INSTALL_HINT, check_html, java, summary


@pytest.fixture(scope="module", autouse=True)
def java_present() -> None:
    if java() is None:
        message = f"the Nu HTML Checker runs on Java, and there is no java command: {JAVA_INSTALL_HINT}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def test_every_page_of_the_example_site_is_valid_html(dev_site: Path, publish_site: Path) -> None:
    # Both builds in one run of the checker (Java is slow to start): the preview and the
    # published site differ in their heads (absolute URLs, feed links) and in drafts.
    sites = {"dev": dev_site, "publish": publish_site}
    pages = sum(len(list(site.rglob("*.html"))) for site in sites.values())
    assert pages > 100, "the example site should have been built"
    messages = check_html(list(sites.values()), root=dev_site.parent.parent)
    errors = [m for m in messages if m.kind == "error"]
    if any(m.kind == "warning" for m in messages):
        warnings.warn(f"Nu HTML Checker warnings on the example site:\n{summary(messages, 'warning')}",
                      stacklevel=1)
    if errors:
        pytest.fail(f"{len(errors)} errors in {pages} pages:\n" + "\n".join(map(str, errors)), pytrace=False)


def test_the_checker_names_the_file_and_line_of_each_error(tmp_path: Path) -> None:
    (tmp_path / "good.html").write_text(
        '<!doctype html><html lang="en"><title>Fine</title><p>Fine.</p></html>', encoding="utf-8")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "bad.html").write_text(
        '<!doctype html>\n<html lang="en">\n<title>Bad</title>\n'
        '<input type="checkbox" autocomplete="off">\n<p id="a">x</p><p id="a">y</p>\n</html>\n',
        encoding="utf-8")
    (tmp_path / "notes.txt").write_text("<p>not a page", encoding="utf-8")

    messages = check_html([tmp_path], root=tmp_path)

    errors = [m for m in messages if m.kind == "error"]
    assert {(m.path, m.line) for m in errors} == {("pages/bad.html", 4), ("pages/bad.html", 5)}
    assert any("autocomplete" in m.text for m in errors)
    assert str(errors[0]).startswith("pages/bad.html:4: error: ")
