"""Integration: build the example site and check that a reader finds every page and every link works."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from site_pages import div_end, file_for_url, html_pages, parse_page

ATOM = "{http://www.w3.org/2005/Atom}"


def posts_in(content: Path) -> list[Path]:
    return sorted((content / "posts").glob("*.md"))


def article_files(output: Path) -> list[Path]:
    return sorted(output.glob("posts/*/*/*/index.html"))


def test_every_page_a_reader_needs_exists(dev_site: Path) -> None:
    for page in [
        "index.html",
        "page/2/index.html",
        "archives/index.html",
        "tags/index.html",
        "categories/index.html",
        "authors/index.html",
        "404.html",
        "about/index.html",
        "support/index.html",
        "comment-policy/index.html",
        "theme/css/site.css",
        "theme/js/quick-exit.js",
    ]:
        assert (dev_site / page).is_file(), f"{page} missing from the build"


def test_every_post_has_a_page(dev_site: Path) -> None:
    from conftest import ROOT

    published = [p for p in posts_in(ROOT / "content") if "Status: draft" not in p.read_text(encoding="utf-8")]
    assert len(published) >= 10
    assert len(article_files(dev_site)) == len(published)


def test_archives_by_year_and_month_list_posts(dev_site: Path) -> None:
    years = sorted(p.name for p in (dev_site / "archives").iterdir() if p.name.isdigit())
    assert len(years) >= 2, years
    months = list((dev_site / "archives").glob("*/[01][0-9]/index.html"))
    assert months
    for month in months:
        year, number = month.parent.parent.name, month.parent.name
        assert f"/posts/{year}/{number}/" in month.read_text(encoding="utf-8"), month


def test_every_tag_has_a_page_listed_with_its_count(dev_site: Path) -> None:
    tag_pages = sorted((dev_site / "tag").glob("*/index.html"))
    assert tag_pages
    tags_index = (dev_site / "tags" / "index.html").read_text(encoding="utf-8")
    for tag_page in tag_pages:
        slug = tag_page.parent.name
        count = len(re.findall(r'class="post-summary"', tag_page.read_text(encoding="utf-8")))
        assert count >= 1, slug
        # Listed on the tags index, linked, with its count (first page's count is a lower bound).
        match = re.search(rf'href="/tag/{re.escape(slug)}/">[^<]+</a>\s*<span class="term-index__count">(\d+) post', tags_index)
        assert match, f"tag {slug} is not on the tags index with a count"
        assert int(match.group(1)) >= count


def test_index_paginates_through_every_post(dev_site: Path) -> None:
    seen: list[str] = []
    page = dev_site / "index.html"
    while page:
        parsed = parse_page(page)
        seen += [link.split("#")[0] for link in parsed.links if link.startswith("/posts/")]
        nxt = re.search(r'<a rel="next" href="([^"]+)"', page.read_text(encoding="utf-8"))
        page = file_for_url(dev_site, nxt.group(1)) if nxt else None
    articles = article_files(dev_site)
    assert sorted(set(seen)) == sorted("/" + str(a.parent.relative_to(dev_site)) + "/" for a in articles)


def test_every_internal_link_and_resource_resolves(dev_site: Path) -> None:
    broken = []
    for page in html_pages(dev_site):
        parsed = parse_page(page)
        for url in parsed.links + parsed.resources:
            target = file_for_url(dev_site, url)
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(dev_site)} -> {url}")
    assert not broken, "\n".join(broken)


def test_no_page_loads_anything_from_another_host(publish_site: Path) -> None:
    from conftest import PUBLISH_SETTINGS
    from harbour.build import load_settings

    site = load_settings(PUBLISH_SETTINGS)["SITEURL"]
    offsite = []
    for page in html_pages(publish_site):
        for url in parse_page(page).resources:
            if url.startswith(("http:", "https:", "//")) and not url.startswith(site + "/"):
                offsite.append(f"{page.relative_to(publish_site)} loads {url}")
    assert not offsite, "\n".join(offsite)
    css = (publish_site / "theme" / "css" / "site.css").read_text(encoding="utf-8")
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", css)


def test_each_page_has_one_h1_and_a_plain_title(dev_site: Path) -> None:
    for page in html_pages(dev_site):
        parsed = parse_page(page)
        assert parsed.h1_count == 1, f"{page.relative_to(dev_site)} has {parsed.h1_count} h1"
        assert parsed.title.strip() and "<" not in parsed.title, page


def test_typogrify_marks_up_text_but_not_titles_in_head(dev_site: Path) -> None:
    # typogrify turns a title's "&" into <span class="amp">; in <title> and attributes it must not.
    # Its own title, not another post's named under it (older, newer, related).
    pages = [p for p in article_files(dev_site)
             if re.search(r'<h1 class="post-title">[^\n]*class="amp"', p.read_text(encoding="utf-8"))]
    assert pages, "expected a post whose title has an ampersand"
    for page in pages:
        parsed = parse_page(page)
        assert "&" in parsed.title and "span" not in parsed.title
        assert all("<" not in value for value in parsed.meta.values())


def test_safety_chrome_is_on_every_page(dev_site: Path) -> None:
    for page in html_pages(dev_site):
        html = page.read_text(encoding="utf-8")
        assert 'class="support-link" href="/support/"' in html, page
        assert 'data-quick-exit' in html and 'href="https://www.bbc.co.uk/weather"' in html, page
        assert html.index('class="skip-link"') < html.index("data-quick-exit"), page


def test_publish_build_writes_atom_feeds_with_plain_titles(publish_site: Path) -> None:
    feeds = publish_site / "feeds"
    assert (feeds / "all.atom.xml").is_file()
    assert list((feeds / "category").glob("*.atom.xml"))
    assert list((feeds / "tag").glob("*.atom.xml"))
    root = ET.parse(feeds / "all.atom.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") or "" for e in root.iter(f"{ATOM}entry")]
    assert titles
    assert all("<" not in t and "&nbsp;" not in t for t in titles), titles
    index = (publish_site / "index.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml" href="https://still-here.example.org/feeds/all.atom.xml"' in index


def test_dev_build_has_no_feeds(dev_site: Path) -> None:
    assert not (dev_site / "feeds").exists()


def test_images_have_alt_text(dev_site: Path) -> None:
    images = 0
    for page in html_pages(dev_site):
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            images += 1
            alt = re.search(r'\balt="([^"]*)"', tag)
            assert alt and alt.group(1).strip(), f"{page}: {tag}"
    assert images >= 1


def test_div_end_skips_nested_divs() -> None:
    html = '<div a><div b></div><p>x</p></div><p>after</p>'
    assert html[:div_end(html, 0)] == '<div a><div b></div><p>x</p></div>'
    with pytest.raises(ValueError):
        div_end("<div><div></div>", 0)


def test_no_draft_of_any_kind_reaches_the_published_site(tmp_path: Path) -> None:
    from conftest import PUBLISH_SETTINGS, build_into, write_site

    marker = "unpublishedwordsmarker"
    content = write_site(tmp_path, {
        "x.md": "Title: X\nDate: 2024-01-01\nSlug: x\n\nPublished words.\n",
        "x-fr.md": f"Title: X fr\nDate: 2024-01-01\nSlug: x\nLang: fr\nStatus: draft\n\n{marker} (a draft translation)\n",
        "y.md": f"Title: Y\nDate: 2024-01-02\nStatus: draft\n\n{marker} (a draft post)\n",
    })
    (content / "pages" / "p.md").write_text(f"Title: P\nStatus: draft\n\n{marker} (a draft page)\n", encoding="utf-8")
    (content / "pages" / "p-fr.md").write_text(
        f"Title: P fr\nSlug: p\nLang: fr\nStatus: draft\n\n{marker} (a draft page's translation)\n", encoding="utf-8"
    )
    output = build_into(tmp_path / "output", PUBLISH_SETTINGS, PATH=str(content))
    assert (output / "posts/2024/01/x/index.html").is_file()
    carrying = [str(p.relative_to(output)) for p in output.rglob("*") if p.is_file() and marker in p.read_bytes().decode(
        "utf-8", "replace")]
    assert carrying == []


def test_a_process_that_builds_again_keeps_nothing_of_the_last_build(tmp_path: Path) -> None:
    """livereload builds on every save in one process: no build's posts may stay in its memory."""
    import gc
    import weakref

    from pelican import signals
    from pelican.contents import Article

    from conftest import build_into

    made: list[weakref.ref[Article]] = []

    def keep(content: object) -> None:
        if isinstance(content, Article):
            made.append(weakref.ref(content))

    signals.content_object_init.connect(keep)
    try:
        build_into(tmp_path / "output")
        first = list(made)
        build_into(tmp_path / "output")
    finally:
        signals.content_object_init.disconnect(keep)
    gc.collect()
    assert first and len(made) > len(first)
    assert [ref for ref in first if ref() is not None] == [], "the first build's posts are still in memory"
