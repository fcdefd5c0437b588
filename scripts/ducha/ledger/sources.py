"""Where a ledger comes from: the work tree, or git as of a day or at a commit — one decision (``open_ledger``)
for every command, the drafts and the site, with what to tell the user about it as data (``Notice``)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..core.findings import Finding, Hint, LedgerError, Notice
from ..core.paths import ITEMS_DIR, RULES_FILE, RULES_PATH, id_of_path, misnamed_item
from ..files import tree
from ..core.rules import Rules
from .checked import Ledger, check_all, claim_in, parallel, collect_checked, duplicate_findings, load_ledger_from_blobs, refused_findings, seq_findings
from . import checkcache
from ..core.validate import stable_from
from .rulesfile import load_rules, parsed_rules, rules_bytes, rules_link_refusal


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
    out = [rel for rel in files if rel.endswith(".yml") and rel != RULES_PATH]
    return out, refused_findings([rel for rel in links if rel != RULES_PATH], [rel for rel in files if misnamed_item(rel)])


def load_ledger(
    root: Path,
    as_of: dt.date,
    only: list[Path] | None = None,
    rules: Rules | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    reuse: dict | None = None,
) -> Ledger:
    """Load the work tree's ledger at ``root``.  ``only``: check just these files (ids of all are still compared).
    ``use_cache``: reuse the results of files unchanged since the last check with the same rules and code, on
    the same day or, for a file whose findings no longer depend on the day, any day (``checkcache``; not
    with ``rules`` given, nor with a ``reuse`` that holds an earlier load).

    ``reuse``: what an earlier load of the same rules and as-of day made of each file (path → its bytes and
    check result), filled in here; a file whose bytes are unchanged is not parsed or checked again and
    keeps its ``Item`` object (``site.incremental``; the check cache on disk is then not consulted)."""
    root = Path(root).resolve()
    cache = None
    if rules is None:
        rules_raw, shown = rules_bytes(root / ITEMS_DIR, root)
        if use_cache and not reuse:  # a preview's later loads compare with the last one instead
            cache = checkcache.open_cache(root, rules_raw, as_of)
            rules = cache.rules
        if rules is None:
            rules = parsed_rules(rules_raw, shown)
            if cache is not None:
                cache.keep_rules(rules)
    known = _unchanged(root) if cache is not None and cache.entries and reuse is None else None
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
    base = f"{root}{os.sep}"
    entries = [(rel, id_of_path(rel), base + rel) for rel in selected]
    if reuse is not None:
        results = _check_reusing(rules, as_of, entries, jobs, reuse, cache)
    else:
        results = _checked_entries(rules, as_of, entries, jobs, cache, known)
    ledger = Ledger(str(root), rules, as_of, files=len(selected) + len(refused) + 1)
    if cache is not None:
        if cache.damaged:
            ledger.notices.append(Notice("注意：.git/ducha/ 中的校验缓存已损坏，已丢弃并重新校验全部事项文件。"))
        if only is None:
            cache.keep_only(rels)
        cache.save()
    ledger.findings += refused
    claimed = collect_checked(ledger, entries, results)
    if only is not None:
        chosen = {e[0] for e in entries}
        claimed += [(rel, id_of_path(rel)) for rel in rels if rel not in chosen]
        ledger.findings += [f for f in duplicate_findings(claimed) if f.path in chosen]
    else:
        ledger.findings += duplicate_findings(claimed)
    ledger.findings += seq_findings(ledger)  # among the items read (with ``only``: the files named)
    return ledger


def _unchanged(root: Path):
    from ..history.status import UnchangedBlobs

    return UnchangedBlobs(root)


def _checked_entries(rules: Rules, as_of: dt.date, entries, jobs, cache, unchanged):
    """``check_all``'s results for ``entries``, through ``cache`` when there is one: a file whose content
    the cache has seen is not checked again, nor read when git knows it unchanged (its item stays a file
    name, read and parsed only if someone asks for its data)."""
    if cache is None:
        return check_all(rules, as_of, entries, jobs)
    if not cache.entries and parallel(len(entries), jobs):
        # cold and large: check as without a cache (the workers read the files), then remember each
        # loadable file by the bytes it came back with; a file that failed is checked again next time
        results = check_all(rules, as_of, entries, jobs)
        for n, ((rel, _, _), (item_id, item, findings)) in enumerate(zip(entries, results)):
            if type(item) is tuple and isinstance(item[0], bytes):
                claim = claim_in(item[0])
                cache.put(rel, checkcache.blob_id(item[0]), item_id, True, findings, claim, stable_from(item[0]))
                results[n] = (item_id, (*item, claim), findings)  # the 序号 check needs not read it again
        return results
    known = unchanged.result() if unchanged is not None else {}
    results: list = [None] * len(entries)
    todo, todo_at, keys = [], [], []
    for n, (rel, stem, name) in enumerate(entries):
        blob = known.get(rel)
        hit = cache.get(rel, blob) if blob is not None else None
        raw = name if type(name) is bytes else None  # bytes already read (``_check_reusing``)
        if hit is None:
            if raw is None:
                try:
                    with open(name, "rb") as fh:
                        raw = fh.read()
                except OSError:
                    todo.append((rel, stem, name))  # the check reports it as it would without a cache
                    todo_at.append(n)
                    keys.append(None)
                    continue
            actual = checkcache.blob_id(raw)
            if actual != blob:  # git did not vouch for it, or it was saved since git looked: what was read decides
                blob = actual
                hit = cache.get(rel, blob)
        if hit is not None:
            _, item_id, loadable, findings, claim = hit
            results[n] = (item_id, (raw if raw is not None else name, rel, claim) if loadable else None, list(findings))
        else:
            todo.append((rel, stem, raw))
            todo_at.append(n)
            keys.append(blob)
    for n, blob, (rel, _, raw), result in zip(todo_at, keys, todo, check_all(rules, as_of, todo, jobs)):
        results[n] = result
        item_id, item, findings = result
        if blob is not None:
            claim = claim_in(raw) if item is not None else None
            cache.put(rel, blob, item_id, item is not None, findings, claim, stable_from(raw))
    return results


def _check_reusing(rules: Rules, as_of: dt.date, entries, jobs, reuse: dict, cache=None):
    """``check_all`` of ``entries`` through ``reuse`` (path → (bytes, item id, Item or None, findings)):
    every file is read, and only those whose bytes differ from the last load are checked (through the check
    cache on disk when ``cache``: the first load, as a site build's); ``reuse`` is left holding exactly this
    load's files, each item parsed (so the next load hands out the same object)."""
    from .checked import item_from_bytes

    raws = []
    for _, _, source in entries:
        with open(source, "rb") as fh:
            raws.append(fh.read())
    fresh = [(shown, stem, raw) for (shown, stem, _), raw in zip(entries, raws) if (reuse.get(shown) or (None,))[0] != raw]
    if cache is not None:
        checked = iter(_checked_entries(rules, as_of, fresh, jobs, cache, None))
    else:
        checked = iter(check_all(rules, as_of, fresh, jobs))
    seen = {}
    results = []
    for (shown, _, _), raw in zip(entries, raws):
        kept = reuse.get(shown)
        if kept is None or kept[0] != raw:
            item_id, item, findings = next(checked)
            if type(item) is tuple:
                item = item_from_bytes(*item)
            kept = (raw, item_id, item, findings)
        seen[shown] = kept
        results.append(kept[1:])
    reuse.clear()
    reuse.update(seen)
    return results


def _named(path) -> Path:
    """A path as named, its folders resolved but not its last part (which may be a symbolic link)."""
    path = Path(path)
    return path.parent.resolve() / path.name


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
    if RULES_PATH in links or ITEMS_DIR in links:
        raise LedgerError(*rules_link_refusal(RULES_PATH, f"提交 {sha[:10]} 中的"))
    if rules_blob is None:
        raise LedgerError(f"提交 {sha[:10]} 中没有台账规则文件 {RULES_PATH}。")
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






@dataclass
class OpenedLedger:
    ledger: Ledger
    notices: list[Notice]
    uncommitted: list[str] = field(default_factory=list)  # item files with changes not committed


def apply_trust(ledger: Ledger, root: Path, uncommitted=(), history=None, memo: dict | None = None):
    """Make ``ledger`` count as the history decides (``ledger.trust``): each corrected item is replaced by
    the version the numbers use; the written items stay in ``ledger.written``.  ``history``: the loaded
    history of the branch (read through its cache when not given); the review register is the work tree's
    for a work-tree ledger, else the one committed with the ledger.  Returns the notices to give (what could
    not be decided). ``memo``: the committed items' judgements kept between calls on the same history, rules
    and register (``trust.assess``)."""
    from .trust import counted_item

    register = _register_for(ledger, root)
    changed = {id_of_path(p) for p in uncommitted if p.endswith(".yml")}
    worktree = {i: ledger.items[i].data for i in changed if i in ledger.items} if ledger.commit is None else None
    trust = _judged(ledger, root, register, worktree, history, memo)
    ledger.trust, ledger.register = trust, register
    for item_id, corrections in trust.corrections.items():
        if item_id in ledger.items:
            ledger.written[item_id] = ledger.items[item_id]
            ledger.items[item_id] = counted_item(ledger.items[item_id], corrections)
    notices = list(trust.notices)
    if worktree:
        notices.append(Notice(f"注意：{len(worktree)} 个事项有未提交的修改，其中的期限改动和记录日期按 {ledger.as_of} 入账判定。"))
    if register.findings:
        notices.append(Notice(f"注意：复核登记 audit/reviews.yml 有 {len(register.findings)} 个问题，有问题的条目不计；运行 ducha check 查看。"))
    return notices


def _register_for(ledger: Ledger, root: Path):
    from ..history.repo import open_repo
    from .register import read_register, register_at

    if ledger.commit is None:
        return read_register(root, ledger.rules, ledger.as_of)
    return register_at(open_repo(root), ledger.commit, ledger.rules, ledger.as_of)


def _judged(ledger: Ledger, root: Path, register, worktree, history, memo=None):
    """``trust.assess`` of the ledger, through a small cache in ``.git/ducha/`` keyed by everything the
    judgement depends on (the branch head, the ledger's commit, baseline, tolerance, the accepted findings and
    the code that judges); uncommitted edits are judged afresh."""
    from ..history.commits import load_history
    from ..history.repo import HistoryUnavailable, open_repo
    from .trust import assess, cache_key

    baseline = ledger.rules.baseline
    if ledger.commit is not None:  # the baseline is the repository's: the current rules say it
        try:
            baseline = load_rules(root / ITEMS_DIR, root).baseline
        except LedgerError:
            pass
    try:
        repo = open_repo(root)
        head = repo.head.commit.hexsha if repo.head.is_valid() else None
    except HistoryUnavailable:
        repo = head = None
    # the rules judge too (the tolerance, its calendar, the categories without a deadline): a work tree's
    # rules file may differ from the one committed
    key = cache_key(head, ledger.commit, baseline, repr(ledger.rules.raw), register.accepted) if head and not worktree else None
    cached = _trust_cache(repo, key) if key else None
    if cached is not None:
        trust, judged = cached
        if memo is not None and not memo:  # a preview's first build: its next, with an edit, replays none
            memo.update(judged)
        return trust
    if history is None and repo is not None:
        try:  # the branch's history (its cache is shared by every command); a commit off it, its own
            history = load_history(root, rev="HEAD")
            if ledger.commit is not None and all(c.sha != ledger.commit for c in history.commits):
                history = load_history(root, rev=ledger.commit)
        except HistoryUnavailable:
            history = None
    judged = memo if memo is not None else {}
    trust = assess(history, ledger.rules, ledger.commit, register.accepted, worktree, ledger.as_of, baseline, memo=judged)
    if key and history is not None:
        _trust_cache(repo, key, (trust, judged))
    return trust


TRUST_CACHE_ENTRIES = 8  # judgements kept (as of several days, a few heads)


def _trust_cache(repo, key: str, trust=None):
    """Read (``trust`` None) or record a judgement in ``.git/ducha/trust.pickle``: ``(Trust, the per-item
    judgements, as ``trust.assess``'s memo)``; a damaged file is no cache."""
    from ..files import cache as cachefile

    path = Path(repo.git_dir) / "ducha" / "trust.pickle"
    entries = cachefile.read(path)
    entries = entries if isinstance(entries, dict) else {}
    if trust is None:
        found = entries.get(key)
        return found if isinstance(found, tuple) and len(found) == 2 else None
    entries.pop(key, None)
    entries[key] = trust
    while len(entries) > TRUST_CACHE_ENTRIES:
        entries.pop(next(iter(entries)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        cachefile.write(path, entries)
    except OSError:
        pass  # a read-only checkout: judged again next time
    return trust


def open_ledger(
    root: Path,
    as_of: dt.date,
    *,
    committed: bool,
    rev: str | None = None,
    only: list[Path] | None = None,
    checks: bool = True,
    counted: bool = False,
    reuse: dict | None = None,
) -> OpenedLedger:
    """The ledger a command or the site works on, and what to say about it.

    ``committed``: restore the ledger as committed at the end of ``as_of`` (Beijing time) on the first-parent
    line of HEAD, or at ``rev``; else read the work tree as of ``as_of`` (uncommitted changes included, and
    said so). Outside a git repository a committed ledger falls back to the work tree with a notice, unless a
    ``rev`` was asked for. ``checks=False`` (statistics): a committed ledger's items come through the
    parsed-item cache without findings. ``only``: check just these work-tree files. ``counted``: count as
    the history decides (``apply_trust``), for every number, light and list; ``ducha check`` reads as written.
    ``reuse``: a work-tree load's per-file results from an earlier load (``load_ledger``).
    """
    opened = _open(root, as_of, committed, rev, only, checks, reuse)
    if counted:
        opened.notices += apply_trust(opened.ledger, Path(root).resolve(), opened.uncommitted)
    return opened


def _open(root, as_of, committed, rev, only, checks, reuse=None) -> OpenedLedger:
    from ..history.status import NoHistory, WorktreeStatus

    root = Path(root)
    if only is not None or not committed:
        status = WorktreeStatus(root)  # git works while the files are checked
        ledger = load_ledger(root, as_of, only=only, reuse=reuse if only is None else None)
        try:
            changed = status.result()
        except NoHistory:
            changed = []
        notices = list(ledger.notices)
        if changed and only is None:
            notices.append(Notice(f"注意：工作区有 {len(changed)} 个未提交的事项文件修改，以下结果包含这些修改（尚未进入台账历史）。"))
        return OpenedLedger(ledger, notices, changed)
    from ..history.repo import HistoryUnavailable, open_repo, resolve_commit

    try:
        repo = open_repo(root)
    except HistoryUnavailable:
        if rev is not None:
            raise
        notice = Notice(f"注意：{root.resolve()} 不是 git 仓库，按工作区文件计算截至 {as_of} 的状态。")
        return OpenedLedger(load_ledger(root, as_of), [notice])
    status = WorktreeStatus(root)  # git works while the committed ledger is read
    commit = resolve_commit(repo, rev) if rev is not None else None
    ledger = load_ledger_at(root, as_of, commit=commit, checks=checks)
    try:
        changed = status.result()
    except NoHistory:  # git could not say (the repository opened above with a commit): nothing to warn of
        changed = []
    notices = list(ledger.notices)
    if changed:
        notices.append(Notice(f"注意：工作区有 {len(changed)} 个未提交的事项文件修改，未计入（按提交 {ledger.commit[:10]} 计算）。", Hint("worktree")))
    return OpenedLedger(ledger, notices, changed)
