"""The leak guard on its own: what counts as warned text, and where it may and may not show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from content_warnings.gate import GateTag, render_gate
from content_warnings.leak_guard import RUN, SETTLING_NEEDED, Gate, LeakGuard

WARNED = "<p>the long night I spent on the bathroom floor counting tiles until the morning</p>"
PHRASE = "the long night i spent on the bathroom floor counting tiles until the morning"  # as the guard reports them
POST = Gate("cw-passage-1", "posts/x/index.html", "content/posts/x.md")


def guard(*gates: tuple[str, Gate], shown: tuple[str, ...] = ()) -> LeakGuard:
    made = LeakGuard()
    for html, gate in gates or ((WARNED, POST),):
        made.hidden(html, gate)
    for html in shown:
        made.shown(html)
    return made


def page(body: str) -> str:
    return f"<!doctype html><html><head><title>A post</title></head><body><main>{body}</main></body></html>"


def gated(inner: str = WARNED, gate_id: str = "cw-passage-1") -> str:
    return render_gate(gate_id=gate_id, kind="passage", tags=[GateTag("grief", "Grief")], inner_html=inner)


def site(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_warned_text_inside_its_own_gate_on_its_own_page_is_fine(tmp_path: Path) -> None:
    output = site(tmp_path, {"posts/x/index.html": page("<p>Before.</p>" + gated())})
    assert guard().check(output) == []


def test_warned_text_outside_any_gate_is_a_leak_naming_page_source_gate_and_words(tmp_path: Path) -> None:
    output = site(tmp_path, {"index.html": page("<p>Summary: the long night I spent on the bathroom floor counting"
                                                " tiles</p>")})
    problems = guard().check(output)
    assert len(problems) == 1
    assert problems[0].startswith(
        'index.html: warned text from content/posts/x.md (cw-passage-1) shows outside any gate: '
        '"the long night i spent on the bathroom floor counting tiles"; '
    )


def test_in_another_gate_or_on_another_page_is_a_leak(tmp_path: Path) -> None:
    output = site(tmp_path, {
        "posts/x/index.html": page(gated(gate_id="cw-passage-2")),
        "posts/y/index.html": page(gated()),
    })
    problems = guard().check(output)
    assert any(p.startswith("posts/x/index.html:") and "shows inside another gate" in p for p in problems)
    assert any(p.startswith("posts/y/index.html:") and "shows inside another gate" in p for p in problems)


def test_a_gate_inside_its_gate_is_fine_and_the_inner_gates_text_is_its_own(tmp_path: Path) -> None:
    comment = "<p>my own loss that spring was the hardest thing I have written about here</p>"
    thread = gated(gated(comment, gate_id="comment-1-cw") + "<p>A reply anyone may read.</p>", gate_id="cw-comments")
    output = site(tmp_path, {"posts/x/index.html": page(thread)})
    made = guard((comment, Gate("comment-1-cw", "posts/x/index.html", "content/comments/x/1.md")))
    assert made.check(output) == []
    # The thread's gate alone would not do for a comment registered with its own gate only.
    loose = site(tmp_path / "loose", {"posts/x/index.html": page(gated(comment, gate_id="cw-comments"))})
    assert made.check(loose) != []


def test_text_the_writer_also_shows_openly_is_not_a_leak(tmp_path: Path) -> None:
    output = site(tmp_path, {"index.html": page(WARNED)})
    assert guard(shown=("<p>Once: the long night I spent on the bathroom floor counting tiles until the morning.</p>",)).check(
        output
    ) == [], "the writer wrote these words openly elsewhere: they are theirs to show"
    assert guard().check(output) != []


def test_runs_shorter_than_the_guards_length_are_not_known(tmp_path: Path) -> None:
    short = "<p>" + " ".join(["brief"] * (RUN - 1)) + "</p>"
    output = site(tmp_path, {"index.html": page(short)})
    assert guard((short, POST)).check(output) == []


def test_what_the_browser_puts_outside_is_outside_however_it_is_spelt(tmp_path: Path) -> None:
    broken = gated().replace("<p>the long night", "<p>the</div/></div foo> long night")
    output = site(tmp_path, {"posts/x/index.html": page(broken)})
    problems = guard().check(output)
    assert problems and "shows outside any gate" in problems[0]


def test_attributes_count_as_shown(tmp_path: Path) -> None:
    output = site(tmp_path, {"index.html": page(
        '<meta name="description" content="the long night I spent on the bathroom floor counting tiles">'
    )})
    assert guard().check(output) != []


def test_an_offsite_address_written_only_inside_a_gate_is_known(tmp_path: Path) -> None:
    link = '<p><a href="https://example.org/a-very-private-place">there</a></p>'
    output = site(tmp_path, {"index.html": page('<a href="https://example.org/a-very-private-place">x</a>')})
    problems = guard((link, POST)).check(output)
    assert problems == [
        "index.html: the address https://example.org/a-very-private-place written inside a warning in "
        "content/posts/x.md (cw-passage-1) shows outside any gate; " + problems[0].split("; ", 1)[1]
    ]
    own = '<p><a href="/support/">support</a></p>'
    assert guard((own, POST)).check(site(tmp_path / "own", {"index.html": page(own)})) == []


def test_feeds_and_json_may_not_carry_warned_text_at_all(tmp_path: Path) -> None:
    entry = WARNED.replace("<", "&lt;").replace(">", "&gt;")
    feed = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">{entry}' \
           "</content></entry></feed>"
    data = json.dumps({"comments": [{"replies": [{"body_html": gated()}]}]})
    output = site(tmp_path, {"feeds/all.atom.xml": feed, "comments/x.json": data})
    problems = guard().check(output)
    assert [p.split(":")[0] for p in problems] == ["comments/x.json", "feeds/all.atom.xml"]
    assert all("shows in this file" in p and PHRASE in p for p in problems)


def test_texts_written_after_the_site_may_not_carry_warned_text_at_all() -> None:
    # The search index's entries (plugins/site_search), by name; a gate's markup there counts for nothing.
    texts = {
        "entry for /posts/x/": f"A post. {PHRASE}.",
        "entry for /posts/y/": gated(),
        "entry for /posts/z/": "A post. Content note: Grief.",
    }
    problems = guard().check_texts(texts)
    assert [p.split(":")[0] for p in problems] == ["entry for /posts/x/", "entry for /posts/y/"]
    assert all("shows in this file" in p and PHRASE in p for p in problems)
    assert LeakGuard().check_texts(texts) == []


def test_with_nothing_warned_the_site_is_not_read(tmp_path: Path) -> None:
    output = site(tmp_path, {"index.html": "<p>not even valid <div"})
    assert LeakGuard().check(output) == []


class Kept(dict):
    """The verdicts a build keeps for the next one (the build memo's table is the same shape)."""

    def put(self, key: str, value: object) -> None:
        self[key] = value

    def __len__(self) -> int:  # the verdicts alone, not the guard's note on settling
        return len([key for key in self if key != SETTLING_NEEDED])


def test_a_kept_verdict_is_used_only_for_the_same_bytes_under_the_same_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import content_warnings.leak_guard as leak_guard

    output = site(tmp_path, {"index.html": page("<p>An ordinary listing.</p>"), "posts/x/index.html": page(gated())})
    kept = Kept()
    assert guard().check(output, kept) == [] and len(kept) == 2

    # The same files under the same warnings: nothing is read again.
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a page with a kept verdict was parsed again")

    monkeypatch.setattr(leak_guard, "parse_document", never)
    assert guard().check(output, kept) == []
    monkeypatch.undo()

    # The same bytes, but a gate now hides words that page shows: read again, and a leak.
    listing = "<p>An ordinary listing of the days when everything felt too heavy to carry</p>"
    (output / "index.html").write_text(page(listing), encoding="utf-8")
    assert guard().check(output, kept) == []
    problems = guard((WARNED, POST), (listing, Gate("cw-passage-2", "posts/x/index.html", "content/posts/x.md")))
    assert [p.split(":")[0] for p in problems.check(output, kept)] == ["index.html"]


def test_workers_find_the_same_leaks_as_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import content_warnings.leak_guard as leak_guard
    import harbour.workers as workers

    files = {f"posts/p{n}/index.html": page(f"<p>Post {n}, nothing warned.</p>") for n in range(12)}
    files["posts/x/index.html"] = page(gated())
    files["tag/x/index.html"] = page("<p>the long night I spent on the bathroom floor counting tiles</p>")
    files["feeds/all.json"] = json.dumps({"summary": WARNED})
    output = site(tmp_path, files)
    alone = guard().check(output)
    assert [p.split(":")[0] for p in alone] == ["feeds/all.json", "tag/x/index.html"]
    alone_texts = guard().check_texts({f"entry-{n}": f"<p>Entry {n}.</p>" for n in range(6)} | {"entry-x": WARNED})
    assert [p.split(":")[0] for p in alone_texts] == ["entry-x"]
    monkeypatch.setattr(leak_guard, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    forked = []
    real_pool = workers.fork_pool

    def counted_pool() -> object:
        pool = real_pool()
        forked.append(pool)
        return pool

    monkeypatch.setattr(leak_guard, "fork_pool", counted_pool)
    assert guard().check(output) == alone
    assert forked and forked[0] is not None, "the pages were read by workers"
    # The search index's entries too.
    texts = {f"entry-{n}": f"<p>Entry {n}.</p>" for n in range(6)} | {"entry-x": WARNED}
    assert guard().check_texts(texts) == alone_texts and len(forked) == 2 and forked[1] is not None


SAID = "<p>Once: the long night I spent on the bathroom floor counting tiles until the morning.</p>"
SECOND = "<p>a second warned passage that nobody shows anywhere at all here</p>"


@pytest.fixture
def settling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[str]]:
    """A site where four posts hold warned words the writer also shows and one page leaks, and
    its leaks found by one process; from then on read by two forked workers, each file read and
    each settling logged with its process id."""
    import os

    import content_warnings.leak_guard as leak_guard
    import harbour.workers as workers

    files = {f"posts/p{n}/index.html": page(f"<p>Post {n}.</p>{SAID if n % 3 == 0 else ''}") for n in range(12)}
    files["posts/x/index.html"] = page(gated())
    files["tag/x/index.html"] = page("<p>the long night I spent on the bathroom floor counting tiles</p>")
    files["about/index.html"] = page(SECOND)
    output = site(tmp_path / "site", files)
    assert len(guard((WARNED, POST), (SECOND, POST)).check(output)) == 6
    alone = guard((WARNED, POST), (SECOND, POST), shown=(SAID,)).check(output)
    assert [p.split(":")[0] for p in alone] == ["about/index.html"]
    log = tmp_path / "log"
    real_settle, real_read = LeakGuard._settle, LeakGuard._read

    def settle(self: LeakGuard) -> None:
        if self._shown:
            with log.open("a", encoding="utf-8") as file:
                file.write(f"{os.getpid()} settle\n")
        real_settle(self)

    def read(self: LeakGuard, output: Path, name: str) -> Any:
        with log.open("a", encoding="utf-8") as file:
            file.write(f"{os.getpid()} {name}\n")
        return real_read(self, output, name)

    monkeypatch.setattr(LeakGuard, "_settle", settle)
    monkeypatch.setattr(LeakGuard, "_read", read)
    monkeypatch.setattr(leak_guard, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    return output, log, alone


def logged(log: Path) -> list[tuple[int, str]]:
    lines = log.read_text(encoding="utf-8").split("\n") if log.exists() else []
    log.unlink(missing_ok=True)
    return [(int(pid), what) for pid, what in (line.split(" ", 1) for line in lines if line)]


def test_workers_leave_what_is_shown_to_the_parent_which_reads_it_once(
    settling: tuple[Path, Path, list[str]],
) -> None:
    """Settling reads every post and comment the writer shows: once in all, not once in each worker."""
    import os

    output, log, alone = settling
    assert guard((WARNED, POST), (SECOND, POST), shown=(SAID,)).check(output) == alone
    events = logged(log)
    assert {pid for pid, what in events if what != "settle"} - {os.getpid()}, "workers read files"
    assert [pid for pid, what in events if what == "settle"] == [os.getpid()], "settled once, in this process"


def test_when_the_last_build_needed_settling_it_comes_first_and_no_file_is_read_twice(
    settling: tuple[Path, Path, list[str]],
) -> None:
    import os

    output, log, alone = settling
    kept = Kept()
    assert guard((WARNED, POST), (SECOND, POST), shown=(SAID,)).check(output, kept) == alone
    assert kept[SETTLING_NEEDED] is True
    names = [what for _, what in logged(log) if what != "settle"]
    assert len(names) > len(set(names)), "without the note, the files holding shown words are read twice"
    # Another warning (an edited warned post): every file is read again, and settled first.
    third = ("<p>a third warned passage, added by an edit to a warned post today</p>", POST)
    assert guard((WARNED, POST), (SECOND, POST), third, shown=(SAID,)).check(output, kept) == alone
    events = logged(log)
    names = [what for _, what in events if what != "settle"]
    assert len(names) == len(set(names)) == 15, "each file read once"
    assert events[0] == (os.getpid(), "settle"), "settled before the workers were forked"


def test_a_change_to_what_is_shown_rereads_only_files_holding_warned_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import content_warnings.leak_guard as leak_guard

    said = "<p>Once: the long night I spent on the bathroom floor counting tiles until the morning.</p>"
    output = site(tmp_path, {"index.html": page("<p>An ordinary listing.</p>"), "about/index.html": page(said)})
    kept = Kept()
    # The writer also says the warned words openly on the about page: not a leak.
    assert guard(shown=(said,)).check(output, kept) == []
    read: list[str] = []
    real = leak_guard.parse_document
    monkeypatch.setattr(leak_guard, "parse_document", lambda html: read.append(html) or real(html))
    # Something else shown changed (an open post was edited): only the page with warned words is read.
    assert guard(shown=(said, "<p>An edited open post.</p>")).check(output, kept) == []
    assert len(read) == 1 and b"bathroom floor" in read[0]
    # The writer no longer says them openly: the about page now leaks, though its bytes are the same.
    assert [p.split(":")[0] for p in guard().check(output, kept)] == ["about/index.html"]
