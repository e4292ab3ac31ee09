"""A load test of the real receiver on loopback, bounded in count and time: 200 clients send at once
(each from its own 127.0.x.y address: Linux routes all of 127/8 to loopback), each twice as a
double click would, while one client floods. Every accepted comment is in the queue exactly once,
none is lost, none duplicated, and the flood is held to the rate limit while the others get through.
The numbers it prints go in plugins/comments/README.md ("The receiver")."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from receiver_helpers import MIN_FILL, comment_fields, running_receiver

CLIENTS = 200
FLOOD = 40
RATE_LIMIT = 5
TIME_LIMIT_SECONDS = 20


def source_address(number: int) -> str:
    return f"127.0.{10 + number // 250}.{1 + number % 250}"


def test_two_hundred_clients_at_once_and_a_flood(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with running_receiver(tmp_path, rate_limit=RATE_LIMIT, rate_window_seconds=600) as receiver:
        flooder = "127.0.99.1"
        sends = [(source_address(n), receiver.token(source=source_address(n)), f"Comment of client {n}.")
                 for n in range(CLIENTS)]
        sends += [(flooder, receiver.token(source=flooder), f"Flood {n}.") for n in range(FLOOD)]
        receiver.clock.advance(MIN_FILL)
        start_together = threading.Barrier(len(sends))

        def send(source: str, token: str, body: str) -> tuple[str, str, int, int, str | None]:
            fields = comment_fields(token, author=f"Reader {source}", body=body)
            start_together.wait(timeout=30)
            first = receiver.post(fields, source=source)
            again = receiver.post(fields, source=source)  # a double click sends the same form again
            data = first.json()
            if again.status == 200:
                assert again.json()["id"] == data["id"]
            return source, body, first.status, again.status, data.get("id")

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(sends)) as pool:
            results = list(pool.map(lambda s: send(*s), sends))
        elapsed = time.perf_counter() - started

        clients = [r for r in results if r[0] != flooder]
        flood = [r for r in results if r[0] == flooder]
        assert [r[2] for r in clients] == [200] * CLIENTS, Counter(r[2] for r in clients)
        assert Counter(r[2] for r in flood) == {200: RATE_LIMIT, 429: FLOOD - RATE_LIMIT}
        accepted = {r[4]: r for r in results if r[2] == 200}
        assert len(accepted) == CLIENTS + RATE_LIMIT, "every accepted comment has its own id"

        auth = {"Authorization": "Bearer " + receiver.app.fetch_token}
        queue = receiver.request("GET", "/comments/queue", headers=auth).json()["records"]
        queued = Counter(r["id"] for r in queue)
        assert set(queued) == set(accepted), "none lost, none extra"
        assert max(queued.values()) == 1, "none duplicated"
        for record in queue:
            source, body = accepted[record["id"]][:2]
            assert (record["body"], record["ip"], record["author"]) == (body, source, f"Reader {source}")
        receipts = [e for e in receiver.stores.private.audit_entries() if e["action"] == "receive"]
        assert len(receipts) == len(accepted)
        assert elapsed < TIME_LIMIT_SECONDS, f"{elapsed:.1f} s"
        with capsys.disabled():
            total = 2 * len(sends)
            print(
                f"\nreceiver load test: {total} submissions ({len(sends)} forms, each sent twice) from "
                f"{CLIENTS + 1} clients in {elapsed:.2f} s; {len(accepted)} accepted "
                f"({len(accepted) / elapsed:.0f} per second), {FLOOD - RATE_LIMIT} of the flood refused "
                "(429), "
                f"{total / elapsed:.0f} requests per second"
            )
