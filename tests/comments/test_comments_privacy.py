"""No commenter's e-mail or IP reaches content/ or output/: receive, moderate, import, build, export, scan."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from comment_helpers import build_comments_site, make_stores, post_text, tiny_site
from comments.desk.arrival import receive_comment
from comments.config import CommentStores, comments_settings
from comments.transfer.export import export_comments
from comments.transfer.importer import import_file
from comments.desk.moderation import approve_comments, reject_comments
from comments.desk.triage import TriageRules
from conftest import ROOT

# Obviously fake: reserved domains (RFC 2606) and documentation address blocks (RFC 5737, RFC 3849).
COMMENTERS = [
    {"author": "Mina", "email": "mina.private@example.invalid", "ip": "198.51.100.23"},
    {"author": "Zoë", "email": "zoe+comments@commenter.test", "ip": "2001:db8::bad:cafe"},
    {"author": "田中 ゆき", "email": "yuki.tanaka@example.invalid", "ip": "203.0.113.199"},
]
# From the Pelican fixture imported below: its commenters' addresses must stay private too.
IMPORTED_SECRETS = ["User2@mail.test", "bob@thisisa.test"]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")


def scan(folder: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        found += [f"{path}: {s}" for s in secrets if s.lower().encode() in data]
    return found


def received_and_moderated(tmp_path: Path) -> tuple[CommentStores, Path]:
    """A site with the test commenters' comments received, two approved and one rejected."""
    content = tiny_site(
        tmp_path,
        posts={
            "first-post.md": post_text("First post", "first-post"),
            "with-comments.md": post_text("With comments", "with-comments", "2012-05-01 10:00"),
        },
    )
    stores = make_stores(tmp_path)
    assert stores.content_dir == content
    ids = [
        receive_comment(
            stores,
            TriageRules(),
            post="first-post",
            body=f"Comment from {c['author']}",
            user_agent="Mozilla/5.0 (TestOS)",
            **c,
        ).record.id
        for c in COMMENTERS
    ]
    approve_comments(stores, ids[:2])
    reject_comments(stores, ids[2:], "test")
    return stores, content


def build_and_export(tmp_path: Path, stores: CommentStores) -> Path:
    output = build_comments_site(
        tmp_path,
        stores.content_dir,
        json_path="comments/{slug}.json",
        feed_atom="feeds/comments.atom.xml",
        post_feed_atom="feeds/c/{slug}.atom.xml",
    )
    export_comments(stores, "json", tmp_path / "exports" / "c.json")
    export_comments(stores, "wxr", tmp_path / "exports" / "c.xml")
    return output


def assert_only_in_the_private_store(
    tmp_path: Path, stores: CommentStores, output: Path, secrets: list[str]
) -> None:
    assert len(list(stores.content_dir.rglob("*.md"))) >= 2
    assert (output / "comments" / "first-post.json").is_file()
    assert scan(stores.content_dir, secrets) == []
    assert scan(output, secrets) == []
    assert scan(tmp_path / "exports", secrets) == []
    # The scan can see them: they are all in the private store, where they belong.
    private = {s for s in secrets if scan(stores.private.root, [s])}
    assert private == set(secrets)


OWN_SECRETS = [c["email"] for c in COMMENTERS] + [c["ip"] for c in COMMENTERS] + ["TestOS"]


def test_no_email_or_ip_reaches_content_or_output(tmp_path: Path) -> None:
    stores, _ = received_and_moderated(tmp_path)
    output = build_and_export(tmp_path, stores)
    assert_only_in_the_private_store(tmp_path, stores, output, OWN_SECRETS)


@pytest.mark.shared_fixtures
def test_no_email_or_ip_of_an_imported_wordpress_site_reaches_content_or_output(tmp_path: Path) -> None:
    stores, _ = received_and_moderated(tmp_path)
    import_file(
        stores, TriageRules(), ROOT.parent / "shared" / "fixtures" / "pelican" / "wordpressexport.xml",
        post_slugs={"first-post", "with-comments"},
    )
    output = build_and_export(tmp_path, stores)
    assert_only_in_the_private_store(tmp_path, stores, output, OWN_SECRETS + IMPORTED_SECRETS)


def test_the_default_private_store_is_ignored_by_git() -> None:
    # The repository's own .gitignore: a `git add .` must never pick up e-mails and IPs.
    default = comments_settings({})["private_path"]
    result = subprocess.run(
        ["git", "check-ignore", "-q", f"{default}/records/x.json"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{default}/ is not ignored by git: {result.stderr}"
    untracked = subprocess.run(["git", "ls-files", default], cwd=ROOT, capture_output=True, text=True)
    assert untracked.stdout == ""


def test_the_example_comments_and_their_outputs_hold_no_address_at_all(dev_site: Path) -> None:
    for path in sorted((ROOT / "content" / "comments").rglob("*.md")) + sorted(
        (dev_site / "comments").glob("*.json")
    ):
        text = path.read_text(encoding="utf-8")
        assert EMAIL.findall(text) == [], path
        assert IPV4.findall(text) == [], path
