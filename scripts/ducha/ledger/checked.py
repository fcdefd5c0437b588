"""The ledger: the rules plus every item, loaded and checked as of a date."""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.findings import Finding, Hint, LedgerError, Notice
from ..core.paths import ITEMS_DIR, RULES_FILE, id_of_path, misnamed_item
from ..files import tree
from ..core import yamlio
from ..core.model import Item, typed_dates
from ..core.rules import Rules, parse_rules
from .rulesfile import load_rules, rules_link_refusal
from ..core.validate import Checker

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

    def add(self, item_id: str, item: Item | tuple[bytes, str]) -> None:
        """Keep the first item of an id: an ``Item``, or ``(bytes, display path)`` of a file that passed."""
        self._items.setdefault(item_id, item)


def item_from_bytes(raw: bytes, path: str) -> Item:
    """The ``Item`` that ``Checker.load`` made of ``raw`` when it passed: the same parse and date typing
    (the checks themselves neither change nor add anything; tests/test_ledger_parallel.py compares)."""
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

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    def sorted_items(self) -> list[Item]:
        return [self.items[k] for k in sorted(self.items)]

    def private_names(self) -> tuple[str, ...]:
        """Every item's private names (citizens'), for masking text not tied to one item: commit messages,
        audit findings, bulletins."""
        return tuple(sorted({n for item in self.items.values() for n in item.private_names}))


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` that holds ``items/ledger.yml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ITEMS_DIR / RULES_FILE).is_file():
            return folder
    raise LedgerError(f"在 {here} 及其上级目录中找不到台账（items/{RULES_FILE}）。", hint=Hint("root"))


def _scan_items(root: Path) -> tuple[list[str], list[Finding]]:
    """The item files under ``items/`` (posix paths relative to ``root``, sorted part by part: plain strings,
    as 30,000 ``Path`` objects cost more than checking some of the files) and a finding for each file that is not read: a symbolic link
    (D111, never followed) or a name that looks meant as an item but does not end in ``.yml`` (D112)."""
    files, links = tree.walk(root, ITEMS_DIR)
    rules_rel = f"{ITEMS_DIR}/{RULES_FILE}"
    out = [rel for rel in files if rel.endswith(".yml") and rel != rules_rel]
    return out, refused_findings([rel for rel in links if rel != rules_rel], [rel for rel in files if misnamed_item(rel)])


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


def _check_all(rules: Rules, as_of: dt.date, entries: list[tuple[str, str, bytes | str]], jobs: int | None = None):
    """``[(item id or None, Item or (bytes, display path) or None, findings)]`` in ``entries`` order."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    if jobs <= 1 or len(entries) < PARALLEL_THRESHOLD:
        return [(item.id if item else None, item, findings) for item, findings in _check_chunk((rules, as_of, entries))]
    import multiprocessing as mp

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
        for _, item, findings in _check_all(rules, as_of, entries, jobs)
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


def load_ledger(
    root: Path,
    as_of: dt.date,
    only: list[Path] | None = None,
    rules: Rules | None = None,
    jobs: int | None = None,
) -> Ledger:
    """Load the work tree's ledger at ``root``.  ``only``: check just these files (ids of all are still compared)."""
    root = Path(root).resolve()
    rules = rules or load_rules(root / ITEMS_DIR, root)
    rels, refused = _scan_items(root)
    selected = rels
    if only is not None:
        named = {_named(p) for p in only}
        refused = [f for f in refused if root / f.path in named]  # a file not read is reported, not followed
        not_read = {root / f.path for f in refused}
        files = [root / rel for rel in rels]
        wanted = {Path(p).resolve() for p in only if _named(p) not in not_read}
        selected = [rel for rel, f in zip(rels, files) if f.resolve() in wanted]
        missing = wanted - {f.resolve() for f in files} - {(root / ITEMS_DIR / RULES_FILE).resolve()}
        if missing:
            raise LedgerError("不是台账中的事项文件：" + "、".join(sorted(str(m) for m in missing)))
    base = str(root)
    entries = [(rel, id_of_path(rel), os.path.join(base, rel)) for rel in selected]
    results = _check_all(rules, as_of, entries, jobs)
    ledger = Ledger(str(root), rules, as_of, files=len(selected) + len(refused) + 1)
    ledger.findings += refused
    claimed = _collect(ledger, entries, results)
    if only is not None:
        chosen = {e[0] for e in entries}
        claimed += [(rel, id_of_path(rel)) for rel in rels if rel not in chosen]
        ledger.findings += [f for f in duplicate_findings(claimed) if f.path in chosen]
    else:
        ledger.findings += duplicate_findings(claimed)
    return ledger


def _named(path) -> Path:
    """A path as named, its folders resolved but not its last part (which may be a symbolic link)."""
    path = Path(path)
    return path.parent.resolve() / path.name


def _collect(ledger: Ledger, entries, results) -> list[tuple[str, str]]:
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
    rules, findings = parse_rules(rules_raw, f"{ITEMS_DIR}/{RULES_FILE}")
    if rules is None:
        raise LedgerError(f"台账规则文件 {ITEMS_DIR}/{RULES_FILE} 有错误，无法继续。", findings)
    entries = [(p, id_of_path(p), raw) for p, raw in sorted(files.items())]
    results = _check_all(rules, as_of, entries, jobs)
    ledger = Ledger("", rules, as_of, files=len(entries) + len(refused) + 1, commit=commit)
    ledger.findings += refused
    claimed = _collect(ledger, entries, results)
    ledger.findings += duplicate_findings(claimed)
    return ledger


def load_ledger_at(
    root: Path, as_of: dt.date, rev: str = "HEAD", commit: str | None = None, jobs: int | None = None, checks: bool = True
) -> Ledger:
    """The ledger as it stood at the end of ``as_of`` on ``rev`` (or at ``commit``), read from git.

    ``checks=False``: items only, no findings, through the parsed-item cache (``itemcache``) — for statistics.
    """
    from ..history.repo import BlobReader, HistoryUnavailable, commit_at, ensure_full_history, item_tree_at, open_repo

    repo = open_repo(Path(root))
    ensure_full_history(repo)
    sha = commit or commit_at(repo, as_of, rev)
    if sha is None:
        raise HistoryUnavailable(f"{as_of.isoformat()} 当天结束前（北京时间）{rev} 上还没有任何提交，无法还原当时的台账。", hint=Hint("worktree"))
    rules_blob, blobs, links, others = item_tree_at(repo, sha)
    rules_rel = f"{ITEMS_DIR}/{RULES_FILE}"
    if rules_rel in links or ITEMS_DIR in links:
        raise LedgerError(*rules_link_refusal(rules_rel, f"提交 {sha[:10]} 中的"))
    if rules_blob is None:
        raise LedgerError(f"提交 {sha[:10]} 中没有台账规则文件 {ITEMS_DIR}/{RULES_FILE}。")
    refused = refused_findings(links, [p for p in others if misnamed_item(p)])
    if not checks:
        from .itemcache import load_items

        ledger = load_items(repo, sha, rules_blob, blobs, as_of, jobs=jobs)
        ledger.findings += refused  # the only findings: what was not read is still said
        return ledger
    with BlobReader(repo) as reader:
        contents = reader.read_many([rules_blob, *blobs.values()])
    files = {path: contents[blob] for path, blob in blobs.items()}
    return load_ledger_from_blobs(contents[rules_blob], files, as_of, commit=sha, jobs=jobs, refused=refused)


# -- where a ledger comes from: one decision for every command and the site ---------------------------




@dataclass
class OpenedLedger:
    ledger: Ledger
    notices: list[Notice]
    uncommitted: list[str] = field(default_factory=list)  # item files with changes not committed


def open_ledger(
    root: Path,
    as_of: dt.date,
    *,
    committed: bool,
    rev: str | None = None,
    only: list[Path] | None = None,
    checks: bool = True,
) -> OpenedLedger:
    """The ledger a command or the site works on, and what to say about it.

    ``committed``: restore the ledger as committed at the end of ``as_of`` (Beijing time) on the first-parent
    line of HEAD, or at ``rev``; else read the work tree as of ``as_of`` (uncommitted changes included, and
    said so). Outside a git repository a committed ledger falls back to the work tree with a notice, unless a
    ``rev`` was asked for. ``checks=False`` (statistics): a committed ledger's items come through the
    parsed-item cache without findings. ``only``: check just these work-tree files.
    """
    from ..history.repo import HistoryUnavailable, open_repo, resolve_commit, worktree_changes

    root = Path(root)
    if only is not None or not committed:
        ledger = load_ledger(root, as_of, only=only)
        try:
            changed = worktree_changes(open_repo(root))
        except HistoryUnavailable:
            changed = []
        notices = []
        if changed and only is None:
            notices.append(Notice(f"注意：工作区有 {len(changed)} 个未提交的事项文件修改，以下结果包含这些修改（尚未进入台账历史）。"))
        return OpenedLedger(ledger, notices, changed)
    try:
        repo = open_repo(root)
    except HistoryUnavailable:
        if rev is not None:
            raise
        notice = Notice(f"注意：{root.resolve()} 不是 git 仓库，按工作区文件计算截至 {as_of} 的状态。")
        return OpenedLedger(load_ledger(root, as_of), [notice])
    changed = worktree_changes(repo)
    commit = resolve_commit(repo, rev) if rev is not None else None
    ledger = load_ledger_at(root, as_of, commit=commit, checks=checks)
    notices = list(ledger.notices)
    if changed:
        notices.append(Notice(f"注意：工作区有 {len(changed)} 个未提交的事项文件修改，未计入（按提交 {ledger.commit[:10]} 计算）。", Hint("worktree")))
    return OpenedLedger(ledger, notices, changed)
