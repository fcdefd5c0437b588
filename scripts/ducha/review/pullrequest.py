"""``ducha check --base REF``: what a pull-request pipeline runs.

Every item touched since the merge base is validated in full, and each step of
its life along the pull request (base version → each commit → uncommitted work
tree) must obey the workflow rules in ``workflow.compare``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..core import yamlio
from ..core.findings import Finding
from ..history.repo import BlobReader, ensure_full_history, item_blobs_at, open_repo, worktree_changes
from ..history.repo import merge_base as find_merge_base
from ..history.commits import LOG_FORMAT_NOSIG, parse_log_record
from ..ledger.checked import Ledger
from ..ledger.sources import load_ledger
from ..core.paths import is_item_path, id_of_path, misnamed_item
from ..core.workflow import compare

WORKTREE = "worktree"


def check_base(root: Path, base: str, as_of: dt.date) -> Ledger:
    """Load and check the touched items; returns a Ledger whose findings include the T1xx ones."""
    root = Path(root).resolve()
    repo = open_repo(root)
    ensure_full_history(repo)
    merge_base = find_merge_base(repo, base)
    _, base_items = item_blobs_at(repo, merge_base)
    base_by_id = {id_of_path(p): p for p in base_items}
    target_ids = {id_of_path(p): p for p in item_blobs_at(repo, base)[1]}

    raw = repo.git.log(
        "--reverse", "--first-parent", "-z", "--raw", "-M", "--no-abbrev", f"--format={LOG_FORMAT_NOSIG}",
        f"{merge_base}..HEAD", stdout_as_string=False,
    )  # fmt: skip
    # item id -> list of (label, path, blob sha | bytes | None)
    steps: dict[str, list[tuple[str, str, object]]] = {}
    live_path: dict[str, str] = {}
    seen: set[str] = set()  # every path under items/ the branch or the work tree touched
    for record in raw.split(b"\x1e"):
        if not record.strip():
            continue
        commit, entries = parse_log_record(record)
        # deletions first: a file moved without git seeing a rename is a delete plus an add of the same id
        for status, old, new, blob in sorted(entries, key=lambda e: e[0] != "D"):
            seen.add(new)
            if not (is_item_path(old) or is_item_path(new)):
                continue
            item_id = id_of_path(old if status in "RD" else new)
            if status == "D":
                steps.setdefault(item_id, []).append((commit.sha, old, None))
                continue
            if status == "R" and id_of_path(new) != item_id:
                steps.setdefault(item_id, []).append((commit.sha, old, None))
                item_id = id_of_path(new)
            steps.setdefault(item_id, []).append((commit.sha, new, blob))
            live_path[item_id] = new
    for path in sorted(worktree_changes(repo), key=lambda p: _regular(root / p)):  # deletions first
        seen.add(path)
        if not is_item_path(path):
            continue
        full = root / path
        item_id = id_of_path(path)
        steps.setdefault(item_id, []).append((WORKTREE, path, full.read_bytes() if _regular(full) else None))
        if _regular(full):
            live_path[item_id] = path

    needed = {base_items[base_by_id[i]] for i in steps if i in base_by_id}
    needed |= {b for s in steps.values() for _, _, b in s if isinstance(b, str)}
    with BlobReader(repo) as reader:
        blobs = reader.read_many(sorted(needed)) if needed else {}

    def parsed(source):
        if source is None:
            return None, None
        raw_bytes = blobs[source] if isinstance(source, str) else source
        result = yamlio.read(raw_bytes, "")
        return result.data, result.text

    touched = sorted({p for p in live_path.values() if _regular(root / p)})
    # a link (never followed) or a misnamed item file the branch added is refused by name (D111, D112)
    not_read = sorted(
        p for p in seen if p.startswith("items/") and ((root / p).is_symlink() or (misnamed_item(p) and _regular(root / p)))
    )
    ledger = load_ledger(root, as_of, only=[root / p for p in touched + not_read])
    findings: list[Finding] = []
    for item_id, sequence in sorted(steps.items()):
        final_label, final_path, final_source = sequence[-1]
        final_data, final_text = parsed(final_source)
        shown = final_path
        if item_id in base_by_id:
            prev = parsed(base_items[base_by_id[item_id]])[0]
        else:
            prev = None
            if final_source is not None and item_id in target_ids:
                findings.append(
                    Finding(shown, yamlio.line_for(final_text, "id"), "T106", "id",
                            f"编号 {item_id} 在目标分支 {base} 上已被 {target_ids[item_id]} 使用。")
                )  # fmt: skip
        for label, _path, source in sequence:
            data, _ = parsed(source)
            if source is None:
                # a file re-added later is still judged against the last version (prev is kept);
                # only the removal of an item that exists on the target branch is a deletion
                if item_id in base_by_id and label == final_label and final_source is None:
                    findings.append(Finding(shown, None, "T105", "", f"删除了事项文件（{_where(label)}）；事项不能删除，只能撤销。"))
                continue
            if prev is not None and data is not None:
                for v in compare(prev, data):
                    findings.append(Finding(shown, yamlio.line_for(final_text, v.field), v.code, v.field, f"{v.message}（{_where(label)}）"))
            if data is not None:
                prev = data
    ledger.findings.extend(findings)
    ledger.files = len(touched) + len(not_read) + 1
    return ledger


def _regular(path: Path) -> bool:
    """A regular file, not a symbolic link (whose target is never read)."""
    return path.is_file() and not path.is_symlink()


def _where(label: str) -> str:
    return "未提交的修改" if label == WORKTREE else f"提交 {label[:10]}"
