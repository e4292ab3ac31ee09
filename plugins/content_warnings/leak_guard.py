"""The leak guard: after a build has written the site, prove that no warned text shows outside its gate.

During the build the guard is told what every gate hides (a warned passage, a gated post, a
warned comment, the comments under a gated post) and what the writer shows openly (titles,
content notes, the visible parts of posts and pages, comments without a warning). Then it reads
every page the way a browser does, every feed and every JSON file (and, when the site search asks,
each entry of its index), and looks for *warned text*:
any run of ``RUN`` consecutive words that the sources hold only inside gates, and any link
address written only inside gates. Such a run may appear only inside the hidden body of the gate
that hides it (or of a gate around that one), on that gate's own page; anywhere else it is a leak,
and the build fails naming the page, the source and the words.

Words are compared case-folded, as runs of letters and digits, so markup, entities and
typography between them do not matter.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import xml.etree.ElementTree as ElementTree
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from content_warnings.html5 import GATE_BODY, is_gate_body, parse_document, parse_fragment
from harbour.workers import chunks, fork_pool, worker_count

RUN = 8  # words: long enough that ordinary phrases ("I didn't know what to do") are not flagged
WORD = re.compile(r"\w+")
# Attributes whose words a reader meets (shown, spoken or previewed); addresses are compared whole.
ATTRIBUTES = ("title", "alt", "aria-label", "content", "placeholder", "value")
TEXT_ATTRIBUTES = ", ".join(f"[{name}]" for name in ATTRIBUTES)
ADDRESSES = ("href", "src")
PAGES = (".html", ".htm")
FEEDS = (".xml", ".atom", ".rss")
DATA = (".json",)
FIX = (
    "if you wrote these words outside the warning too (in a Summary, say), reword them there; "
    "otherwise a template or plugin shows warned text and must be fixed"
)
MOST_PER_PAGE = 3  # leaks reported per page: enough to find the cause, few enough to read
PARALLEL_PAGES = 200  # files to read: below this, forking workers costs more than it saves
REMEMBERED_LINE = 160  # characters: longer lines are read each time, not remembered
SETTLING_NEEDED = "settling needed"  # the verdicts' entry: whether the last build's pages needed settling


# A name: its leaks, and whether what is shown decided them (None: left to the parent, see _read_all).
Reader = Callable[[str], tuple[list[str], bool] | None]


class Verdicts(Protocol):
    """Where findings are kept between builds (the build memo's table)."""

    def get(self, key: str) -> Any | None: ...

    def put(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class Gate:
    """Where a piece of warned text may show: inside this gate's hidden body, on this page."""

    gate_id: str
    page: str | None  # the output-relative path of its page; None: any page
    source: str  # the file the writer wrote it in, as the writer knows it


def words(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def runs(tokens: list[str], length: int = RUN) -> Iterator[tuple[str, ...]]:
    """Every run of ``length`` consecutive words, made in C by zip: the guard reads every page."""
    return zip(*(tokens[start:] for start in range(length)))


def known(tokens: list[str], warned: Mapping[int, object]) -> set[int]:
    """The runs of ``tokens`` that are warned text, by their hash (hashed and filtered in C too).

    Runs are kept by hash, not as tuples of words: a large site's gates hold hundreds of
    thousands of runs. Two different runs sharing a 64-bit hash could only ever report a leak
    that is not there, never hide one.
    """
    return set(filter(warned.__contains__, map(hash, runs(tokens))))


def _html_text(tree: Any) -> str:
    """The text a reader can meet in a parsed tree, its text and the attributes that show or speak,
    one text node or attribute a line."""
    parts = [tree.text(separator="\n") if hasattr(tree, "text") else ""]
    for node in tree.css(TEXT_ATTRIBUTES):
        parts += [value for name, value in node.attributes.items() if name in ATTRIBUTES and value]
    return "\n".join(parts)


def _addresses(tree: Any) -> set[str]:
    return {
        value
        for node in tree.css("[href], [src]")
        for name, value in node.attributes.items()
        if name in ADDRESSES and value and _is_offsite(value)
    }


def _is_offsite(address: str) -> bool:
    # Links to the site's own pages (the support page, a tag) are chrome on every page, not words.
    return address.startswith(("http://", "https://", "//", "mailto:"))


class LeakGuard:
    """What gates hide and what the writer shows, learnt during a build; then the check of its output."""

    def __init__(self) -> None:
        self._warned: dict[int, tuple[Gate, ...]] = {}  # a run's hash: the gates that hide it
        self._warned_addresses: dict[str, tuple[Gate, ...]] = {}
        self._hidden: list[tuple[str, Gate]] = []  # learnt from only when some page needs reading
        self._shown: list[str] = []  # HTML or text the writer shows openly, subtracted at check time
        self._line_words: dict[str, list[str]] = {}  # the chrome of every page is the same few lines
        self._settled: dict[int, tuple[Gate, ...]] = {}  # warned runs the writer also shows openly
        self._settled_addresses: dict[str, tuple[Gate, ...]] = {}
        # What the guard was told, in order: with a file's bytes, what gates hide decides its
        # verdict; what the writer shows matters too only where the file holds warned words.
        self._hidden_knowledge = hashlib.sha256()
        self._shown_knowledge = hashlib.sha256()
        self._read_shown = False  # whether the file being read met words the writer also shows
        self._settle_here = True  # False in forked workers: they leave settling to the parent
        self._needs_settling = False  # whether some file's verdict follows from what is shown

    @staticmethod
    def _know(knowledge: Any, *parts: str) -> None:
        for part in parts:
            data = part.encode("utf-8", "surrogatepass")
            knowledge.update(len(data).to_bytes(8, "big"))
            knowledge.update(data)

    def _words(self, text: str) -> list[str]:
        """``words(text)``, a line at a time, remembering short lines met before (a word never spans
        lines). The lines every page repeats (navigation, footer, labels) are short; a post's
        paragraphs are long and met once, and remembering them cost a large site tens of megabytes."""
        if len(self._line_words) > 20_000:
            self._line_words.clear()
        out: list[str] = []
        for line in text.split("\n"):
            if len(line) > REMEMBERED_LINE:
                out += words(line)
                continue
            found = self._line_words.get(line)
            if found is None:
                found = self._line_words[line] = words(line)
            out += found
        return out

    def hidden(self, html: str, gate: Gate) -> None:
        """``html`` is what ``gate`` hides."""
        self._know(self._hidden_knowledge, html, gate.gate_id, gate.page or "", gate.source)
        self._hidden.append((html, gate))

    def _learn(self) -> None:
        """Read what the gates hide (once, and only when a page must be read)."""
        for html, gate in self._hidden:
            tree = parse_fragment(html)
            for run in map(hash, runs(words(_html_text(tree)))):
                gates = self._warned.get(run, ())
                if gate not in gates:
                    self._warned[run] = (*gates, gate)
            for address in _addresses(tree):
                gates = self._warned_addresses.get(address, ())
                if gate not in gates:
                    self._warned_addresses[address] = (*gates, gate)
        self._hidden.clear()

    def shown(self, html: str) -> None:
        """``html`` (or plain text) is what the writer shows to every reader."""
        if html:
            self._know(self._shown_knowledge, html)
            self._shown.append(html)

    def _settle(self) -> None:
        """Words the writer also shows openly are theirs to show: they are not a leak anywhere.

        Done only once some page holds warned words: on a site without leaks (the usual case)
        nothing of what is shown needs reading at all.
        """
        for html in self._shown:
            tree = parse_fragment(html)
            for run in known(words(_html_text(tree)), self._warned):
                self._settled[run] = self._warned.pop(run)
            for address in _addresses(tree):
                if address in self._warned_addresses:
                    self._settled_addresses[address] = self._warned_addresses.pop(address)
        self._shown.clear()

    def check(self, output: Path, verdicts: Verdicts | None = None) -> list[str]:
        """Every leak in the site written to ``output``, one sentence each (none: the promise holds).

        ``verdicts`` keeps each file's findings between builds, under the hash of everything
        they follow from: what every gate hides, the file's name and its bytes, and, for a file
        holding any warned words, all the writer shows openly too. A file that changed, or any
        change to what a gate hides, is read again; so is a file with warned words when anything
        shown changed. On a large site the files to read are shared among worker processes.
        """
        if not self._hidden and not self._warned and not self._warned_addresses:
            return []
        pages = [page for page in _written_files(output) if Path(page).suffix.lower() in PAGES + FEEDS + DATA]
        found: dict[str, list[str]] = {}
        keys: dict[str, str] = {}
        for page in pages:
            key = self._key(page, (output / page).read_bytes())
            kept = self._kept(verdicts, key)
            if kept is None:
                keys[page] = key
            else:
                found[page] = kept
        self._settle_early(verdicts, len(keys))
        for page, (leaks, read_shown) in self._read_all(list(keys), lambda page: self._read(output, page)):
            found[page] = leaks
            self._keep(verdicts, keys[page], leaks, read_shown)
        self._note_settling(verdicts)
        return [problem for page in pages for problem in _at_most(found[page], page)]

    def _settle_early(self, verdicts: Verdicts | None, reading: int) -> None:
        """Settle what is shown before workers are forked, when the last build's verdicts needed it.

        A worker that meets words the writer may show leaves that file to this process, which
        settles them and reads the file again; on a site where many pages hold such words (an
        address written both inside a warning and openly, say) that is much reading twice. The
        last build's need is the best guess of this one's: it decides only when what is shown
        is settled, never whether.
        """
        if verdicts is not None and verdicts.get(SETTLING_NEEDED) and self._shown and reading >= PARALLEL_PAGES:
            self._learn()
            self._settle()

    def _note_settling(self, verdicts: Verdicts | None) -> None:
        """Keep, for the next build, whether any page's verdict followed from what is shown (the
        pages decide: the search index's entries are few and rarely hold such words)."""
        if verdicts is not None and verdicts.get(SETTLING_NEEDED) != self._needs_settling:
            verdicts.put(SETTLING_NEEDED, self._needs_settling)

    def _key(self, name: str, data: bytes) -> str:
        return hashlib.sha256(f"{self._hidden_knowledge.hexdigest()}\0{name}\0".encode() + data).hexdigest()

    def _kept(self, verdicts: Verdicts | None, key: str) -> list[str] | None:
        kept = verdicts.get(key) if verdicts is not None else None
        if not isinstance(kept, dict) or kept.get("shown") not in (None, self._shown_knowledge.hexdigest()):
            return None
        self._needs_settling = self._needs_settling or kept.get("shown") is not None
        return list(kept["found"])

    def _keep(self, verdicts: Verdicts | None, key: str, found: list[str], read_shown: bool) -> None:
        self._needs_settling = self._needs_settling or read_shown
        if verdicts is not None:
            verdicts.put(key, {"found": found, "shown": self._shown_knowledge.hexdigest() if read_shown else None})

    def _read_all(self, names: list[str], read: Reader) -> Iterator[tuple[str, tuple[list[str], bool]]]:
        """Each file's (or text's) leaks, read here or, for many, by forked workers sharing what was learnt.

        A worker that meets warned words the writer may also show leaves that file to this
        process: settling what is shown reads every post and comment the writer shows, and is
        done once, here, then shared with the workers that read those files again.
        """
        pool = fork_pool() if len(names) >= PARALLEL_PAGES else None
        if pool is None:
            for name in names:
                outcome = read(name)
                assert outcome is not None, "only a forked worker leaves settling to another process"
                yield name, outcome
            return
        global _forked
        self._learn()  # before the workers are forked: they share it
        _forked = read
        self._settle_here = False  # in the workers about to be forked
        try:
            with pool:
                results = list(pool.map(_read_in_worker, chunks(names, 4 * worker_count())))
        except BrokenProcessPool:  # a worker died: read them here instead
            self._settle_here = True
            results = [[(name, read(name)) for name in names]]
        finally:
            _forked = None
            self._settle_here = True
        unsettled = []
        for chunk in results:
            for name, outcome in chunk:
                if outcome is None:
                    unsettled.append(name)
                else:
                    yield name, outcome
        if unsettled:
            self._settle()
            yield from self._read_all(unsettled, read)

    def _read(self, output: Path, page: str) -> tuple[list[str], bool] | None:
        """A file's leaks, and whether they followed from what the writer shows too."""
        path = output / page
        return self._reading(lambda: self._check_file(path.read_bytes(), path, page))

    def _reading(self, read: Callable[[], list[str]]) -> tuple[list[str], bool] | None:
        """``read``'s leaks and whether what is shown decided them; None from a worker that left
        the file to the parent process to settle (see ``_read_all``)."""
        self._read_shown = False
        try:
            found = read()
        except _SettleFirst:
            return None
        return found, self._read_shown

    def check_texts(self, texts: Mapping[str, str], verdicts: Verdicts | None = None) -> list[str]:
        """Every leak in texts the build wrote where no gate can stand (the search index's entries), by name.

        Each text is read as markup, as a JSON file's strings are: any warned text in it is a leak.
        """
        if not self._hidden and not self._warned and not self._warned_addresses:
            return []
        found: dict[str, list[str]] = {}
        keys: dict[str, str] = {}
        for name, text in texts.items():
            key = self._key(name, text.encode("utf-8", "surrogatepass"))
            kept = self._kept(verdicts, key)
            if kept is None:
                keys[name] = key
            else:
                found[name] = kept
        def read(name: str) -> tuple[list[str], bool] | None:
            return self._reading(lambda: self._check_open_text(texts[name], name))

        self._settle_early(verdicts, len(keys))
        for name, (leaks, read_shown) in self._read_all(list(keys), read):
            found[name] = leaks
            self._keep(verdicts, keys[name], leaks, read_shown)
        return [problem for name in texts for problem in _at_most(found[name], name)]

    def _check_file(self, data: bytes, path: Path, page: str) -> list[str]:
        suffix = path.suffix.lower()
        if suffix in PAGES:
            return self._check_page(data, page)
        if suffix in FEEDS:
            return self._check_open_text(_feed_text(path), page)
        return self._check_open_text(_json_text(path), page)

    def _addresses_in(self, tree: Any) -> set[str]:
        # Links are on every page (navigation, tags): read them only when some warning holds one.
        return _addresses(tree) if self._warned_addresses else set()

    def _check_page(self, html: bytes, page: str) -> list[str]:
        self._learn()
        tree = parse_document(html)
        leaks: list[str] = []
        # Innermost gates first: a gate's own text is read, then the gate is taken out of the
        # tree, so what remains of its ancestors (and, at the end, the page) is theirs alone.
        bodies = tree.css(GATE_BODY)
        chains = {body.mem_id: self._enclosing_gates(body) for body in bodies}
        for body in reversed(bodies):
            allowed = chains[body.mem_id]
            leaks += self._leaks(_html_text(body), self._addresses_in(body), page, allowed, where="inside another gate")
            body.decompose()
        root = tree.root
        if root is not None:
            leaks += self._leaks(_html_text(root), self._addresses_in(root), page, set(), where="outside any gate")
        return leaks

    @staticmethod
    def _allowed(gates: tuple[Gate, ...], page: str, enclosing: set[str]) -> bool:
        """Whether text of ``gates`` may stand inside the gates ``enclosing`` it, on ``page``."""
        return any(g.gate_id in enclosing and (g.page is None or g.page == page) for g in gates)

    @staticmethod
    def _enclosing_gates(body: Any) -> set[str]:
        """The ids of the gates whose hidden bodies hold ``body``, its own first."""
        ids = set()
        node = body
        while node is not None:
            if is_gate_body(node):
                ids.add(node.parent.attributes.get("id") or "")
            node = node.parent
        return ids

    def _check_open_text(self, text: str, page: str) -> list[str]:
        self._learn()
        tree = parse_fragment(text)
        return self._leaks(_html_text(tree), self._addresses_in(tree), page, set(), where="in this file")

    def _leaks(self, text: str, addresses: set[str], page: str, allowed: set[str], *, where: str) -> list[str]:
        found = []
        tokens = self._words(text)

        def leaking() -> tuple[set[int], list[str]]:
            runs_out = {r for r in known(tokens, self._warned) if not self._allowed(self._warned[r], page, allowed)}
            addresses_out = sorted(a for a in addresses & self._warned_addresses.keys()
                                   if not self._allowed(self._warned_addresses[a], page, allowed))
            return runs_out, addresses_out

        leaked, leaked_addresses = leaking()
        if leaked or leaked_addresses or (self._settled and known(tokens, self._settled)) \
                or addresses & self._settled_addresses.keys():
            self._read_shown = True  # warned words here: what the writer shows decides whether they leak
        if (leaked or leaked_addresses) and self._shown:
            if not self._settle_here:
                raise _SettleFirst
            self._settle()
            leaked, leaked_addresses = leaking()
        reported: set[Gate] = set()
        for start, end in _stretches(tokens, leaked):
            gate = min(self._warned[hash(tuple(tokens[start:start + RUN]))], key=lambda g: (g.source, g.gate_id))
            if gate not in reported:
                reported.add(gate)
                shown = " ".join(tokens[start:min(end, start + 2 * RUN)]) + ("…" if end > start + 2 * RUN else "")
                found.append(f"{page}: warned text from {gate.source} ({gate.gate_id}) shows {where}: "
                             f'"{shown}"; {FIX}')
        for address in leaked_addresses:
            gate = min(self._warned_addresses[address], key=lambda g: (g.source, g.gate_id))
            found.append(
                f"{page}: the address {address} written inside a warning in {gate.source} "
                f"({gate.gate_id}) shows {where}; {FIX}"
            )
        return found


# How the forked workers read a file or text by its name (set in the parent just before they are forked).
_forked: Reader | None = None


class _SettleFirst(Exception):
    """In a worker: this file holds warned words the writer may show; the parent settles them once."""


def _read_in_worker(names: list[str]) -> list[tuple[str, tuple[list[str], bool] | None]]:
    """In a worker: the leaks of each of ``names``."""
    assert _forked is not None, "the leak guard's workers are forked after it is set"
    return [(name, _forked(name)) for name in names]


def _at_most(found: list[str], page: str) -> list[str]:
    if len(found) <= MOST_PER_PAGE:
        return found
    return [*found[:MOST_PER_PAGE], f"{page}: and {len(found) - MOST_PER_PAGE} more leaks of warned text"]


def _stretches(tokens: list[str], leaked: set[int]) -> list[tuple[int, int]]:
    """Where the leaked runs stand in ``tokens``, joined into stretches (start, end), in reading order."""
    if not leaked:
        return []
    stretches: list[tuple[int, int]] = []
    for start in range(len(tokens) - RUN + 1):
        if hash(tuple(tokens[start:start + RUN])) in leaked:
            if stretches and start <= stretches[-1][1]:
                stretches[-1] = (stretches[-1][0], start + RUN)
            else:
                stretches.append((start, start + RUN))
    return stretches




def _written_files(output: Path) -> list[str]:
    """Every file of the site that could carry text, as a path relative to ``output``, in order."""
    found = []
    for folder, _, names in os.walk(output):
        relative = os.path.relpath(folder, output)
        found += [
            name if relative == "." else f"{relative}/{name}"
            for name in names if name.lower().endswith(PAGES + FEEDS + DATA)
        ]
    return sorted(found)


def _feed_text(path: Path) -> str:
    """A feed's text, the HTML inside its entries included, as markup for the HTML parser to read."""
    try:
        root = ElementTree.parse(path).getroot()  # our own output, not untrusted XML
    except ElementTree.ParseError:
        return path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(_element_texts(root))


def _element_texts(root: ElementTree.Element) -> Iterable[str]:
    for element in root.iter():
        yield from (v for v in element.attrib.values())
        if element.text:
            yield element.text


def _json_text(path: Path) -> str:
    """Every string in a JSON file, keys included, each read as HTML (most are text, some are markup)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return path.read_text(encoding="utf-8", errors="replace")
    return json_text(data)


def json_text(data: Any) -> str:
    """Every string in decoded JSON, keys included, one a line."""
    strings: list[str] = []
    stack = [data]
    while stack:  # iteratively: a deeply nested file must not overflow the stack
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            strings += [str(k) for k in item]
            stack += item.values()
        elif isinstance(item, list):
            stack += item
    return "\n".join(strings)
