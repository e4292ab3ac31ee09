"""import-wordpress: a WordPress export's posts, pages, images and comments, built into a real site.

tests/fixtures/wordpress/peer-blog.xml is written for these tests (every kind of item and
comment); the real exports in ../shared/fixtures are read in place (marked shared_fixtures).
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import markdown
import pytest
from selectolax.lexbor import LexborHTMLParser

sys.path.insert(0, str(Path(__file__).resolve().parent / "comments"))  # as test_import_disqus.py does

from comment_helpers import make_stores  # noqa: E402
from comments.config import CommentStores
from comments.desk.public_store import read_public_comments
from comments.desk.triage import DEFAULT_LENGTH_LIMITS, TriageRules
from comments.render.threads import build_threads, walk
from comments.transfer.importer import import_file
from conftest import PUBLISH_SETTINGS, ROOT, SHARED_FIXTURES, build_into
from harbour.build import load_settings
from harbour.errors import HarbourError
from harbour.wxr import WxrFile
from importers.to_markdown import body_to_markdown, escape_text
from importers.wordpress import SiteSettings, import_wordpress
from importers.wpautop import wpautop

FIXTURE = ROOT / "tests" / "fixtures" / "wordpress" / "peer-blog.xml"
MEDIA = ROOT / "tests" / "fixtures" / "wordpress" / "media"
WORDPRESS = SHARED_FIXTURES / "wordpress-importer"
SITE_HOST = "still-here.example.org"
PRIVATE_WORDS = [
    "draftwords", "privatewords", "protectedwords", "Protected comment words", "Waiting words",
    "Spam words", "Trashed words", "Pingback words", "Trackback words",
]
EMAILS_AND_IPS = ["ana@mail.example", "bea@mail.example", "203.0.113.7", "2001:db8::5", "192.0.2.44"]


def site_for(root: Path) -> tuple[SiteSettings, CommentStores]:
    stores = make_stores(root)
    shutil.copy(ROOT / "content" / "triggers.yml", stores.content_dir / "triggers.yml")
    settings = load_settings(ROOT / "pelicanconf.py")
    return SiteSettings.from_pelican({**settings, "PATH": str(stores.content_dir)}), stores


def build_published(root: Path, stores: CommentStores, **comments: object) -> Path:
    """The published site (publishconf.py): what readers get."""
    return build_into(
        root / "output", PUBLISH_SETTINGS, PATH=str(stores.content_dir),
        COMMENTS={"private_path": str(stores.private.root), "form_action": None, **comments},
    )


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes() for folder in folders if folder.exists() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def paragraphs(html: str) -> list[str]:
    body = LexborHTMLParser(html).css_first("article") or LexborHTMLParser(html).body
    return [" ".join(p.text().split()) for p in body.css("p")]


# --- WordPress's paragraphs ----------------------------------------------------------------------


def test_wpautop_makes_paragraphs_of_blank_lines_and_breaks_of_single_ones() -> None:
    assert wpautop("One\ntwo\n\nThree") == "<p>One<br />\ntwo</p>\n<p>Three</p>\n"


def test_wpautop_leaves_pre_blocks_lists_and_no_break_spaces_as_they_were() -> None:
    html = wpautop("Text\u00a0\n\n<pre>a\n\nb</pre>\n<ul>\n<li>x</li>\n</ul>")
    assert "<p>Text\u00a0</p>" in html
    assert "<pre>a\n\nb</pre>" in html
    assert "<ul>\n<li>x</li>\n</ul>" in html


@pytest.mark.parametrize(
    "text", ["a < b & c", "x_y *z* `q` [l](m)", "1984. A year", "# hash", "- dash", "> quote", ": colon", "\\ back"]
)
def test_escaped_text_renders_exactly_as_the_text(text: str) -> None:
    rendered = markdown.markdown(escape_text(text), extensions=["extra"])
    assert LexborHTMLParser(rendered).body.text() == text


def test_a_classic_post_keeps_every_character_and_its_line_breaks() -> None:
    content = "“Quotes” — dashes… 😀\nnext line\n\nSecond ‘para’."
    converted = body_to_markdown(content, images=lambda address: None)
    html = markdown.markdown(converted.markdown, extensions=["extra"])
    assert html == "<p>“Quotes” — dashes… 😀<br />\nnext line</p>\n<p>Second ‘para’.</p>"


def test_an_image_not_found_becomes_a_plain_link_never_an_embed() -> None:
    converted = body_to_markdown('<img src="https://old.example/a.jpg" alt="A">', images=lambda address: None)
    assert converted.markdown == "[Image: A](https://old.example/a.jpg)"


def test_unknown_shortcodes_are_kept_visibly_and_reported() -> None:
    converted = body_to_markdown('Before\n\n[poll id="3"]\n\nAfter', images=lambda address: None)
    assert converted.unknown_shortcodes == ["poll"]
    assert '[poll id="3"]' in markdown.markdown(converted.markdown)


# --- A whole blog, imported and built ------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CommentStores, object, Path]:
    root = tmp_path_factory.mktemp("wordpress")
    site, stores = site_for(root)
    report = import_wordpress(FIXTURE, site, stores, TriageRules(), media=MEDIA)
    return root, stores, report, build_published(root, stores)


def test_every_published_post_and_page_is_on_the_site_with_its_paragraphs(imported) -> None:
    _, _, _, output = imported
    (letters,) = output.glob("posts/2024/03/letters-i-didnt-send/index.html")
    shown = paragraphs(letters.read_text(encoding="utf-8"))
    assert "The first one took an hour. The second took ten minutes… The third one I tore up." in shown
    assert any(p.endswith("still here. ‘Small steps’, as they say, «petits pas».") for p in shown)
    assert "Bold claims need *evidence*, and x_y < z & w is a formula, and <b>typed tags</b> stay as typed." in shown
    assert letters.read_text(encoding="utf-8").count("<br>") >= 5  # the single line breaks
    group = (output / "posts/2024/04/what-the-group-taught-me/index.html").read_text(encoding="utf-8")
    shown_text = LexborHTMLParser(group).body.text().replace("\xa0", " ")  # typogrify's no-break spaces
    assert "<h2>Three things I" in group and "<blockquote>" in group
    assert "Nobody has to fix anybody." in shown_text and "You don’t have to be okay to belong here." in shown_text
    assert "<figcaption>Our room, before everyone arrived</figcaption>" in group
    assert (output / "about-this-blog" / "index.html").is_file()


def test_images_are_copied_from_the_media_folder_and_nothing_loads_from_another_host(imported) -> None:
    root, stores, report, output = imported
    assert (stores.content_dir / "images/wordpress/2024/03/window-light.png").is_file()
    assert (output / "images/wordpress/2024/03/window-light.png").is_file()
    assert list(report.missing_images) == ["https://quietrooms.example.net/wp-content/uploads/2024/04/circle-of-chairs.jpg"]
    for page in output.rglob("*.html"):
        tree = LexborHTMLParser(page.read_text(encoding="utf-8"))
        for node in tree.css("img, script, iframe, video, audio, source, link[rel=stylesheet], object, embed"):
            address = node.attributes.get("src") or node.attributes.get("href") or node.attributes.get("data") or ""
            host = re.match(r"(?:https?:)?//([^/]+)", address)
            assert host is None or host.group(1) == SITE_HOST, f"{page}: loads {address}"


def test_approved_comments_are_under_their_post_in_their_thread(imported) -> None:
    _, stores, _, output = imported
    comments = read_public_comments(stores.public_dir)
    assert {c.post for c in comments} == {"letters-i-didnt-send"}
    chain = build_threads(comments, max_depth=20)
    assert [n.comment.body.split(":")[0] for n in walk(chain)] == [f"Level {w}" for w in
                                                                    ("one", "two", "three", "four", "five", "six")]
    page = (output / "posts/2024/03/letters-i-didnt-send/index.html").read_text(encoding="utf-8")
    assert all(f"Level {w}" in page for w in ("one", "two", "three", "four", "five", "six"))


def test_nothing_else_is_public_and_no_email_or_ip_reaches_content_or_output(imported) -> None:
    _, stores, _, output = imported
    published = "".join(p.read_text(encoding="utf-8", errors="replace") for p in output.rglob("*") if p.is_file())
    for words in PRIVATE_WORDS:
        assert words not in published, words
    content = "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in stores.content_dir.rglob("*")
        if p.is_file() and p.suffix != ".png"
    )
    for private in EMAILS_AND_IPS:
        assert private not in content and private not in published, private
    statuses = Counter(r.status for r in stores.private.all_records())
    assert statuses == {"approved": 6, "pending": 2, "spam": 1, "rejected": 1}


def test_private_and_password_protected_posts_are_marked_drafts(imported) -> None:
    _, stores, report, _ = imported
    for name, mark in (("only-for-me", "private on WordPress"), ("for-the-group-only", "password-protected")):
        text = (stores.content_dir / "posts" / f"{name}.md").read_text(encoding="utf-8")
        assert "Status: draft" in text and f"WordPress-Status: {mark}" in text
    assert len(report.not_public) == 2


def test_old_addresses_lead_to_the_new_ones(imported) -> None:
    _, _, report, output = imported
    redirect = (output / "2024/03/02/letters-i-didnt-send/index.html").read_text(encoding="utf-8")
    assert 'content="0; url=../../../../posts/2024/03/letters-i-didnt-send/"' in redirect
    assert (output / "2024/03/02/letters-i-didnt-send" / "../../../../posts/2024/03/letters-i-didnt-send/index.html").resolve().is_file()
    assert not (output / "2024/05/03/for-the-group-only").exists()  # no address for what is not published


def test_the_summary_counts_everything_and_proposes_trigger_tags(imported) -> None:
    _, _, report, _ = imported
    summary = report.summary()
    assert "posts: 5 (2 publish, 1 draft -> draft, 1 password-protected -> draft, 1 private -> draft)" in summary
    assert "pages: 1 (1 publish)" in summary
    assert "pingbacks and trackbacks: 2" in summary
    assert "1 attachment" in summary and "1 nav_menu_item" in summary
    assert "[contact-form-7]" in summary and "circle-of-chairs.jpg" in summary
    assert "letters-i-didnt-send.md: grief" in summary
    text = (Path(report.written[0]).read_text(encoding="utf-8"))
    assert "Triggers:" not in text  # proposed, never written


def test_a_second_import_changes_nothing(tmp_path: Path) -> None:
    site, stores = site_for(tmp_path)
    import_wordpress(FIXTURE, site, stores, TriageRules(), media=MEDIA)
    before = snapshot(stores.content_dir, stores.private.records_dir)
    again = import_wordpress(FIXTURE, site, stores, TriageRules(), media=MEDIA)
    assert not again.changed_anything
    assert snapshot(stores.content_dir, stores.private.records_dir) == before


def test_comments_first_then_posts_ends_as_posts_first(tmp_path: Path) -> None:
    site_a, first = site_for(tmp_path / "a")
    import_file(first, TriageRules(), FIXTURE, post_slugs=set())  # comments-import on an empty site
    import_wordpress(FIXTURE, site_a, first, TriageRules())
    site_b, second = site_for(tmp_path / "b")
    import_wordpress(FIXTURE, site_b, second, TriageRules())
    import_file(second, TriageRules(), FIXTURE, post_slugs={"letters-i-didnt-send"})
    public = {(c.id, c.post, c.reply_to, c.body) for c in read_public_comments(first.public_dir)}
    assert public == {(c.id, c.post, c.reply_to, c.body) for c in read_public_comments(second.public_dir)}
    assert len(public) == 6
    statuses = {r.id: r.status for r in first.private.all_records()}
    assert statuses == {r.id: r.status for r in second.private.all_records()}


def test_a_hand_written_file_is_never_overwritten_and_the_clash_is_reported(tmp_path: Path) -> None:
    site, stores = site_for(tmp_path)
    mine = stores.content_dir / "posts" / "letters-i-didnt-send.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("Title: My own\nDate: 2024-01-01\n\nMine.\n", encoding="utf-8")
    report = import_wordpress(FIXTURE, site, stores, TriageRules())
    assert mine.read_text(encoding="utf-8") == "Title: My own\nDate: 2024-01-01\n\nMine.\n"
    assert any(str(mine) in clash for clash in report.clashes)


def test_a_file_cut_short_is_refused_in_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    site, stores = site_for(tmp_path)
    cut = tmp_path / "cut.xml"
    text = FIXTURE.read_text(encoding="utf-8")
    cut.write_text(text[: text.index("<title>About this blog")], encoding="utf-8")
    with pytest.raises(HarbourError, match=r"cut\.xml:\d+: not well-formed XML .*cut short") as error:
        import_wordpress(cut, site, stores, TriageRules())
    assert "\n" not in str(error.value)
    assert not (stores.content_dir / "posts").exists() and stores.private.ids() == []


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' + "".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
        ) + "]>",
        '<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["entity-bomb", "external-entity"],
)
def test_entity_bombs_and_external_entities_are_refused_within_a_second(doctype: str, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(
        f'<?xml version="1.0"?>{doctype}<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
        "<wp:wxr_version>1.2</wp:wxr_version><item><title>&j;</title></item></channel></rss>",
        encoding="utf-8",
    )
    site, stores = site_for(tmp_path / "site")
    started = time.monotonic()
    with pytest.raises(HarbourError, match="refused: the file uses XML features"):
        import_wordpress(hostile, site, stores, TriageRules())
    assert time.monotonic() - started < 1
    assert not (stores.content_dir / "posts").exists()


def test_a_file_that_is_not_a_wordpress_export_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "feed.xml"
    other.write_text("<feed><entry/></feed>", encoding="utf-8")
    with pytest.raises(HarbourError, match=r"feed\.xml: not a WordPress export"):
        WxrFile(other)


# --- Real exports nobody here wrote ----------------------------------------------------------------


@pytest.mark.shared_fixtures
def test_the_theme_unit_test_data_imports_completely_and_builds(tmp_path: Path) -> None:
    site, stores = site_for(tmp_path)
    rules = TriageRules(length_limits={**DEFAULT_LENGTH_LIMITS, "body": 8000})  # as the summary advises
    report = import_wordpress(WORDPRESS / "theme-unit-test-data.xml", site, stores, rules)
    assert sum(n for (kind, _, _), n in report.items.items() if kind == "post") == 58
    assert sum(n for (kind, _, _), n in report.items.items() if kind == "page") == 21
    assert report.comments.statuses == {"approved": 22, "pending": 2}
    assert report.linkbacks_total == 4
    output = build_published(tmp_path, stores, length_limits={"body": 8000})
    comments = [c for c in read_public_comments(stores.public_dir) if c.post == "template-comments"]
    by_id = {c.id: c for c in comments}
    deepest = max(comments, key=lambda c: _depth(c, by_id))
    assert _depth(deepest, by_id) == 9  # the ten-level chain, each reply under the one before
    page = (output / "posts/2012/01/template-comments/index.html").read_text(encoding="utf-8")
    chain = [_chain_text(c) for c in _ancestors(deepest, by_id)]
    assert [page.index(text) for text in chain] == sorted(page.index(text) for text in chain)
    published = "".join(p.read_text(encoding="utf-8", errors="replace") for p in output.rglob("*.html"))
    assert "should not be visible until the password is entered" not in published
    for record in stores.private.all_records():
        if record.status == "pending":
            assert record.comment.body.split("\n")[0][:40] not in published


def _depth(comment, by_id) -> int:
    depth = 0
    while comment.reply_to in by_id:
        comment, depth = by_id[comment.reply_to], depth + 1
    return depth


def _ancestors(comment, by_id) -> list:
    chain = [comment]
    while chain[-1].reply_to in by_id:
        chain.append(by_id[chain[-1].reply_to])
    return list(reversed(chain))


def _chain_text(comment) -> str:
    return f'id="comment-{comment.id}"'


@pytest.mark.shared_fixtures
@pytest.mark.parametrize(
    "name", ["valid-wxr-1.0.xml", "valid-wxr-1.1.xml", "wxr-utf-8-challenges.xml", "crazy-cdata-escaped.xml",
             "namespace-edge-cases.xml", "post-content-blank-lines.xml", "small-export.xml"],
)
def test_older_versions_and_encoding_traps_import_cleanly(name: str, tmp_path: Path) -> None:
    site, stores = site_for(tmp_path)
    report = import_wordpress(WORDPRESS / name, site, stores, TriageRules())
    if name == "namespace-edge-cases.xml":  # its items have no date at all: each is skipped, saying so
        assert report.skipped_items == {("post", "no date WordPress or this site can read"): 6}
        assert "Hijacked" not in "".join(report.written)
        return
    assert report.written
    for path in report.written:
        Path(path).read_text(encoding="utf-8")  # every file is valid UTF-8
    if name == "wxr-utf-8-challenges.xml":
        output = build_published(tmp_path, stores)
        assert any("Road" in p.read_text(encoding="utf-8") for p in output.glob("**/index.html"))


@pytest.mark.shared_fixtures
def test_paragraphs_separated_by_blank_lines_come_across_as_wordpress_shows_them(tmp_path: Path) -> None:
    site, stores = site_for(tmp_path)
    import_wordpress(WORDPRESS / "post-content-blank-lines.xml", site, stores, TriageRules())
    output = build_published(tmp_path, stores)
    (page,) = output.glob("posts/*/*/hello-world/index.html")
    assert [p for p in paragraphs(page.read_text(encoding="utf-8")) if "lines" in p] == [
        "This is an example of a WordPress post. It has lines with text (and one blank line).",
        "And more lines with text.",
    ]


@pytest.mark.shared_fixtures
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed.xml", r"malformed\.xml:90: not well-formed XML"),
        ("malformed-simple.xml", r"malformed-simple\.xml:14: not well-formed XML .*cut short"),
        ("crazy-cdata.xml", r"crazy-cdata\.xml:18: not well-formed XML"),
        ("missing-version-tag.xml", r"no valid <wp:wxr_version>"),
    ],
)
def test_broken_exports_are_refused_and_nothing_is_written(name: str, expected: str, tmp_path: Path) -> None:
    site, stores = site_for(tmp_path)
    with pytest.raises(HarbourError, match=expected):
        import_wordpress(WORDPRESS / name, site, stores, TriageRules())
    assert not (stores.content_dir / "posts").exists() and stores.private.ids() == []
