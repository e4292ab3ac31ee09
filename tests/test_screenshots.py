"""`invoke screenshots`: the example site's pages drawn by Chromium into PNG files."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from harbour.screenshots import Shot, site_shots, take_screenshots

pytestmark = pytest.mark.browser

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header; fails on anything that is not a PNG."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_example_site_has_every_kind_of_page_to_take(dev_site: Path) -> None:
    shots, notes = site_shots(dev_site)
    by_name = {shot.name: shot for shot in shots}
    assert {"index", "article", "gated-article-closed", "gated-article-open", "comments", "preferences",
            "topics"} <= set(by_name)
    opened = by_name["gated-article-open"]
    assert opened.open_gate and opened.path == by_name["gated-article-closed"].path
    assert "cw-post" not in (dev_site / by_name["article"].path.strip("/") / "index.html").read_text()
    assert by_name["comments"].element == "#comments"
    # The search page comes with the site search; until then a note says it was left out.
    assert ("search" in by_name) != any("/search/" in note for note in notes)


def test_screenshots_of_every_page_are_real_pngs_at_the_width_asked(
    dev_site: Path, tmp_path: Path, browser: Any
) -> None:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    (folder / "gone-375-dark.png").write_bytes(PNG_SIGNATURE)  # an earlier run's page, since removed
    lines: list[str] = []

    written = take_screenshots(dev_site, folder, widths=[375], schemes=["dark"], say=lines.append,
                               browser=browser)

    shots, _ = site_shots(dev_site)
    assert sorted(written) == sorted(folder / f"{shot.name}-375-dark.png" for shot in shots)
    assert sorted(folder.iterdir()) == sorted(written)
    assert len(lines) >= len(written)
    for shot in shots:
        path = folder / f"{shot.name}-375-dark.png"
        width, height = png_size(path)
        # A page is as wide as the window; an element (the comments) as wide as it is drawn.
        assert width == 375 if not shot.element else 250 < width <= 375, f"{path.name}: {width} px wide"
        size = path.stat().st_size
        assert height >= 300 and size > 10_000, f"{path.name}: {height} px high, {size} bytes"
    closed, opened = folder / "gated-article-closed-375-dark.png", folder / "gated-article-open-375-dark.png"
    assert png_size(opened)[1] > png_size(closed)[1], "the opened gate shows the post, so the page grows"


def test_screenshots_refuse_a_folder_without_a_site(tmp_path: Path) -> None:
    from harbour.errors import HarbourError

    with pytest.raises(HarbourError, match="no built site"):
        take_screenshots(tmp_path, tmp_path / "shots", shots=[Shot("index", "/")])


@pytest.mark.parametrize(("widths", "schemes", "problem"), [
    ("1280,wide", "light", "--widths: 'wide' is not a width"),
    ("90", "light", "--widths: '90' is not a width"),
    ("375", "sepia", "--schemes: 'sepia' is not a colour scheme"),
    ("", "dark", "need at least one value"),
])
def test_the_tasks_sizes_are_checked_with_a_clear_message(widths: str, schemes: str, problem: str) -> None:
    from harbour.errors import HarbourError
    from harbour.screenshots import parse_sizes

    with pytest.raises(HarbourError, match=problem):
        parse_sizes(widths, schemes)
    assert parse_sizes(" 375 ,1280", "dark") == ([375, 1280], ["dark"])
