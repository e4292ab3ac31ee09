"""The comment form in the build: which posts take comments, the form's markup, and the receiver's manifest.

Plain functions first (render/form.py), then real Pelican builds of tiny sites and of the example site.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from selectolax.lexbor import LexborHTMLParser

from comment_helpers import (
    ALL_PLUGINS,
    article_html,
    build_comments_site,
    comment_file,
    comments_section,
    post_text,
    tiny_site,
)
from comments.config import comments_settings
from comments.model import unlisted_key
from comments.render.form import (
    CommentForm,
    ManifestPost,
    WarningChoice,
    comment_form,
    comment_manifest,
    comments_metadata_problems,
    manifest_path_problems,
    open_slugs,
    warning_groups,
)
from conftest import DEV_SETTINGS, ROOT
from harbour.build import load_settings
from harbour.errors import HarbourError
from site_pages import parse_page, without_gate_bodies
from trigger_tags.vocabulary import Trigger, Vocabulary, load_vocabulary

RECEIVER = "https://comments.example.org/comments"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def post(slug: str, date: datetime | None = NOW, comments: str | None = None, source: str = "") -> Any:
    """What open_slugs and the metadata check read of a Pelican article."""
    metadata = {"comments": comments} if comments is not None else {}
    return SimpleNamespace(slug=slug, date=date, metadata=metadata, source_path=source)


# --- Open or closed ---------------------------------------------------------------------------------

def test_a_post_is_open_unless_a_rule_closes_it() -> None:
    articles = [
        post("plain"),
        post("closed", comments="closed"),
        post("said-open", comments="open"),
        post("old", date=NOW - timedelta(days=31)),
        post("recent", date=NOW - timedelta(days=29)),
    ]
    assert open_slugs(articles, site_open=True, close_after_days=30, now=NOW) == {
        "plain": True, "closed": False, "said-open": True, "old": False, "recent": True,
    }
    # 0 never closes by age; a closed site closes everything, 'Comments: open' included.
    assert open_slugs(articles, site_open=True, close_after_days=0, now=NOW)["old"] is True
    assert set(open_slugs(articles, site_open=False, close_after_days=0, now=NOW).values()) == {False}


def test_one_closed_version_closes_the_slug_and_age_counts_from_the_first_version() -> None:
    versions = [
        post("shared", date=NOW - timedelta(days=2)),
        post("shared", date=NOW - timedelta(days=40), comments="open"),  # the original, translated later
        post("other"),
        post("other", comments="closed"),  # a translation (or a draft of one) closes the thread
    ]
    result = open_slugs(versions, site_open=True, close_after_days=30, now=NOW)
    assert result == {"shared": False, "other": False}
    assert open_slugs(versions, site_open=True, close_after_days=60, now=NOW)["shared"] is True


def test_a_date_without_a_zone_is_read_in_the_sites_zone() -> None:
    london = ZoneInfo("Europe/London")
    # 30 days and 30 minutes before NOW in London time (UTC+1 in May): 30 days and 90 minutes in UTC terms.
    naive = (NOW - timedelta(days=30, minutes=30)).astimezone(london).replace(tzinfo=None)
    assert open_slugs([post("x", date=naive)], site_open=True, close_after_days=30, now=NOW, zone=london) == {
        "x": False
    }
    nearly = naive + timedelta(hours=1)  # 29 days 23.5 hours: still open
    assert open_slugs([post("x", date=nearly)], site_open=True, close_after_days=30, now=NOW, zone=london) == {
        "x": True
    }


def test_a_wrong_comments_value_names_the_file_line_and_the_allowed_values(tmp_path: Path) -> None:
    source = tmp_path / "content" / "posts" / "x.md"
    source.parent.mkdir(parents=True)
    source.write_text("Title: X\nDate: 2024-01-01\nComments: close\n\nBody.\n", encoding="utf-8")
    fine = [post("a", comments=" Closed "), post("b", comments="OPEN"), post("c")]
    assert comments_metadata_problems(fine, str) == []
    problems = comments_metadata_problems([post("x", comments="close", source=str(source))],
                                          lambda path: "content/posts/x.md")
    assert problems == [
        "content/posts/x.md:3: Comments: 'close' is not allowed; write 'Comments: open' or 'Comments: closed', "
        "or leave the line out (COMMENTS['open'] decides); did you mean 'closed'?"
    ]


# --- What the form shows ---------------------------------------------------------------------------

def test_warning_choices_group_each_broad_topic_with_everything_inside_it() -> None:
    vocabulary = Vocabulary([
        Trigger("death", "Death"),
        Trigger("grief", "Grief", parent="death"),
        Trigger("self-harm", "Self-harm"),
        Trigger("pet-loss", "Pet loss", parent="grief"),
        Trigger("abuse", "Abuse"),
        Trigger("gaslighting", "Gaslighting", parent="abuse"),
    ])
    groups = warning_groups(vocabulary)
    assert [(g.label, [choice.slug for choice in g.choices]) for g in groups] == [
        ("Death", ["death", "grief", "pet-loss"]),
        (None, ["self-harm"]),
        ("Abuse", ["abuse", "gaslighting"]),
    ]
    assert groups[0].choices[1] == WarningChoice("grief", "Grief", needs_value=False)


def test_a_choice_carries_its_slug_only_where_its_label_would_not_name_it() -> None:
    vocabulary = Vocabulary([
        Trigger("grief", "Grief"),
        Trigger("pet-loss", "Loss"), Trigger("job-loss", "Loss"),  # one label, two topics
        Trigger("death", "grief"),  # a label that is another topic's slug
        Trigger("war", "War  and terrorism"),  # a browser would send it with one space
    ])
    needs_value = {c.slug: c.needs_value for g in warning_groups(vocabulary) for c in g.choices}
    assert needs_value == {"grief": False, "pet-loss": True, "job-loss": True, "death": True, "war": True}


def test_the_form_exists_only_with_a_receiver_and_its_addresses_are_the_receivers() -> None:
    assert comment_form(comments_settings({})) is None
    form = comment_form(comments_settings({"COMMENTS": {"form_action": RECEIVER + "/", "require_email": True}}))
    assert isinstance(form, CommentForm)
    assert form.action == RECEIVER and form.token_url == RECEIVER + "/token" and form.require_email
    assert form.reply_url("tea & toast", "ab12") == RECEIVER + "/reply?post=tea+%26+toast&to=ab12"


def test_the_manifest_cannot_share_a_file_with_a_posts_comments() -> None:
    conf = comments_settings({"COMMENTS": {"post_feed_atom": "feeds/{slug}.xml"}})
    assert conf["manifest_path"] == "comments/open.json"
    assert manifest_path_problems(conf, ["tea", "walks"]) == []
    (problem,) = manifest_path_problems(conf, ["tea", "open"])
    assert problem.startswith(
        "COMMENTS['manifest_path'] 'comments/open.json' is also where COMMENTS['json_path'] writes the "
        "comments of the post 'open'; set COMMENTS['manifest_path'] to a file no post uses"
    )
    clash = comments_settings({"COMMENTS": {"feed_atom": "comments/open.json"}})
    assert "is also COMMENTS['feed_atom']" in manifest_path_problems(clash, [])[0]


def test_the_manifest_lists_every_slug_in_order_with_its_approved_ids() -> None:
    text = comment_manifest(
        [ManifestPost("b", "B & co", "/b/", False, ("z9", "a1")), ManifestPost("a", "A", "/a/", True, ())],
        "https://x.example",
    )
    assert json.loads(text) == {
        "format": "harbour-comment-manifest", "version": 1, "site": "https://x.example",
        "posts": {
            "a": {"title": "A", "url": "/a/", "open": True, "approved": []},
            "b": {"title": "B & co", "url": "/b/", "open": False, "approved": ["a1", "z9"]},
        },
        "unlisted": {},
    }
    assert list(json.loads(text)["posts"]) == ["a", "b"]


# --- Real builds -------------------------------------------------------------------------------------

RECENT = (datetime.now(timezone.utc) - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
GATED = (
    f"Title: A gated post\nDate: {RECENT}\nCategory: Notes\nSlug: gated-post\n"
    "Content-Warnings: self-harm\n\nHard words.\n"
)
GATED_EMPTY = GATED.replace("gated-post", "gated-empty").replace("A gated post", "Another gated post")
FORM_SITE_POSTS = {
    "open.md": post_text("Tea &amp; toast", "open-post", RECENT),
    "closed.md": post_text("Closed post", "closed-post", RECENT).replace("Slug:", "Comments: closed\nSlug:"),
    "old.md": post_text("Old post", "old-post", "2020-01-01 10:00"),
    "hidden.md": post_text("Hidden post", "hidden-post", RECENT).replace("Slug:", "Status: hidden\nSlug:"),
    "draft.md": post_text("Draft post", "draft-post", RECENT).replace("Slug:", "Status: draft\nSlug:"),
    "gated.md": GATED,
    "gated-empty.md": GATED_EMPTY,
}
FORM_SITE_COMMENTS = {
    "open-post/aaa111aaa111": comment_file("Mina", "First.", date="2024-04-02 09:00:00+01:00"),
    "open-post/bbb222bbb222": comment_file(
        '"><b>Zoë</b>', "A reply.", reply_to="aaa111aaa111", date="2024-04-02 10:00:00+01:00"
    ),
    "closed-post/ccc333ccc333": comment_file("Sam", "Before it closed."),
    "old-post/ddd444ddd444": comment_file("Ali", "Long ago."),
    "hidden-post/eee555eee555": comment_file("Kit", "On the hidden post."),
    "gated-post/fff666fff666": comment_file("Jo", "Me too."),
    "draft-post/abc123abc123": comment_file("Lee", "On a draft."),
}


@pytest.fixture(scope="module")
def form_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("form-site")
    content = tiny_site(root, FORM_SITE_COMMENTS, posts=FORM_SITE_POSTS)
    return build_comments_site(root, content, form_action=RECEIVER, close_after_days=365)


def form_of(html: str) -> Any:
    forms = LexborHTMLParser(html).css("form.comment-form")
    assert len(forms) <= 1
    return forms[0] if forms else None


def test_the_manifest_has_every_published_and_hidden_slug_never_a_draft(form_site: Path) -> None:
    path = form_site / "comments" / "open.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert (manifest["format"], manifest["version"], manifest["site"]) == ("harbour-comment-manifest", 1, "")
    posts = manifest["posts"]
    assert set(posts) == {"closed-post", "gated-empty", "gated-post", "old-post", "open-post"}
    # A hidden post is reached by its address only: the public file names it by a hash of its slug.
    assert manifest["unlisted"] == {unlisted_key("hidden-post"): {"open": True, "approved": ["eee555eee555"]}}
    assert "hidden-post" not in path.read_text(encoding="utf-8")
    # Typogrify keeps the last two words together with a no-break space; the text is still plain.
    assert posts["open-post"]["title"].replace("\xa0", " ") == "Tea & toast"
    assert posts["open-post"] == {
        "title": posts["open-post"]["title"], "url": f"/posts/{RECENT[:4]}/{RECENT[5:7]}/open-post/", "open": True,
        "approved": ["aaa111aaa111", "bbb222bbb222"],  # the reply too: it may be answered in turn
    }
    assert posts["closed-post"]["open"] is False and posts["closed-post"]["approved"] == ["ccc333ccc333"]
    assert posts["old-post"]["open"] is False  # close_after_days
    assert posts["gated-post"]["open"] is True
    # The receiver may run as another user: the manifest is published like the JSON beside it.
    assert path.stat().st_mode & 0o777 == 0o644
    assert not list(path.parent.glob(".*.tmp"))


def test_an_open_post_has_the_form_with_every_field_labelled(form_site: Path) -> None:
    html = article_html(form_site, "open-post")
    form = form_of(html)
    assert form is not None
    assert (form.attributes["action"], form.attributes["method"]) == (RECEIVER, "post")
    assert form.attributes["data-token-url"] == RECEIVER + "/token"
    names = [field.attributes.get("name") for field in form.css("input, textarea, select")]
    assert names == ["post", "reply_to", "token", "author", "email", "url", "body", "content_warning", "subject"]
    assert form.css_first('input[name="post"]').attributes["value"] == "open-post"
    for field in form.css("input:not([type=hidden]), textarea, select"):
        label = form.css_first(f'label[for="{field.attributes["id"]}"]')
        assert label is not None and label.text().strip(), field.attributes
        if field.attributes["name"] != "subject":
            hint = form.css_first(f'#{field.attributes["aria-describedby"]}')
            assert hint is not None and hint.text().strip()
    assert "required" in form.css_first("#comment-author").attributes
    assert "required" in form.css_first("#comment-body").attributes
    email = form.css_first("#comment-email")
    assert "required" not in email.attributes and email.attributes["type"] == "email"
    assert form.css_first('label[for="comment-email"]').text() == "E-mail (optional)"
    email_hint = form.css_first("#comment-email-hint")
    assert email_hint.text().startswith("Never published.")
    assert email_hint.css_first("a").attributes["href"] == "/comment-policy/"
    assert "Markdown" in form.css_first("#comment-body-hint").text()
    assert "Send comment" in form.css_first('button[type="submit"]').text()
    # The script that sends it in place is loaded by a small one, once the reader starts a comment.
    scripts = parse_page(next(form_site.glob("posts/*/*/open-post/index.html"))).resources
    assert "/theme/js/comment-loader.js" in scripts and "/theme/js/comment-form.js" not in scripts


def test_the_honeypot_is_out_of_sight_out_of_reach_and_never_autofilled(form_site: Path) -> None:
    form = form_of(article_html(form_site, "open-post"))
    trap = form.css_first('input[name="subject"]')
    assert trap.attributes["tabindex"] == "-1" and trap.attributes["autocomplete"] == "off"
    assert trap.attributes.get("value") == ""
    container = trap.parent
    assert container.attributes.get("aria-hidden") == "true"
    assert "comment-form__trap" in container.attributes["class"]
    assert form.css_first('label[for="comment-subject"]').text() == "Leave this empty"
    css = (ROOT / "theme" / "static" / "css" / "site.css").read_text(encoding="utf-8")
    rule = re.search(r"\.comment-form__trap \{([^}]*)\}", css)
    assert rule and "position: absolute" in rule.group(1) and "left: -100vw" in rule.group(1)


def test_the_content_warning_list_is_the_vocabulary_grouped_by_parent(form_site: Path) -> None:
    select = form_of(article_html(form_site, "open-post")).css_first('select[name="content_warning"]')
    first = select.css_first("option")
    assert (first.attributes["value"], first.text()) == ("", "None")
    vocabulary = load_vocabulary(ROOT / "content" / "triggers.yml")

    def topic(option: Any) -> str:
        # What a browser sends (its value, else its text), as the receiver reads it.
        sent = option.attributes.get("value", " ".join(option.text().split()))
        named = vocabulary.named(sent)
        assert named is not None, sent
        return named.slug

    suicide = select.css_first('optgroup[label="Suicide"]')
    assert [topic(o) for o in suicide.css("option")] == ["suicide", "suicidal-thoughts"]
    abuse = [topic(o) for o in select.css_first('optgroup[label="Abuse"]').css("option")]
    assert abuse[0] == "abuse" and "gaslighting" in abuse  # a grandchild sits in its top-level group
    offered = [topic(o) for o in select.css("option")[1:]]
    assert sorted(offered) == sorted(vocabulary.slugs)
    # Most options need no value of their own: the list is on every post with a form.
    assert len(select.css("option[value]")) < len(offered) / 4


def test_each_comment_has_a_reply_link_that_works_without_javascript(form_site: Path) -> None:
    section = comments_section(article_html(form_site, "open-post"))
    links = LexborHTMLParser(section).css("a.comment__reply")
    assert [a.attributes["href"] for a in links] == [
        RECEIVER + "/reply?post=open-post&to=aaa111aaa111",
        RECEIVER + "/reply?post=open-post&to=bbb222bbb222",
    ]
    assert links[1].attributes["data-reply-to"] == "bbb222bbb222"
    assert links[1].attributes["data-reply-author"] == '"><b>Zoë</b>'  # escaped in the page, read as typed
    assert "<b>Zoë</b>" not in section
    assert links[0].text() == "Reply to Mina"


def test_a_closed_post_keeps_its_thread_and_says_so_instead_of_a_form(form_site: Path, dev_site: Path) -> None:
    for slug in ("closed-post", "old-post"):
        html = article_html(form_site, slug)
        section = comments_section(html)
        assert form_of(html) is None
        assert '<p class="comments__closed">Comments are closed on this post.</p>' in section
        assert "comment__reply" not in section and "1 comment</h2>" in section
        assert "comment-loader.js" not in html
    assert "comments__closed" not in article_html(form_site, "open-post")
    # Closed before anyone wrote: no "yet" promising comments that cannot come.
    closed_empty = comments_section(article_html(dev_site, "repair-slowly"))
    assert "Comments are closed on this post." in closed_empty and "No comments yet." not in closed_empty


def test_a_gated_posts_form_waits_behind_the_gate_with_its_comments(form_site: Path) -> None:
    for slug in ("gated-post", "gated-empty"):
        html = article_html(form_site, slug)
        gate = LexborHTMLParser(html).css_first("#cw-comments > .cw-body[hidden]")
        assert gate is not None, slug
        assert gate.css_first("form.comment-form") is not None
        shown = without_gate_bodies(html)
        assert "comment-form" not in shown.replace("comment-form.js", "") and "comment__reply" not in shown
    empty = comments_section(article_html(form_site, "gated-empty"))
    assert "No comments yet." in without_gate_bodies(empty)
    # Not gated: the form is in plain sight.
    assert form_of(without_gate_bodies(article_html(form_site, "open-post"))) is not None


def test_without_a_receiver_no_form_and_a_note_pointing_to_the_policy(tmp_path: Path) -> None:
    content = tiny_site(tmp_path, {"first-post/aaa111aaa111": comment_file()})
    output = build_comments_site(tmp_path, content, form_action=None)
    html = article_html(output, "first-post")
    section = comments_section(html)
    assert form_of(html) is None and "comment__reply" not in section and "comment-loader.js" not in html
    note = LexborHTMLParser(section).css_first("p.comments__elsewhere")
    assert note is not None and "comments reach the writer another way" in note.text()
    assert note.css_first("a").attributes["href"] == "/comment-policy/"
    assert "comments__closed" not in section
    assert not (output / "comments" / "open.json").exists(), "no receiver reads a manifest"


def test_a_site_with_comments_closed_shows_no_form_anywhere(tmp_path: Path) -> None:
    content = tiny_site(tmp_path, {"first-post/aaa111aaa111": comment_file()})
    output = build_comments_site(tmp_path, content, form_action=RECEIVER, open=False)
    for slug in ("first-post", "second-post"):
        html = article_html(output, slug)
        assert form_of(html) is None and "Comments are closed on this post." in html
    manifest = json.loads((output / "comments" / "open.json").read_text(encoding="utf-8"))
    assert {slug: entry["open"] for slug, entry in manifest["posts"].items()} == {
        "first-post": False, "second-post": False
    }


def test_require_email_makes_the_address_required_and_says_so(tmp_path: Path) -> None:
    output = build_comments_site(tmp_path, tiny_site(tmp_path), form_action=RECEIVER, require_email=True)
    form = form_of(article_html(output, "first-post"))
    assert "required" in form.css_first("#comment-email").attributes
    assert form.css_first('label[for="comment-email"]').text() == "E-mail"


def test_without_the_warnings_plugin_the_form_offers_no_content_warning(tmp_path: Path) -> None:
    # An approved comment with a warning would stop such a site's build: the form must not offer one.
    output = build_comments_site(tmp_path, tiny_site(tmp_path), plugins=["safety", "comments"],
                                 form_action=RECEIVER)
    form = form_of(article_html(output, "first-post"))
    assert form is not None and form.css_first("select") is None


def test_a_wrong_comments_value_stops_the_build_naming_file_and_line(tmp_path: Path) -> None:
    posts = {
        "a.md": post_text("A", "a-post").replace("Slug:", "Comments: nope\nSlug:"),
        "b.md": post_text("B", "b-post").replace("Slug:", "Comments: close\nSlug:"),
    }
    with pytest.raises(HarbourError) as caught:
        build_comments_site(tmp_path, tiny_site(tmp_path, posts=posts))
    message = str(caught.value)
    assert "2 problems" in message
    assert "content/posts/a.md:4: Comments: 'nope' is not allowed; write 'Comments: open' or 'Comments: closed'" in (
        message
    )
    assert "content/posts/b.md:4: Comments: 'close' is not allowed" in message and "did you mean 'closed'?" in message
    assert not (tmp_path / "output").exists()


def test_a_page_may_say_comments_closed_and_a_wrong_value_there_is_named_too(tmp_path: Path) -> None:
    content = tiny_site(tmp_path)
    (content / "pages" / "about.md").write_text("Title: About\nComments: closed\n\nHello.\n", encoding="utf-8")
    output = build_comments_site(tmp_path, content, form_action=RECEIVER)
    assert (output / "about" / "index.html").is_file()
    (content / "pages" / "about.md").write_text("Title: About\nComments: shut\n\nHello.\n", encoding="utf-8")
    with pytest.raises(HarbourError, match=r"content/pages/about\.md:2: Comments: 'shut' is not allowed"):
        build_comments_site(tmp_path, content, form_action=RECEIVER)


def test_a_post_whose_comments_would_overwrite_the_manifest_stops_the_build(tmp_path: Path) -> None:
    content = tiny_site(tmp_path, posts={"open.md": post_text("Open", "open")})
    with pytest.raises(HarbourError, match=r"is also where COMMENTS\['json_path'\] writes the comments of the post "
                                           r"'open'"):
        build_comments_site(tmp_path, content, form_action=RECEIVER)
    output = build_comments_site(tmp_path, content, form_action=RECEIVER, manifest_path="comment-manifest.json")
    assert "open" in json.loads((output / "comment-manifest.json").read_text(encoding="utf-8"))["posts"]
    assert json.loads((output / "comments" / "open.json").read_text(encoding="utf-8"))["post"] == "open"


# --- The example site ----------------------------------------------------------------------------------

def test_the_example_site_shows_an_open_and_a_closed_post(dev_site: Path) -> None:
    assert form_of(article_html(dev_site, "the-first-rupture")) is not None
    closed = article_html(dev_site, "repair-slowly")
    assert form_of(closed) is None and "Comments are closed on this post." in closed
    manifest = json.loads((dev_site / "comments" / "open.json").read_text(encoding="utf-8"))
    assert manifest["posts"]["repair-slowly"]["open"] is False
    assert len(manifest["posts"]["the-first-rupture"]["approved"]) == 8
    # The dev form posts to the local receiver of `invoke comments-receive`.
    assert form_of(article_html(dev_site, "the-first-rupture")).attributes["action"] == (
        "http://127.0.0.1:8001/comments"
    )


def test_the_published_example_site_has_no_form_until_the_writer_sets_one(publish_site: Path) -> None:
    html = article_html(publish_site, "the-first-rupture")
    assert form_of(html) is None and "comments reach the writer another way" in html
    assert "127.0.0.1" not in html
    # Nothing would read a manifest: none is published.
    assert not (publish_site / "comments" / "open.json").exists()


def test_the_comment_policy_describes_the_form_and_what_is_kept(dev_site: Path) -> None:
    policy = (dev_site / "comment-policy" / "index.html").read_text(encoding="utf-8")
    text = " ".join(LexborHTMLParser(policy).css_first("main").text().split())
    days = comments_settings(load_settings(DEV_SETTINGS))["retention_days"]
    assert f"erased automatically after {days} days" in text
    assert "never published" in text and "comments-forget" in text
    assert "contact form" not in text  # there is none


def test_the_article_pages_javascript_stays_under_8_kb_compressed(dev_site: Path) -> None:
    page = next(dev_site.glob("posts/*/*/the-first-rupture/index.html"))
    scripts = [url for url in parse_page(page).resources if url.endswith(".js")]
    assert "/theme/js/comment-loader.js" in scripts
    sizes = {url: len(gzip.compress((dev_site / url.lstrip("/")).read_bytes(), 9)) for url in scripts}
    assert sum(sizes.values()) < 8 * 1024, sizes
