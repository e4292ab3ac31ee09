"""Two moderators at once, in two real processes: no comment, step or audit line lost or doubled."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from pathlib import Path
from typing import Any

from comment_helpers import hold_rules, make_stores
from comments.desk.arrival import receive_comment
from comments.config import CommentStores
from comments.desk.moderation import DONE, approve_comments, mark_spam, reject_comments
from comments.desk.public_store import format_comment_file, read_public_comments

# fork: the child inherits sys.path (plugins/, tests/) without re-importing this test module.
CONTEXT = multiprocessing.get_context("fork")


def _moderator(root: str, name: str, steps: list[tuple[str, list[str]]], barrier: Any, results: Any) -> None:
    stores = make_stores(Path(root))
    done: list[tuple[str, str, str]] = []
    barrier.wait()  # both start together, so their steps interleave
    for action, ids in steps:
        if action == "receive":
            for n, post in enumerate(ids):
                record = receive_comment(
                    stores,
                    hold_rules(),
                    post=post,
                    author=f"{name}-{n}",
                    body=f"from {name}, {n}",
                    email=f"{name}{n}@example.invalid",
                    moderator=name,
                ).record
                done.append(("receive", record.id, DONE))
            continue
        if action == "approve":
            outcomes = approve_comments(stores, ids, moderator=name)
        elif action == "reject":
            outcomes = reject_comments(stores, ids, f"rejected by {name}", moderator=name)
        else:
            outcomes = mark_spam(stores, ids, moderator=name)
        done += [(action, o.id, o.result) for o in outcomes]
    results.put((name, done))


def run_two_moderators(root: Path, first: list, second: list) -> list[tuple[str, str, str]]:
    barrier, results = CONTEXT.Barrier(2), CONTEXT.Queue()
    workers = [
        CONTEXT.Process(target=_moderator, args=(str(root), name, steps, barrier, results))
        for name, steps in (("alex", first), ("bo", second))
    ]
    for worker in workers:
        worker.start()
    collected = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return [step for _, steps in collected for step in steps]


def assert_store_consistent(stores: CommentStores) -> None:
    """Each record's history matches its audit lines, and the public store matches the approved records."""
    records = {r.id: r for r in stores.private.all_records()}
    audit = stores.private.audit_entries()
    by_id: dict[str, list[str]] = {}
    for entry in audit:
        by_id.setdefault(entry["id"], []).append(entry["action"])
    assert set(by_id) == set(records)
    for comment_id, record in records.items():
        assert [h["action"] for h in record.history] == by_id[comment_id], comment_id
    published = {c.id: c for c in read_public_comments(stores.public_dir)}
    assert set(published) == {i for i, r in records.items() if r.status == "approved"}
    for comment_id, comment in published.items():
        path = stores.public_dir / comment.post / f"{comment_id}.md"
        assert path.read_text(encoding="utf-8") == format_comment_file(records[comment_id].comment)


def seed(stores: CommentStores, count: int) -> list[str]:
    return [
        receive_comment(
            stores,
            hold_rules(),
            post=f"post-{i % 3}",
            author=f"Reader {i}",
            body=f"Comment {i}",
            moderator="seed",
        ).record.id
        for i in range(count)
    ]


def test_two_moderators_approving_overlapping_comments_approve_each_once(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    ids = seed(stores, 40)
    steps = run_two_moderators(tmp_path, [("approve", ids[:30])], [("approve", list(reversed(ids[10:])))])
    done = Counter(i for action, i, result in steps if action == "approve" and result == DONE)
    assert done == Counter(ids), "every comment approved exactly once"
    assert_store_consistent(stores)
    assert Counter(e["action"] for e in stores.private.audit_entries()) == {"receive": 40, "approve": 40}


def test_rejecting_and_marking_spam_at_once_keeps_every_comment_and_step(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    ids = seed(stores, 40)
    steps = run_two_moderators(
        tmp_path, [("reject", ids)], [("spam", list(reversed(ids))), ("approve", ids[::4])]
    )
    assert stores.private.ids() == sorted(ids)
    assert_store_consistent(stores)
    effective = [(a, i) for a, i, result in steps if result == DONE]
    moderation_lines = [
        (e["action"], e["id"]) for e in stores.private.audit_entries() if e["action"] != "receive"
    ]
    assert Counter(moderation_lines) == Counter(effective)
    statuses = Counter(r.status for r in stores.private.all_records())
    assert statuses["approved"] == 10 and sum(statuses.values()) == 40


def test_comments_arriving_in_two_processes_at_once_are_all_kept(tmp_path: Path) -> None:
    stores = make_stores(tmp_path)
    posts = [f"post-{i % 2}" for i in range(25)]
    steps = run_two_moderators(tmp_path, [("receive", posts)], [("receive", posts)])
    received = [i for action, i, _ in steps if action == "receive"]
    assert len(received) == len(set(received)) == 50
    assert stores.private.ids() == sorted(received)
    assert_store_consistent(stores)
    assert len(stores.private.audit_entries()) == 50


def test_threads_sharing_a_new_store_take_turns(tmp_path: Path) -> None:
    """The receiver's threads share one PrivateStore: making its lock must not race (a lock made
    twice let the first one go while its holder was still inside)."""
    import threading
    import time

    for attempt in range(6):
        store = make_stores(tmp_path / str(attempt)).private
        inside: list[int] = []
        most = [0]
        start = threading.Barrier(8)

        def work() -> None:
            start.wait(timeout=30)
            with store.locked():
                inside.append(1)
                most[0] = max(most[0], len(inside))
                time.sleep(0.002)  # stays inside a moment, so that an overlap would show
                inside.pop()

        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert most[0] == 1, f"attempt {attempt}: {most[0]} threads held the lock at once"
