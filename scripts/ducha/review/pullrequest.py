"""``ducha check --base REF``: what a pull-request pipeline runs.

Every item touched since the merge base is validated in full, and each step of
its life along the pull request (base version → each commit → uncommitted work
tree) must obey the workflow rules in ``workflow.compare``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..core import yamlio
from ..core.findings import Finding
from ..history.repo import BlobReader, changed_since, ensure_full_history, item_blobs_at, open_repo, worktree_changes
from ..history.repo import merge_base as find_merge_base
from ..history.commits import LOG_FORMAT_NOSIG, parse_log_record
from ..history.commits import diff_fields
from ..ledger.checked import Ledger
from ..ledger.trust import judge_version
from ..ledger.sources import load_ledger
from ..core.paths import ITEMS_PREFIX, is_item_path, id_of_path, misnamed_item
from ..core.workflow import compare

WORKTREE = "worktree"


@dataclass
class _Branch:
    """What the branch did to each item, commit by commit, then in the uncommitted work tree."""

    steps: dict[str, list[tuple[str, str, object]]] = field(default_factory=dict)  # id -> (label, path, blob sha | bytes | None)
    live_path: dict[str, str] = field(default_factory=dict)  # id -> its path after the last step that kept it

    def step(self, item_id: str, label: str, path: str, source: object) -> None:
        self.steps.setdefault(item_id, []).append((label, path, source))


def check_base(root: Path, base: str, as_of: dt.date) -> Ledger:
    """Load and check the touched items; returns a Ledger whose findings include the T1xx ones."""
    root = Path(root).resolve()
    repo = open_repo(root)
    ensure_full_history(repo)
    merge_base = find_merge_base(repo, base)
    _, base_items = item_blobs_at(repo, merge_base)
    base_blob = {id_of_path(p): blob for p, blob in base_items.items()}
    target_ids = {id_of_path(p): p for p in item_blobs_at(repo, base)[1]}
    branch = _Branch()
    _commit_steps(repo, merge_base, branch)
    _worktree_steps(repo, root, branch)
    needed = {base_blob[i] for i in branch.steps if i in base_blob}
    needed |= {b for s in branch.steps.values() for _, _, b in s if isinstance(b, str)}
    with BlobReader(repo) as reader:
        blobs = reader.read_many(sorted(needed)) if needed else {}

    def parsed(source):
        if source is None:
            return None, None
        result = yamlio.read(blobs[source] if isinstance(source, str) else source, "")
        return result.data, result.text

    touched = sorted({p for p in branch.live_path.values() if _regular(root / p)})
    # a link (never followed) or a misnamed item file the branch added is refused by name (D111, D112)
    not_read = sorted(
        p for p in changed_since(repo, merge_base)
        if p.startswith(ITEMS_PREFIX) and ((root / p).is_symlink() or (misnamed_item(p) and _regular(root / p)))
    )  # fmt: skip
    ledger = load_ledger(root, as_of, only=[root / p for p in touched + not_read])
    for item_id, sequence in sorted(branch.steps.items()):
        base_source = base_blob.get(item_id)
        ledger.findings.extend(_item_findings(item_id, sequence, base_source, parsed, target_ids, base, ledger.rules.open_ended))
        ledger.findings.extend(_late_records(sequence, base_source, parsed, as_of, ledger.rules))
    ledger.files = len(touched) + len(not_read) + 1
    return ledger


def _commit_steps(repo, merge_base: str, branch: _Branch) -> None:
    """Each first-parent commit from the merge base to HEAD, as steps of the items it touched."""
    raw = repo.git.log(
        "--reverse", "--first-parent", "-z", "--raw", "-M", "--no-abbrev", f"--format={LOG_FORMAT_NOSIG}",
        f"{merge_base}..HEAD", stdout_as_string=False,
    )  # fmt: skip
    for record in raw.split(b"\x1e"):
        if not record.strip():
            continue
        commit, entries = parse_log_record(record)
        # deletions first: a file moved without git seeing a rename is a delete plus an add of the same id
        for status, old, new, blob in sorted(entries, key=lambda e: e[0] != "D"):
            if not (is_item_path(old) or is_item_path(new)):
                continue
            item_id = id_of_path(old if status in "RD" else new)
            if status == "D":
                branch.step(item_id, commit.sha, old, None)
                continue
            if status == "R" and id_of_path(new) != item_id:
                branch.step(item_id, commit.sha, old, None)
                item_id = id_of_path(new)
            branch.step(item_id, commit.sha, new, blob)
            branch.live_path[item_id] = new


def _worktree_steps(repo, root: Path, branch: _Branch) -> None:
    """The uncommitted item files as the last step of each (deletions first)."""
    for path in sorted(worktree_changes(repo), key=lambda p: _regular(root / p)):
        if not is_item_path(path):
            continue
        full = root / path
        item_id = id_of_path(path)
        branch.step(item_id, WORKTREE, path, full.read_bytes() if _regular(full) else None)
        if _regular(full):
            branch.live_path[item_id] = path


def _item_findings(item_id, sequence, base_source, parsed, target_ids, base, open_ended=frozenset()) -> list[Finding]:
    """The T1xx findings of one item's steps along the branch, each judged against the version before."""
    findings: list[Finding] = []
    final_label, shown, final_source = sequence[-1]
    final_text = parsed(final_source)[1]
    if base_source is not None:
        prev = parsed(base_source)[0]
    else:
        prev = None
        if final_source is not None and item_id in target_ids:
            findings.append(
                Finding(shown, yamlio.line_for(final_text, "id"), "T106", "id",
                        f"编号 {item_id} 在目标分支 {base} 上已被 {target_ids[item_id]} 使用。")
            )  # fmt: skip
    for label, _path, source in sequence:
        data = parsed(source)[0]
        if source is None:
            # a file re-added later is still judged against the last version (prev is kept);
            # only the removal of an item that exists on the target branch is a deletion
            if base_source is not None and label == final_label and final_source is None:
                findings.append(Finding(shown, None, "T105", "", f"删除了事项文件（{_where(label)}）；事项不能删除，只能撤销。"))
            continue
        if prev is not None and data is not None:
            for v in compare(prev, data, open_ended):
                findings.append(Finding(shown, yamlio.line_for(final_text, v.field), v.code, v.field, f"{v.message}（{_where(label)}）"))
        if data is not None:
            prev = data
    return findings


def _late_records(sequence, base_source, parsed, as_of: dt.date, rules) -> list[Finding]:
    """T108: each record the branch adds dated more than the tolerance before the check's day (the earliest
    it can land on the main branch), which the counts will take as of its landing day (``ledger.trust``)."""
    final_label, shown, final_source = sequence[-1]
    if final_source is None:
        return []
    prev = parsed(base_source)[0] if base_source is not None else None
    final_data, final_text = parsed(final_source)
    if not isinstance(final_data, dict):
        return []
    out = []
    tolerance = rules.backdating_tolerance_days
    changes = diff_fields(prev, final_data)
    for code, fld, written, counted in judge_version(prev, final_data, changes, as_of, tolerance, late_by=rules.late_by):
        if code == "A101":
            late = rules.tolerance_text(rules.late_by(written, counted))
            out.append(Finding(shown, yamlio.line_for(final_text, fld), "T108", fld,
                               f"{fld} 记为 {written}，最早 {counted} 才能进入主分支，晚 {late}（容许 {rules.tolerance_text()}）；"
                               f"合并后按进入主分支之日（不早于 {counted}）计算是否按期。"))  # fmt: skip
    return out


def _regular(path: Path) -> bool:
    """A regular file, not a symbolic link (whose target is never read)."""
    return path.is_file() and not path.is_symlink()


def _where(label: str) -> str:
    return "未提交的修改" if label == WORKTREE else f"提交 {label[:10]}"
