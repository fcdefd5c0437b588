"""The checked ledger: the rules plus every item, each file checked as of a date (in parallel for large ledgers)."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import defaultdict
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field

from ..core.findings import Finding, LedgerError, Notice
from ..core.paths import id_of_path
from ..core import yamlio
from ..core.model import Item, typed_dates
from ..core.rules import Rules
from ..core.validate import Checker
from .rulesfile import committed_rules

PARALLEL_THRESHOLD = 3000


class ItemTable(MutableMapping):
    """Items by id, like a dict.  An item checked in another process comes back as its file's bytes and
    is rebuilt when first read (``item_from_bytes``): sending 30,000 parsed items between processes would
    cost more than checking a third of them, and ``ducha check`` never reads them at all."""

    def __init__(self, items: dict | None = None):
        self._items: dict = dict(items or {})

    def __getitem__(self, key: str) -> Item:
        value = self._items[key]
        if type(value) is tuple:
            value = self._items[key] = item_from_bytes(*value)
        return value

    def __setitem__(self, key: str, value: Item) -> None:
        self._items[key] = value

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key) -> bool:
        return key in self._items

    def __repr__(self) -> str:
        return f"ItemTable({len(self)} items)"

    def rebuild_all(self) -> None:
        """Rebuild now every item still held as its file's bytes (a caller with time to spare that will read
        them all: the site's build, while the history is read in another process)."""
        for key in self._items:
            self[key]  # ``__getitem__`` rebuilds and keeps it

    def add(self, item_id: str, item: Item | tuple[bytes, str]) -> None:
        """Keep the first item of an id: an ``Item``, or ``(bytes, display path)`` of a file that passed, or
        ``(bytes or file name, display path, claim)`` of one the check cache vouched for."""
        self._items.setdefault(item_id, item)


def item_from_bytes(raw: bytes | str, path: str, claim=None) -> Item:
    """The ``Item`` that ``Checker.load`` made of ``raw`` when it passed: the same parse and date typing
    (the checks themselves neither change nor add anything; tests/test_ledger_parallel.py compares).
    ``raw`` may be the name of the file to read (an item the check cache vouched for, not read yet);
    ``claim``: its (batch, 序号) claim as the cache has it, not needed here."""
    if isinstance(raw, str):
        with open(raw, "rb") as fh:
            raw = fh.read()
    parsed = yamlio.read(raw, path)
    typed_dates(parsed.data)
    return Item(parsed.data["id"], path, parsed.data, parsed.text)


@dataclass
class Ledger:
    root: str
    rules: Rules
    as_of: dt.date
    items: ItemTable = field(default_factory=ItemTable)
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    commit: str | None = None
    notices: list[Notice] = field(default_factory=list)  # what the loader had to do (a damaged cache rebuilt)
    # counting as the history decides (ledger.sources.apply_trust): the corrections, the review register,
    # and the written version of each item the counts correct
    trust: object | None = None
    register: object | None = None
    written: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    def sorted_items(self) -> list[Item]:
        return [self.items[k] for k in sorted(self.items)]

    def narrowed(self, ids) -> "Ledger":
        """The same ledger holding only the items ``ids`` (a scope: one meeting, one document); findings and
        what counts (``trust``) stay the ledger's."""
        wanted = set(ids)
        items = ItemTable({i: self.items[i] for i in self.items if i in wanted})
        return Ledger(self.root, self.rules, self.as_of, items, self.findings, self.files, self.commit, self.notices,
                      self.trust, self.register, {i: w for i, w in self.written.items() if i in wanted})  # fmt: skip

    def private_names(self) -> tuple[str, ...]:
        """Every item's private names (citizens'), for masking text not tied to one item: commit messages,
        audit findings, bulletins."""
        return tuple(sorted({n for item in self.items.values() for n in item.private_names}))


NOT_READ = ("D111", "D112")  # codes of files under items/ that are not read at all




def refused_findings(links: list[str], misnamed: list[str]) -> list[Finding]:
    """D111 for each symbolic link under ``items/``, D112 for each misnamed item file (work tree or git tree alike)."""
    out = [
        Finding(rel, None, "D111", "", "这是符号链接，ducha 不跟随、不读取、不发布它指向的内容（链接目标不在任何提交中）；"
                "请删除链接，把事项文件本身放在 items/ 下提交。")
        for rel in links
    ]
    for rel in misnamed:
        name = rel[rel.rfind("/") + 1 :]
        stem = name.split(".", 1)[0] or name
        out.append(Finding(rel, None, "D112", "", f"文件名 {name} 不以 .yml 结尾，ducha 不读取这个文件：它不参加校验、统计，也不在网站上发布；"
                           f"如果它是事项，请改名为 {stem}.yml。"))
    return out




def _checked(rules: Rules, as_of: dt.date, entries):
    """``(bytes, (Item or None, findings))`` per entry."""
    checker = Checker(rules, as_of)
    for shown, stem, source in entries:
        if isinstance(source, bytes):
            raw = source
        else:
            with open(source, "rb") as fh:
                raw = fh.read()
        yield raw, checker.load(raw, shown, stem)


def _check_chunk(args) -> list[tuple[Item | None, list[Finding]]]:
    return [result for _, result in _checked(*args)]


def _check_in_worker(args) -> list[tuple[str | None, bytes | None, list[Finding]]]:
    """In a worker process: per entry the item's id, the bytes it was read from (for a file; the parent
    has the bytes it sent) and the findings.  The item itself stays here (see ``ItemTable``)."""
    return [
        (item.id, None if isinstance(source, bytes) else raw, findings) if item is not None else (None, None, findings)
        for (raw, (item, findings)), (_, _, source) in zip(_checked(*args), args[2])
    ]


def _jobs(jobs: int | None) -> int:
    return jobs if jobs is not None else (os.cpu_count() or 1)


def parallel(count: int, jobs: int | None) -> bool:
    """Whether ``check_all`` checks ``count`` files in worker processes."""
    return _jobs(jobs) > 1 and count >= PARALLEL_THRESHOLD


def check_all(rules: Rules, as_of: dt.date, entries: list[tuple[str, str, bytes | str]], jobs: int | None = None):
    """``[(item id or None, Item or (bytes, display path) or None, findings)]`` in ``entries`` order."""
    if not parallel(len(entries), jobs):
        return [(item.id if item else None, item, findings) for item, findings in _check_chunk((rules, as_of, entries))]
    import multiprocessing as mp

    jobs = _jobs(jobs)
    size = -(-len(entries) // (jobs * 4))
    chunks = [(rules, as_of, entries[i : i + size]) for i in range(0, len(entries), size)]
    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    with ctx.Pool(jobs) as pool:
        results = pool.map(_check_in_worker, chunks, chunksize=1)
    out = []
    for (shown, _, source), (item_id, raw, findings) in zip(entries, (r for chunk in results for r in chunk)):
        packed = (source if raw is None else raw, shown) if item_id is not None else None
        out.append((item_id, packed, findings))
    return out


def check_entries(rules: Rules, as_of: dt.date, entries: list[tuple[str, str, bytes | str]], jobs: int | None = None):
    """Load and check ``(display path, stem, bytes or file name)`` entries, in parallel when there are many."""
    return [
        (item_from_bytes(*item) if type(item) is tuple else item, findings)
        for _, item, findings in check_all(rules, as_of, entries, jobs)
    ]


def duplicate_findings(items_by_path: list[tuple[str, str | None]]) -> list[Finding]:
    """D208 for every file whose id is claimed by another file too."""
    by_id = defaultdict(list)
    for path, item_id in items_by_path:
        if item_id:
            by_id[item_id].append(path)
    out = []
    for item_id, paths in by_id.items():
        if len(paths) > 1:
            for path in paths:
                others = "、".join(p for p in paths if p != path)
                out.append(Finding(path, None, "D208", "id", f"编号 {item_id} 同时被 {others} 使用。"))
    return out


def batch_scope(ledger: Ledger, name: str) -> Ledger:
    """The ledger narrowed to the items of one batch (a meeting or a document), by its code or its title;
    an unknown batch is an error naming the closest registered ones, never an empty result."""
    code = ledger.rules.batch_code(name)
    if code is None:
        raise LedgerError(ledger.rules.unknown_batch(name))
    return ledger.narrowed(i for i in ledger.items if ledger.items[i].get("batch") == code)


def claim_in(raw: bytes):
    """(batch, seq) as an item file's own top-level lines write them, read without parsing the file;
    ``...`` when the file mentions a batch some other way (parse it), None when it claims no 序号."""
    if b"batch" not in raw:
        return None
    batch, seq = yamlio.top_level_value(raw, b"batch:"), yamlio.top_level_value(raw, b"seq:")
    if batch is None or seq is None:
        return ... if b"seq" in raw else None
    value = seq.strip().strip(b"'\"")
    try:
        return batch.strip().strip(b"'\"").decode("utf-8"), int(value)
    except (UnicodeDecodeError, ValueError):
        return ...


def seq_findings(ledger: Ledger) -> list[Finding]:
    """D214 for every item whose (batch, seq) another item of the ledger claims too.

    An item checked in another process is still its file's bytes (``ItemTable``): its claim is read off its
    ``batch:`` and ``seq:`` lines, and only the items whose claims meet (or that write them otherwise) are
    parsed, to compare the values themselves — a 30,000-item check does not parse every file twice."""
    table = ledger.items._items
    guessed = defaultdict(list)
    exact: list[str] = []
    for item_id, value in table.items():
        if type(value) is not tuple:
            claim = ...
        elif len(value) == 3:
            claim = value[2]
        else:
            claim = claim_in(value[0])
        if claim is ...:
            exact.append(item_id)
        elif claim is not None:
            guessed[claim].append(item_id)
    exact += [i for ids in guessed.values() if len(ids) > 1 for i in ids]
    by_seq = defaultdict(list)
    for item_id in exact:
        item = ledger.items[item_id]
        if item.get("batch") is not None and item.get("seq") is not None:
            by_seq[(item["batch"], item["seq"])].append(item)
    out = []
    for (batch, seq), items in sorted(by_seq.items()):
        if len(items) > 1:
            items.sort(key=lambda i: i.id)
            for item in items:
                others = "、".join(i.id for i in items if i is not item)
                out.append(Finding(item.path, yamlio.line_for(item.text, "seq"), "D214", "seq", f"批次 {batch} 的第 {seq} 项同时是 {others}。"))
    return out


def collect_checked(ledger: Ledger, entries, results) -> list[tuple[str, str]]:
    """Add each checked file's findings and item to ``ledger``; returns (path, id it claims) for duplicate checks."""
    claimed = []
    for (shown, stem, _), (item_id, item, findings) in zip(entries, results):
        ledger.findings.extend(findings)
        if item is not None:
            ledger.items.add(item_id, item)
        claimed.append((shown, item_id or stem))
    return claimed


def load_ledger_from_blobs(
    rules_raw: bytes, files: dict[str, bytes], as_of: dt.date, commit: str | None = None, jobs: int | None = None,
    refused: list[Finding] = (),
) -> Ledger:  # fmt: skip
    """The same from in-memory contents (a git tree): ``files`` maps ``items/...yml`` paths to bytes;
    ``refused``: findings about the tree's files that were not read (``refused_findings``)."""
    rules = committed_rules(rules_raw)
    entries = [(p, id_of_path(p), raw) for p, raw in sorted(files.items())]
    results = check_all(rules, as_of, entries, jobs)
    ledger = Ledger("", rules, as_of, files=len(entries) + len(refused) + 1, commit=commit)
    ledger.findings += refused
    claimed = collect_checked(ledger, entries, results)
    ledger.findings += duplicate_findings(claimed)
    ledger.findings += seq_findings(ledger)
    return ledger
