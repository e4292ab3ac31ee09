"""Retention and erasure on request: IP addresses and browsers expire, one person's data goes when asked,
and the audit log says that it happened, never what was erased."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from comment_helpers import BASE_DATE, make_stores
from comments.config import CommentStores
from comments.desk.arrival import receive_comment
from comments.desk.moderation import DONE, REFUSED, approve_comments, reject_comments
from comments.desk.privacy import ERASED, erase_expired, forget_person
from comments.desk.public_store import read_public_comments
from comments.desk.triage import TriageRules
from conftest import ROOT
from harbour.errors import HarbourError

MINA = "mina.private@example.invalid"
IP = "198.51.100.23"
BROWSER = "Mozilla/5.0 (RetentionTestOS)"


@pytest.fixture
def stores(tmp_path: Path) -> CommentStores:
    return make_stores(tmp_path)


def receive(stores: CommentStores, body: str = "Thank you for writing this.", **fields: Any) -> str:
    fields = {"post": "first-post", "author": "Mina", "email": MINA, "ip": IP, "user_agent": BROWSER,
              **fields}
    return receive_comment(stores, TriageRules(), body=body, moderator="tester", **fields).record.id


def store_bytes(stores: CommentStores) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(stores.private.root.rglob("*")) if p.is_file())


def audit_text(stores: CommentStores) -> str:
    return stores.private.audit_path.read_text(encoding="utf-8")


# --- Retention ----------------------------------------------------------------------------


def test_ip_and_browser_older_than_the_retention_are_erased_and_the_rest_kept(stores: CommentStores) -> None:
    old = receive(stores, "Written long ago", date=BASE_DATE)  # an import of a 2024 comment
    fresh = receive(stores, "Written today", ip="203.0.113.7")
    before = stores.private.read(old)

    assert erase_expired(stores, 30, moderator="tester") == 1

    erased, kept = stores.private.read(old), stores.private.read(fresh)
    assert (erased.ip, erased.user_agent) == (None, None)
    assert erased.email == MINA and erased.comment == before.comment and erased.status == before.status
    assert erased.history[-1]["action"] == "erase-expired" and "30 days" in erased.history[-1]["reason"]
    assert (kept.ip, kept.user_agent) == ("203.0.113.7", BROWSER)
    entry = stores.private.audit_entries()[-1]
    assert entry == {
        "at": entry["at"], "action": "erase-expired", "records": 1, "retention_days": 30, "by": "tester"
    }
    assert IP not in audit_text(stores) and "RetentionTestOS" not in audit_text(stores)
    # Erased, not merely hidden: nowhere in the store's files.
    assert IP.encode() not in store_bytes(stores)


def test_retention_counts_from_arrival_and_erases_only_after_the_full_period(stores: CommentStores) -> None:
    comment_id = receive(stores)
    received = stores.private.read(comment_id).received_at
    assert erase_expired(stores, 30, now=received + timedelta(days=30)) == 0
    assert stores.private.read(comment_id).ip == IP
    assert erase_expired(stores, 30, now=received + timedelta(days=30, seconds=1)) == 1
    assert stores.private.read(comment_id).ip is None


def test_a_second_run_changes_nothing_and_writes_no_audit_line(stores: CommentStores) -> None:
    receive(stores, date=BASE_DATE)
    assert erase_expired(stores, 30) == 1
    audit = audit_text(stores)
    records = {p.name: p.read_bytes() for p in stores.private.records_dir.iterdir()}
    assert erase_expired(stores, 30) == 0
    assert audit_text(stores) == audit
    assert {p.name: p.read_bytes() for p in stores.private.records_dir.iterdir()} == records


def test_an_empty_store_is_not_created_by_a_retention_run(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    assert erase_expired(stores, 30) == 0
    assert not stores.private.root.exists()


def test_a_damaged_record_does_not_stop_the_others_from_expiring(stores: CommentStores) -> None:
    good = receive(stores, date=BASE_DATE)
    (stores.private.records_dir / "0123456789ab.json").write_text("{not json", encoding="utf-8")
    assert erase_expired(stores, 30) == 1
    assert stores.private.read(good).ip is None


@pytest.mark.parametrize("days", [0, -1, True, "30", 2.5])
def test_a_retention_that_is_not_a_whole_number_of_days_is_refused(
    stores: CommentStores, days: object
) -> None:
    receive(stores, date=BASE_DATE)
    with pytest.raises(HarbourError, match="retention_days"):
        erase_expired(stores, days)  # type: ignore[arg-type]
    assert stores.private.records_dir.is_dir() and IP.encode() in store_bytes(stores)


# --- Forgetting one person ------------------------------------------------------------------


def test_forget_erases_their_email_ip_and_browser_from_every_record_and_nothing_else(
    stores: CommentStores,
) -> None:
    first = receive(stores, "First")
    second = receive(stores, "Second", email="  MINA.Private@Example.INVALID ")  # kept as typed, trimmed
    other = receive(stores, "Someone else", author="Sam", email="sam@example.invalid", ip="192.0.2.5")
    longer = receive(stores, "Another Mina", email="a" + MINA)  # a longer address ending in hers
    approve_comments(stores, [first], moderator="tester")
    published = read_public_comments(stores.public_dir)

    forgotten = forget_person(stores, f" {MINA.upper()} ", moderator="tester")

    assert (forgotten.records, forgotten.mentions, forgotten.unpublished) == (2, 0, [])
    for comment_id in (first, second):
        record = stores.private.read(comment_id)
        assert (record.email, record.ip, record.user_agent) == (None, None, None)
        assert record.history[-1]["action"] == "forget"
    assert stores.private.read(first).status == "approved"
    assert read_public_comments(stores.public_dir) == published  # without --unpublish the site is unchanged
    someone_else = stores.private.read(other)
    assert (someone_else.email, someone_else.ip) == ("sam@example.invalid", "192.0.2.5")
    assert stores.private.read(longer).email == "a" + MINA
    entry = stores.private.audit_entries()[-1]
    assert entry == {
        "at": entry["at"], "action": "forget", "records": 2, "mentions": 0, "audit_lines": 0,
        "unpublished": 0, "by": "tester",
    }
    everything = store_bytes(stores).lower().replace(("a" + MINA).encode(), b"")
    assert MINA.encode() not in everything


def test_forget_with_unpublish_takes_their_comments_down_and_keeps_every_record(
    stores: CommentStores,
) -> None:
    published = receive(stores, "Published")
    waiting = receive(stores, "Waiting")
    approve_comments(stores, [published], moderator="tester")

    forgotten = forget_person(stores, MINA, unpublish=True, moderator="tester")

    assert [(o.id, o.result) for o in forgotten.unpublished] == [(published, DONE)]
    assert read_public_comments(stores.public_dir) == []
    record = stores.private.read(published)
    assert record.status == "rejected" and record.comment.body == "Published" and record.email is None
    assert stores.private.read(waiting).status == "pending"  # never published: left for the writer
    assert [e["action"] for e in stores.private.audit_entries()][-2:] == ["unpublish", "forget"]
    assert stores.private.audit_entries()[-1]["unpublished"] == 1
    assert MINA.encode() not in store_bytes(stores).lower()


def test_a_comment_others_replied_to_stays_up_but_its_author_is_forgotten(stores: CommentStores) -> None:
    parent = receive(stores, "Mine")
    reply = receive(
        stores, "A reply by someone else", author="Sam", email="sam@example.invalid", reply_to=parent
    )
    approve_comments(stores, [parent, reply], moderator="tester")

    forgotten = forget_person(stores, MINA, unpublish=True, moderator="tester")

    ((comment_id, result, message),) = [(o.id, o.result, o.message) for o in forgotten.unpublished]
    assert (comment_id, result) == (parent, REFUSED) and reply in message
    assert {c.id for c in read_public_comments(stores.public_dir)} == {parent, reply}
    assert stores.private.read(parent).email is None
    assert stores.private.read(reply).email == "sam@example.invalid"


def test_their_address_is_taken_out_of_notes_and_reasons_of_other_records(stores: CommentStores) -> None:
    theirs = receive(stores, "Mine")
    other = receive(stores, "Someone else", author="Sam", email="sam@example.invalid", ip="192.0.2.5")
    reject_comments(stores, [other], f"same person as {MINA}? or as a{MINA}", moderator="tester")

    forgotten = forget_person(stores, MINA, moderator="tester")

    assert (forgotten.records, forgotten.mentions) == (1, 1)
    record = stores.private.read(other)
    # A longer address that merely ends in theirs is someone else's and stays.
    assert record.reason == f"same person as {ERASED}? or as a{MINA}"
    assert record.email == "sam@example.invalid"
    assert record.ip == "192.0.2.5"
    assert all(f" {MINA}" not in json.dumps(step) for step in record.history)
    assert stores.private.read(theirs).email is None
    # The audit log loses the address, not a line: it still says what happened, only not to whom.
    entries = stores.private.audit_entries()
    assert [e["action"] for e in entries] == ["receive", "receive", "reject", "forget"]
    assert entries[2]["reason"] == f"same person as {ERASED}? or as a{MINA}"
    assert entries[3]["audit_lines"] == 1 and forgotten.audit_lines == 1
    assert MINA.encode() not in store_bytes(stores).replace(("a" + MINA).encode(), b"")


@pytest.mark.parametrize("address", ["nobody@example.invalid", "  ", ""])
def test_an_unknown_or_empty_address_changes_nothing(stores: CommentStores, address: str) -> None:
    receive(stores)
    before = store_bytes(stores)
    with pytest.raises(HarbourError, match="no e-mail address given|has the e-mail 'nobody@example.invalid'"):
        forget_person(stores, address)
    assert store_bytes(stores) == before


def test_forgetting_twice_says_it_is_already_erased(stores: CommentStores) -> None:
    receive(stores)
    forget_person(stores, MINA)
    with pytest.raises(HarbourError, match="already erased"):
        forget_person(stores, MINA)


# --- The tasks, as a writer runs them -------------------------------------------------------


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def on(stores: CommentStores) -> list[str]:
    return ["--private", str(stores.private.root), "--content", str(stores.content_dir)]


def test_every_comments_task_erases_what_has_expired_before_it_runs(stores: CommentStores) -> None:
    old = receive(stores, "Written long ago", date=BASE_DATE)
    fresh = receive(stores, "Written today")
    queue = invoke("comments-queue", *on(stores))
    assert queue.returncode == 0, queue.stderr
    assert "Erased the IP address and browser of 1 comment received more than 30 days ago" in queue.stderr
    assert stores.private.read(old).ip is None and stores.private.read(fresh).ip == IP
    shown = invoke("comments-show", "--id", old, *on(stores))
    assert "IP:" not in shown.stdout and "Erased" not in shown.stderr  # nothing left to erase


def test_the_forget_task_erases_unpublishes_and_never_repeats_the_address(stores: CommentStores) -> None:
    comment_id = receive(stores)
    approve_comments(stores, [comment_id], moderator="tester")
    assert "comments-forget" in invoke("--list").stdout

    result = invoke("comments-forget", "--email", MINA.upper(), "--unpublish", *on(stores))

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Erased the e-mail, IP address and browser of 1 comment by that address.",
        "The audit log records that this happened and how many, not the address.",
        f"{comment_id} unpublished: its public file is removed, its record kept",
        "Run `python3 dev.py publish` (or your deploy) to update the live site.",
    ]
    assert MINA not in (result.stdout + result.stderr).lower()
    assert stores.private.read(comment_id).status == "rejected"
    assert read_public_comments(stores.public_dir) == []


def test_the_forget_task_refuses_control_characters_and_unknown_addresses(stores: CommentStores) -> None:
    receive(stores)
    before = store_bytes(stores)
    injected = invoke("comments-forget", "--email", MINA + "\n", *on(stores))
    unknown = invoke("comments-forget", "--email", "nobody@example.invalid", *on(stores))
    assert injected.returncode == 1 and "--email contains a line break (U+000A)" in injected.stderr
    assert unknown.returncode == 1 and "no comment in the private store" in unknown.stderr
    assert "Traceback" not in injected.stderr + unknown.stderr
    assert store_bytes(stores) == before


def test_the_forget_task_exits_1_when_a_comment_stays_up_for_its_replies(stores: CommentStores) -> None:
    parent = receive(stores, "Mine")
    reply = receive(stores, "A reply", author="Sam", email="sam@example.invalid", reply_to=parent)
    approve_comments(stores, [parent, reply], moderator="tester")
    result = invoke("comments-forget", "--email", MINA, "--unpublish", *on(stores))
    assert result.returncode == 1
    assert f"their data is erased, but {parent} stayed published" in result.stderr
    assert stores.private.read(parent).email is None
