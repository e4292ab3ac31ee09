"""The writer's replies (writer_reply) on real stores in tmp_path: published at once, threaded, recorded,
and nothing written when refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from comment_helpers import comment_file, hold_rules, make_stores, write_comments
from comments.config import CommentStores
from comments.desk import replies
from comments.desk.arrival import receive_comment
from comments.desk.moderation import DONE, REFUSED, approve_comments, mark_spam, reject_comments
from comments.desk.private_store import PrivateStore
from comments.desk.public_store import read_public_comments
from comments.desk.queue_view import queue_report
from comments.desk.replies import WRITER_SOURCE, reply_target, writer_reply
from comments.desk.triage import TriageRules
from harbour.errors import HarbourError


@pytest.fixture
def stores(tmp_path: Path) -> CommentStores:
    return make_stores(tmp_path)


def receive(stores: CommentStores, body: str = "Thank you for this.", **fields: object) -> str:
    fields = {"post": "first-post", "author": "Mina", "email": "mina@example.invalid", **fields}
    received = receive_comment(
        stores, hold_rules(), body=body, moderator="tester", **fields  # type: ignore[arg-type]
    )
    return received.record.id


def reply(
    stores: CommentStores, to: str, body: str = "Thank you, Mina.", **options: object
) -> replies.WriterReply:
    options = {"author": "Robin", "moderator": "robin", **options}
    return writer_reply(stores, hold_rules(), to=to, body=body, **options)  # type: ignore[arg-type]


def snapshot(stores: CommentStores) -> dict[str, str]:
    """Every file of both stores with its text: what 'nothing written' compares."""
    files = {}
    for folder in (stores.private.root, stores.public_dir):
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file() and path.name != ".lock":
                files[str(path)] = path.read_text(encoding="utf-8")
    return files


def public_files(stores: CommentStores) -> list[str]:
    return sorted(str(p.relative_to(stores.public_dir)) for p in stores.public_dir.rglob("*.md"))


def test_a_reply_is_published_at_once_threaded_marked_and_recorded(stores: CommentStores) -> None:
    parent = receive(stores)
    approve_comments(stores, [parent], moderator="robin")
    done = reply(
        stores, parent, "Thank you, *Mina*.\n\nIt means a lot.", author_url="https://robin.example.org/"
    )
    assert done.result == DONE and done.parent_approval is None and not done.parent_waiting
    assert done.reply_id and done.path == stores.public_dir / "first-post" / f"{done.reply_id}.md"
    assert f"published your reply to {parent} by Mina" in done.message

    text = done.path.read_text(encoding="utf-8")
    assert text.splitlines()[2:4] == [f"Reply-To: {parent}", "Author-URL: https://robin.example.org/"]
    assert "Writer: yes" in text.split("\n\n")[0]
    (published,) = [c for c in read_public_comments(stores.public_dir) if c.id == done.reply_id]
    assert (published.author, published.reply_to, published.by_writer) == ("Robin", parent, True)
    assert published.body == "Thank you, *Mina*.\n\nIt means a lot."

    record = stores.private.read(done.reply_id)
    assert (record.status, record.source, record.email, record.ip, record.flags) == (
        "approved", WRITER_SOURCE, None, None, []
    )
    assert record.comment.by_writer and json.loads(
        (stores.private.records_dir / f"{done.reply_id}.json").read_text(encoding="utf-8")
    )["by_writer"] is True
    last = stores.private.audit_entries()[-1]
    assert {k: last[k] for k in ("action", "id", "post", "from", "to", "by", "source", "reply_to")} == {
        "action": "writer-reply", "id": done.reply_id, "post": "first-post", "from": None, "to": "approved",
        "by": "robin", "source": "writer", "reply_to": parent,
    }
    assert [step["action"] for step in record.history] == ["writer-reply"]


def test_a_reader_comment_is_never_marked_as_the_writers(stores: CommentStores) -> None:
    parent = receive(stores, author="Robin")  # a reader may call themselves anything
    approve_comments(stores, [parent])
    (published,) = read_public_comments(stores.public_dir)
    assert not published.by_writer
    assert "Writer" not in (stores.public_dir / "first-post" / f"{parent}.md").read_text(encoding="utf-8")
    assert "by_writer" not in json.loads(
        (stores.private.records_dir / f"{parent}.json").read_text(encoding="utf-8")
    )


def test_a_waiting_parent_is_refused_and_nothing_is_written(stores: CommentStores) -> None:
    parent = receive(stores)
    before = snapshot(stores)
    refused = reply(stores, parent)
    assert refused.result == REFUSED and refused.parent_waiting and refused.reply_id is None
    assert f"{parent} by Mina is still waiting for moderation" in refused.message
    assert snapshot(stores) == before
    assert reply_target(stores, parent).waiting


def test_approve_parent_approves_it_first_then_publishes_the_reply(stores: CommentStores) -> None:
    parent = receive(stores)
    done = reply(stores, parent, approve_parent=True)
    assert done.result == DONE and done.parent_approval is not None and done.parent_approval.result == DONE
    assert done.message.startswith(f"approved {parent}, then published your reply")
    assert stores.private.read(parent).status == "approved"
    assert public_files(stores) == sorted([f"first-post/{parent}.md", f"first-post/{done.reply_id}.md"])
    assert [(e["action"], e["id"], e["by"]) for e in stores.private.audit_entries()] == [
        ("receive", parent, "tester"), ("approve", parent, "robin"), ("writer-reply", done.reply_id, "robin"),
    ]


def test_approve_parent_refuses_when_the_parent_cannot_be_approved(stores: CommentStores) -> None:
    grandparent = receive(stores)
    parent = receive(stores, "A reply that waits too", reply_to=grandparent)
    before = snapshot(stores)
    refused = reply(stores, parent, approve_parent=True)
    assert refused.result == REFUSED and refused.parent_approval is not None
    assert f"since {parent} could not be approved: {parent} stays waiting" in refused.message
    assert snapshot(stores) == before  # approve_comments wrote nothing, and neither did the reply


@pytest.mark.parametrize("status", ["rejected", "spam"])
def test_a_rejected_or_spam_parent_is_refused_even_with_approve_parent(
    stores: CommentStores, status: str
) -> None:
    parent = receive(stores)
    if status == "rejected":
        reject_comments(stores, [parent], "personal details")
    else:
        mark_spam(stores, [parent])
    before = snapshot(stores)
    for approve_parent in (False, True):
        refused = reply(stores, parent, approve_parent=approve_parent)
        assert refused.result == REFUSED and not refused.parent_waiting and refused.parent_approval is None
        assert f"{parent} by Mina is {status}" in refused.message
        assert f"python3 dev.py comments-approve --id {parent}" in refused.message
    assert snapshot(stores) == before


def test_an_approved_parent_without_its_public_file_is_refused(stores: CommentStores) -> None:
    parent = receive(stores)
    approve_comments(stores, [parent])
    (stores.public_dir / "first-post" / f"{parent}.md").unlink()  # taken down by hand
    before = snapshot(stores)
    refused = reply(stores, parent)
    assert refused.result == REFUSED and "approved but has no public file" in refused.message
    assert snapshot(stores) == before


def test_a_parent_on_a_post_the_site_does_not_have_is_refused(stores: CommentStores) -> None:
    parent = receive(stores)
    approve_comments(stores, [parent])
    before = snapshot(stores)
    refused = reply(stores, parent, post_slugs={"second-post"})
    assert refused.result == REFUSED and "which this site does not have" in refused.message
    assert snapshot(stores) == before
    assert reply(stores, parent, post_slugs={"first-post"}).result == DONE


def test_a_hand_written_public_comment_can_be_answered(stores: CommentStores) -> None:
    write_comments(stores.content_dir, {"first-post/0a1b2c3d4e5f": comment_file("Mina")})
    done = reply(stores, "0a1b2c3d4e5f")
    assert done.result == DONE
    assert {c.id: c.reply_to for c in read_public_comments(stores.public_dir)} == {
        "0a1b2c3d4e5f": None, done.reply_id: "0a1b2c3d4e5f",
    }


def test_a_reply_to_a_reply_threads_under_it(stores: CommentStores) -> None:
    parent = receive(stores)
    first = reply(stores, parent, approve_parent=True)
    assert first.reply_id is not None
    again = reply(stores, first.reply_id, "And one more thing.")
    assert again.result == DONE
    assert stores.private.read(again.reply_id).comment.reply_to == first.reply_id  # type: ignore[arg-type]


def test_an_unknown_parent_raises_naming_it(stores: CommentStores) -> None:
    known = receive(stores)
    typo = known[:-1] + ("1" if known.endswith("0") else "0")
    with pytest.raises(HarbourError, match=rf"no comment with id '{typo}'.*did you mean '{known}'"):
        reply(stores, typo)
    with pytest.raises(HarbourError, match="is not a comment id"):
        reply(stores, "../etc")


@pytest.mark.parametrize(
    ("body", "options", "problem"),
    [
        ("   \n ", {}, "body is empty"),
        ("x" * 51, {}, "body is 51 characters long"),
        ("A\x1b[2Jcleared", {}, "body contains control characters"),
        (">" * 120 + " deep", {}, "body nests lists or quotes 120 levels deep"),
        ("Thanks", {"author": "Ro\x1b[2Jbin"}, "author contains control characters"),
        ("Thanks", {"author": "  "}, "author is empty"),
        ("Thanks", {"author_url": "javascript:alert(1)"}, "author_url 'javascript:alert(1)' is not"),
    ],
    ids=["empty", "too-long", "control", "nesting", "author", "no-author", "url"],
)
def test_the_body_is_checked_like_any_comment_and_nothing_is_written(
    stores: CommentStores, body: str, options: dict[str, object], problem: str
) -> None:
    parent = receive(stores)
    before = snapshot(stores)
    rules = TriageRules(length_limits={**TriageRules().length_limits, "body": 50})
    with pytest.raises(HarbourError) as raised:
        options = {"author": "Robin", **options}
        writer_reply(
            stores, rules, to=parent, body=body, approve_parent=True, **options  # type: ignore[arg-type]
        )
    assert problem in str(raised.value)
    assert snapshot(stores) == before  # the parent was not approved either


def test_a_reply_is_never_triaged(stores: CommentStores) -> None:
    parent = receive(stores)
    approve_comments(stores, [parent])
    rules = TriageRules(disallowed_words=["casino"], max_links_before_flag=1)
    body = "I want to die laughing at the casino joke: https://a.example/ https://b.example/"
    done = writer_reply(stores, rules, to=parent, body=body, author="Robin")
    assert done.result == DONE
    record = stores.private.read(done.reply_id)  # type: ignore[arg-type]
    assert (record.status, record.flags, record.notes) == ("approved", [], [])


def test_the_record_and_the_public_file_are_written_under_the_store_lock(
    stores: CommentStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = receive(stores)
    approve_comments(stores, [parent])
    held_during: list[str] = []

    def lock_is_held(what: str) -> None:
        try:
            with FileLock(stores.private.lock_path, timeout=0):  # another command's open of the lock
                pass
        except Timeout:
            held_during.append(what)

    real_write, real_publish = PrivateStore.write, replies.write_public_comment

    def write(self: PrivateStore, record: object) -> None:
        lock_is_held("record")
        real_write(self, record)  # type: ignore[arg-type]

    def publish(public_dir: Path, comment: object) -> Path:
        lock_is_held("public file")
        return real_publish(public_dir, comment)  # type: ignore[arg-type]

    monkeypatch.setattr(PrivateStore, "write", write)
    monkeypatch.setattr(replies, "write_public_comment", publish)
    assert reply(stores, parent).result == DONE
    assert held_during == ["record", "public file"]


def test_a_busy_store_refuses_and_writes_nothing(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    parent = receive(stores)
    approve_comments(stores, [parent])
    busy = CommentStores(
        private=PrivateStore(stores.private.root, lock_timeout=0.05),
        public_dir=stores.public_dir, content_dir=stores.content_dir,
    )
    before = snapshot(stores)
    with FileLock(stores.private.lock_path), pytest.raises(HarbourError, match="wait for it to finish"):
        reply(busy, parent)
    assert snapshot(stores) == before


class SimulatedCrash(Exception):
    pass


def crash(*args: object, **kwargs: object) -> None:
    raise SimulatedCrash("the machine stopped here")


def test_a_crash_between_record_and_public_file_is_reported_and_the_next_approve_publishes_it_marked(
    stores: CommentStores, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = receive(stores)
    approve_comments(stores, [parent])
    with monkeypatch.context() as patched:
        patched.setattr(replies, "write_public_comment", crash)
        with pytest.raises(SimulatedCrash):
            reply(stores, parent)
    (reply_id,) = set(stores.private.ids()) - {parent}
    assert public_files(stores) == [f"first-post/{parent}.md"]  # the record came first: not on the site
    assert f"{reply_id} is approved in its record but has no public file" in queue_report(stores)
    (outcome,) = approve_comments(stores, [reply_id])
    assert outcome.result == DONE
    (published,) = [c for c in read_public_comments(stores.public_dir) if c.id == reply_id]
    assert published.by_writer and published.reply_to == parent


def test_a_damaged_writer_mark_is_refused_with_its_file_and_line(stores: CommentStores) -> None:
    damaged = comment_file("Robin", extra="Writer: maybe")
    write_comments(stores.content_dir, {"first-post/0a1b2c3d4e5f": damaged})
    with pytest.raises(HarbourError, match=r"0a1b2c3d4e5f\.md:3: Writer 'maybe' is not yes or no"):
        read_public_comments(stores.public_dir)
    parent = receive(stores)
    path = stores.private.records_dir / f"{parent}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "by_writer": "yes"}), encoding="utf-8")
    with pytest.raises(HarbourError, match="by_writer must be true or false"):
        stores.private.read(parent)


@pytest.mark.parametrize("fmt", ["json", "wxr"])
def test_an_export_imported_elsewhere_keeps_the_writers_mark(tmp_path: Path, fmt: str) -> None:
    from comments.transfer.export import export_comments
    from comments.transfer.importer import import_file

    stores = make_stores(tmp_path / "here")
    parent = receive(stores)
    done = reply(stores, parent, approve_parent=True)
    exported = tmp_path / f"comments.{fmt}"
    export_comments(stores, fmt, exported, site_name="Still Here", site_url="https://x.example")
    elsewhere = make_stores(tmp_path / "elsewhere")
    import_file(elsewhere, hold_rules(), exported, post_slugs={"first-post"})
    marked = {c.id: c.by_writer for c in read_public_comments(elsewhere.public_dir)}
    assert marked == {parent: False, done.reply_id: True}
    assert elsewhere.private.read(done.reply_id).comment.by_writer  # type: ignore[arg-type]


def test_a_draft_loses_only_the_templates_header_lines_wherever_they_are(stores: CommentStores) -> None:
    parent = receive(stores, "It helped.\n\nA lot, *really*.")
    template = replies.reply_template(reply_target(stores, parent))
    assert template.startswith(f"# Your reply to Mina (comment {parent} on first-post), who wrote:\n")
    assert "#   > It helped. A lot, *really*.\n" in template and template.endswith("\n\n")
    typed_above = "Typed at the top.\r\n" + template.replace("\n", "\r\n") + "# My heading\r\n\r\nAnd below."
    kept = replies.reply_from_draft(typed_above, template)
    assert kept == "Typed at the top.\n\n# My heading\n\nAnd below."
    assert replies.reply_from_draft(template, template) == ""  # saved as it was: cancelled
    # A file of the writer's own, without the template: every line is theirs.
    assert replies.reply_from_draft("# Not ours\n\nText") == "# Not ours\n\nText"
