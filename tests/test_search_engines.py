"""sitemap.xml, robots.txt and the "do not index" setting (plugins/search_engines), on real builds."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import DEV_SETTINGS, PUBLISH_SETTINGS, build_into, write_site
from harbour.errors import HarbourError
from search_engines import robots_txt, sitemap_entries, sitemap_xml

SITE = "https://still-here.example.org"
LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
GATED_MARKER = "zebraquartzmarker"


def post(title: str, slug: str, date: str, extra: str = "", body: str = "Words anyone may read.") -> str:
    return f"Title: {title}\nDate: {date}\nSlug: {slug}\nTags: coping\n{extra}\n{body}\n"


POSTS = {
    "open.md": post("An open post", "open-post", "2024-03-01 10:00", "Modified: 2024-03-05 09:00\n"),
    "gated.md": post("A gated post", "gated-post", "2024-03-02 10:00", "Content-Warnings: self-harm\n",
                     f"{GATED_MARKER} is inside the gate."),
    "draft.md": post("A draft", "draft-post", "2024-03-03 10:00", "Status: draft\n"),
    "hidden.md": post("A hidden post", "hidden-post", "2024-03-04 10:00", "Status: hidden\n"),
}


def write_content(root: Path) -> Path:
    content = write_site(root, POSTS)
    (content / "pages" / "about.md").write_text("Title: About\nSlug: about\n\nAbout me.\n", encoding="utf-8")
    (content / "pages" / "404.md").write_text(
        "Title: Page not found\nSlug: 404\nStatus: hidden\nSave_as: 404.html\nTemplate: 404\n\nNot here.\n",
        encoding="utf-8",
    )
    (content / "pages" / "unlisted.md").write_text(
        "Title: Unlisted\nSlug: unlisted\nStatus: hidden\n\nOnly by link.\n", encoding="utf-8"
    )
    # A redirect page as import-wordpress writes it (copied to /2012/01/old-post/index.html).
    moved = content / "moved" / "2012" / "01" / "old-post"
    moved.mkdir(parents=True)
    (moved / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Old has moved</title>'
        '<meta name="robots" content="noindex"></head><body><a href="/">moved</a></body></html>\n',
        encoding="utf-8",
    )
    return content


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_content(tmp_path_factory.mktemp("search-engines-content"))


@pytest.fixture(scope="module")
def published(content: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(tmp_path_factory.mktemp("search-engines") / "output", PUBLISH_SETTINGS, PATH=str(content))


@pytest.fixture(scope="module")
def not_indexed(content: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_into(
        tmp_path_factory.mktemp("noindex") / "output", PUBLISH_SETTINGS, PATH=str(content),
        SEARCH_ENGINES={"index": False, "sitemap": "sitemap.xml"},
    )


def sitemap_locations(output: Path) -> list[str]:
    tree = ET.parse(output / "sitemap.xml")
    return [loc.text or "" for loc in tree.getroot().iter(LOC)]


def test_sitemap_lists_published_posts_and_pages_only(published: Path) -> None:
    assert sorted(sitemap_locations(published)) == [
        f"{SITE}/about/",
        f"{SITE}/posts/2024/03/gated-post/",
        f"{SITE}/posts/2024/03/open-post/",
    ]


def test_sitemap_leaves_out_what_search_engines_should_not_offer(published: Path) -> None:
    sitemap = (published / "sitemap.xml").read_text(encoding="utf-8")
    # Each of these exists in the build (or, for the draft, is built nowhere) but is no place to arrive at.
    assert (published / "preferences" / "index.html").is_file()
    assert (published / "2012" / "01" / "old-post" / "index.html").is_file()
    assert (published / "unlisted" / "index.html").is_file()
    for left_out in ("draft-post", "hidden-post", "unlisted", "404", "preferences", "triggers", "old-post",
                     "/tag/", "/search"):
        assert left_out not in sitemap, left_out


def test_sitemap_holds_addresses_and_dates_never_words(published: Path) -> None:
    sitemap = (published / "sitemap.xml").read_text(encoding="utf-8")
    assert GATED_MARKER not in sitemap
    assert "A gated post" not in sitemap
    assert f"<loc>{SITE}/posts/2024/03/open-post/</loc><lastmod>2024-03-05T09:00:00" in sitemap


def test_robots_txt_points_to_the_sitemap(published: Path) -> None:
    robots = (published / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {SITE}/sitemap.xml" in robots.splitlines()
    assert "Disallow: /" not in robots


def test_indexed_pages_carry_no_noindex(published: Path) -> None:
    page = (published / "posts" / "2024" / "03" / "open-post" / "index.html").read_text(encoding="utf-8")
    assert 'name="robots"' not in page


def test_not_indexed_site_disallows_everything_and_writes_no_sitemap(not_indexed: Path) -> None:
    robots = (not_indexed / "robots.txt").read_text(encoding="utf-8")
    assert "Disallow: /" in robots.splitlines()
    assert "Sitemap" not in robots
    assert not (not_indexed / "sitemap.xml").exists()


def test_not_indexed_site_says_noindex_on_every_page(not_indexed: Path) -> None:
    pages = sorted(not_indexed.rglob("*.html"))
    assert len(pages) > 10
    missing = [str(p.relative_to(not_indexed)) for p in pages
               if '<meta name="robots" content="noindex">' not in p.read_text(encoding="utf-8")]
    assert missing == []


def test_while_writing_robots_txt_has_no_sitemap(content: Path, tmp_path: Path) -> None:
    output = build_into(tmp_path / "output", DEV_SETTINGS, PATH=str(content))
    assert (output / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nDisallow:\n"
    assert not (output / "sitemap.xml").exists()


def test_a_sitemap_without_the_sites_address_stops_the_build(content: Path, tmp_path: Path) -> None:
    with pytest.raises(HarbourError) as caught:
        build_into(tmp_path / "output", DEV_SETTINGS, PATH=str(content), SEARCH_ENGINES={"sitemap": "sitemap.xml"})
    assert "SEARCH_ENGINES['sitemap']" in str(caught.value)
    assert "SITEURL" in str(caught.value)


def test_bad_settings_are_listed_together(content: Path, tmp_path: Path) -> None:
    with pytest.raises(HarbourError) as caught:
        build_into(tmp_path / "output", PUBLISH_SETTINGS, PATH=str(content),
                   SEARCH_ENGINES={"index": "no", "sitemap": "/sitemap.txt"})
    message = str(caught.value)
    assert "SEARCH_ENGINES['index'] = 'no' is not valid: expected True or False" in message
    assert "SEARCH_ENGINES['sitemap'] = '/sitemap.txt' is not valid" in message


def test_sitemap_xml_escapes_addresses() -> None:
    class Post:
        status, save_as, url, date = "published", "a/index.html", "a&b/", None

    xml = sitemap_xml(sitemap_entries(SITE, [Post()]))
    assert f"<loc>{SITE}/a&amp;b/</loc>" in xml
    ET.fromstring(xml)  # well-formed


def test_robots_txt_without_index_ignores_the_sitemap() -> None:
    assert robots_txt(index=False, sitemap_url=f"{SITE}/sitemap.xml").endswith("User-agent: *\nDisallow: /\n")
    assert "Sitemap" not in robots_txt(index=False, sitemap_url=f"{SITE}/sitemap.xml")
