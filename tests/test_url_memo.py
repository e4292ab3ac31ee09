"""The URL memo: posts and pages keep their URLs, yet a URL always follows what it is made from."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pelican.contents import Article, Content, Page
from pelican.tests.support import get_settings
from pelican.urlwrappers import Author, Category
from pelican.utils import SafeDatetime

from conftest import DEV_SETTINGS, PUBLISH_SETTINGS, ROOT, build_into
from harbour.build import load_settings
from site_pages import html_pages, site_files
from url_memo import url_memo
from url_memo.url_memo import keep_urls, restore_expand_settings, url_field, url_key, wrap_expand_settings

URLS = {
    "ARTICLE_URL": "posts/{date:%Y}/{date:%m}/{slug}/",
    "ARTICLE_SAVE_AS": "posts/{date:%Y}/{date:%m}/{slug}/index.html",
    "DRAFT_URL": "drafts/{slug}/",
    "DRAFT_SAVE_AS": "drafts/{slug}/index.html",
    "PAGE_URL": "{slug}/",
    "PAGE_SAVE_AS": "{slug}/index.html",
    "TIMEZONE": "Europe/London",
}
LONDON = ZoneInfo("Europe/London")


def without_url_memo(settings_file: Path) -> list[str]:
    return [name for name in load_settings(settings_file)["PLUGINS"] if name != "url_memo"]


@pytest.fixture()
def url_formats(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each time Pelican formats a URL itself (its ``url_format``), the content's slug."""
    made: list[str] = []
    pelicans = Content.url_format.fget

    def counted(content: Any) -> dict[str, Any]:
        made.append(getattr(content, "slug", ""))
        return pelicans(content)

    monkeypatch.setattr(Content, "url_format", property(counted))
    return made


@pytest.fixture()
def kept() -> Iterator[Callable[..., Content]]:
    """Make a post or page that keeps its URLs (the stand-in in place for the test)."""
    assert wrap_expand_settings()

    def make(kind: type[Content] = Article, **metadata: Any) -> Content:
        settings = get_settings(**URLS)
        metadata = {"title": "A slower Sunday", "slug": "a-slower-sunday",
                    "date": SafeDatetime(2024, 6, 18, 21, 10, tzinfo=LONDON), **metadata}
        content = kind("<p>Tea first.</p>", metadata=metadata, settings=settings, source_path="posts/x.md")
        keep_urls([content])
        return content

    yield make
    restore_expand_settings()


# --- Unit: a kept URL follows every change of what it is made from -----------------------------

def test_kept_urls_are_formatted_once(kept: Callable[..., Content], url_formats: list[str]) -> None:
    post = kept()
    assert [post.url, post.url, post.save_as, post.save_as] == [
        "posts/2024/06/a-slower-sunday/", "posts/2024/06/a-slower-sunday/",
        "posts/2024/06/a-slower-sunday/index.html", "posts/2024/06/a-slower-sunday/index.html",
    ]
    assert len(url_formats) == 2  # url once, save_as once


def test_a_post_not_told_to_keep_its_urls_is_formatted_each_time(
    kept: Callable[..., Content], url_formats: list[str]
) -> None:
    post = kept()
    del post.__dict__[url_memo.KEPT_URLS]
    assert post.url == post.url == "posts/2024/06/a-slower-sunday/"
    assert len(url_formats) == 2


def test_a_kept_url_follows_a_changed_slug(kept: Callable[..., Content]) -> None:
    post = kept()
    assert post.url == "posts/2024/06/a-slower-sunday/"
    post.slug = "a-quieter-sunday"
    assert post.url == "posts/2024/06/a-quieter-sunday/"
    assert post.save_as == "posts/2024/06/a-quieter-sunday/index.html"


def test_a_kept_url_follows_a_changed_date(kept: Callable[..., Content]) -> None:
    post = kept()
    assert post.save_as == "posts/2024/06/a-slower-sunday/index.html"
    post.date = SafeDatetime(2025, 1, 2, 9, 0, tzinfo=LONDON)
    assert post.save_as == "posts/2025/01/a-slower-sunday/index.html"


def test_a_kept_url_follows_a_date_moved_to_another_zone(kept: Callable[..., Content]) -> None:
    # The same instant, and equal as datetimes, but another day and year on the clock of the zone.
    post = kept(date=SafeDatetime(2024, 1, 1, 0, 30, tzinfo=LONDON))
    assert post.url == "posts/2024/01/a-slower-sunday/"
    post.date = post.date.astimezone(ZoneInfo("America/New_York"))
    assert post.url == "posts/2023/12/a-slower-sunday/"


def test_a_kept_url_follows_a_post_becoming_a_draft(kept: Callable[..., Content]) -> None:
    post = kept()
    post.settings["DRAFT_URL"] = "drafts/{date:%Y}/{date:%m}/{slug}/"  # the same fields as ARTICLE_URL
    assert post.url == "posts/2024/06/a-slower-sunday/"
    post.status = "draft"
    assert post.url == "drafts/2024/06/a-slower-sunday/"


def test_a_kept_url_follows_a_changed_setting(kept: Callable[..., Content]) -> None:
    post = kept()
    assert post.url == "posts/2024/06/a-slower-sunday/"
    post.settings["ARTICLE_URL"] = "writing/{date:%Y}/{slug}.html"
    assert post.url == "writing/2024/a-slower-sunday.html"


def test_a_kept_url_follows_a_metadata_field_its_setting_names(kept: Callable[..., Content]) -> None:
    page = kept(Page, series="winter")
    page.settings["PAGE_URL"] = "{series}/{slug}/"
    assert page.url == "winter/a-slower-sunday/"
    page.metadata["series"] = "spring"
    assert page.url == "spring/a-slower-sunday/"


def test_a_url_pelican_would_date_with_the_time_of_the_call_is_not_kept(kept: Callable[..., Content]) -> None:
    page = kept(Page)
    del page.date
    page.settings["PAGE_URL"] = "{date:%Y}/{slug}/"
    assert url_key(page, "url", None) is None
    assert url_key(page, "save_as", None) is not None  # PAGE_SAVE_AS names no date


@pytest.mark.parametrize("kind, metadata", [
    (Article, {}),
    (Article, {"status": "draft", "lang": "fr", "path": "elsewhere/y.md", "series": "winter",
               "author": Author("Robin Ash", {}), "category": Category("Self-care", {})}),
    (Page, {"date": None}),
])
def test_each_url_field_is_the_value_pelicans_url_format_gives_it(
    kept: Callable[..., Content], kind: type[Content], metadata: dict[str, Any]
) -> None:
    content = kept(kind, **{k: v for k, v in metadata.items() if v is not None})
    if metadata.get("date", True) is None:
        del content.date
    pelicans = content.url_format
    for name, value in pelicans.items():
        if name == "date" and not hasattr(content, "date"):
            continue  # Pelican's is the time of the call; the memo keeps no such URL (test above)
        assert url_field(content, name) == value, name


# --- Builds: the same site with and without the memo, and a changed setting shows ------------

@pytest.mark.parametrize("settings_file", [DEV_SETTINGS, PUBLISH_SETTINGS], ids=["dev", "publish"])
def test_the_site_is_byte_for_byte_the_same_with_and_without_the_url_memo(
    tmp_path: Path, settings_file: Path, url_formats: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    plain = build_into(tmp_path / "plain" / "output", settings_file, PLUGINS=without_url_memo(settings_file))
    formatted_by_pelican = len(url_formats)
    url_formats.clear()
    with caplog.at_level(logging.DEBUG, logger="url_memo.url_memo"):
        kept = build_into(tmp_path / "kept" / "output", settings_file)
    assert any(r.getMessage().startswith("url memo: ") for r in caplog.records), "the memo was on"
    # The memo answered most of the URLs Pelican formatted before (each post: its url, its save_as).
    assert len(url_formats) < formatted_by_pelican / 3, (len(url_formats), formatted_by_pelican)
    assert site_files(kept) == site_files(plain)


def test_a_changed_article_url_setting_moves_every_post(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    output = build_into(tmp_path / "output", DEV_SETTINGS, PATH=str(tmp_path / "content"))
    assert (output / "posts/2024/06/the-first-rupture/index.html").is_file()
    # The same fields as before (date, slug), so only the setting's text tells the URLs apart.
    build_into(tmp_path / "output", DEV_SETTINGS, PATH=str(tmp_path / "content"),
               ARTICLE_URL="writing/{date:%Y}/{date:%m}/{slug}/",
               ARTICLE_SAVE_AS="writing/{date:%Y}/{date:%m}/{slug}/index.html")
    assert (output / "writing/2024/06/the-first-rupture/index.html").is_file()
    assert not (output / "posts").exists()
    listed = (output / "page/2/index.html").read_text(encoding="utf-8")  # the post's listing page
    assert 'href="/writing/2024/06/the-first-rupture/"' in listed
    for page in html_pages(output):
        assert "/posts/20" not in page.read_text(encoding="utf-8"), page


def test_pelicans_own_method_is_back_after_a_build_and_for_a_build_without_the_plugin(tmp_path: Path) -> None:
    pelicans = url_memo._PELICAN_EXPAND_SETTINGS
    build_into(tmp_path / "with" / "output")
    assert Content.__dict__["_expand_settings"] is pelicans
    # A build with the memo that stopped part-way leaves the stand-in; a build without the plugin
    # puts Pelican's own back before it reads anything.
    assert wrap_expand_settings()
    try:
        build_into(tmp_path / "without" / "output", PLUGINS=without_url_memo(DEV_SETTINGS))
        assert Content.__dict__["_expand_settings"] is pelicans
    finally:
        restore_expand_settings()
