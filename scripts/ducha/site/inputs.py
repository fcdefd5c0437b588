"""Everything the site needs, gathered once: ledger, history, audit, statistics, bulletins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..core.findings import LedgerError, format_text
from ..history.repo import HistoryUnavailable, commit_at, open_repo
from ..history.commits import CacheWarmer
from ..ledger.checked import Ledger
from ..ledger.sources import apply_trust, open_ledger
from .pages import SiteBuilder


@dataclass
class SiteInputs:
    ledger: Ledger
    as_of: dt.date
    commit: str | None
    history: object | None = None
    audit_findings: list = field(default_factory=list)
    bulletins: list = field(default_factory=list)

    state: object | None = None  # ``incremental.SiteState`` of a preview's rebuilds

    def builder(self, template_dirs=None, per_page: int = 200, use_directory_urls: bool = True, search_indexer=None) -> SiteBuilder:
        return SiteBuilder(
            self.ledger,
            self.as_of,
            commit=self.commit,
            history=self.history,
            audit_findings=self.audit_findings,
            bulletins=self.bulletins,
            template_dirs=template_dirs,
            per_page=per_page,
            use_directory_urls=use_directory_urls,
            search_indexer=search_indexer,
            reuse=self.state if self.state is not None and not self.state.full else None,
            keep=self.state,
        )


def gather_inputs(root: Path, as_of: dt.date, from_history: bool, history: bool = True, warn=print,
                  state=None, reuse: bool = False, environment=None, meanwhile=None) -> SiteInputs:  # fmt: skip
    """``from_history``: restore the ledger as committed at the end of ``as_of``; else read the work tree.

    A ledger with check errors raises ``LedgerError`` carrying the same findings ``ducha check`` prints.
    The git history is read into its cache by a background process started first, then audited once here;
    the same history decides what counts (``apply_trust``); a history that cannot be read is a warning, not
    an error.

    ``state`` (``incremental.SiteState``): record what this build makes; ``reuse``: and reuse what the last
    build of the same generation (``environment``: the site generator's part of it) made. ``meanwhile``: the
    caller's own work that needs none of this, called once before this process waits for the history being
    read in the background (when it is: not when the cache is current).
    """
    root = Path(root)
    if state is not None:
        state.start(_generation(root, as_of, from_history, history, environment), reuse)
    repo = None
    try:
        repo = open_repo(root)
    except HistoryUnavailable as exc:
        if from_history:
            raise
        warn(f"没有 git 历史，网站不含修改记录和审计：{exc}")
    warmer, rev, sha = None, "HEAD", None
    if repo is not None and repo.head.is_valid():
        head = repo.head.commit.hexsha
        sha = commit_at(repo, as_of) if from_history else None
        rev = "HEAD" if sha in (None, head) else sha
        if history and (sha is not None or not from_history) and (state is None or state.history is None):
            warmer = CacheWarmer.start(root, rev)
    try:
        files = state.ledger_files if state is not None else None
        opened = open_ledger(root, as_of, committed=from_history, rev=sha, reuse=files)  # its notices are for a terminal
        ledger = opened.ledger
        if from_history:
            commit = ledger.commit
        else:
            commit = repo.head.commit.hexsha if repo is not None and repo.head.is_valid() and not opened.uncommitted else None
        if ledger.errors:
            raise LedgerError(
                f"台账有 {len(ledger.errors)} 个错误，网站未生成。请先运行 ducha check 并改正：\n{format_text(ledger.errors)}",
                [],
            )
        inputs = SiteInputs(ledger, as_of, commit, state=state)
        if history and repo is not None:  # the audit reads the history (through the warmed cache) once
            if state is not None and state.history is not None:
                inputs.history, inputs.audit_findings, said = state.history
                for text in said:
                    warn(text)
            else:
                said = []

                def while_waiting() -> None:  # the pages read every item: rebuild them while the history is read
                    if meanwhile is not None:
                        meanwhile()
                    ledger.items.rebuild_all()

                _read_history(inputs, root, rev, warmer, lambda text: (said.append(text), warn(text)), while_waiting)
                if state is not None:
                    state.history = (inputs.history, inputs.audit_findings, said)
        # the history decides what counts; the branch's own history (rev HEAD) serves, an older one would
        # not hold a baseline set after it
        memo = state.trust if state is not None and inputs.history is not None and rev == "HEAD" else None
        for notice in apply_trust(ledger, root.resolve(), opened.uncommitted, history=inputs.history if rev == "HEAD" else None, memo=memo):
            warn(notice.text)
        if state is not None and state.bulletins is not None:
            inputs.bulletins, said = state.bulletins
            for text in said:
                warn(text)
        else:
            said = []
            inputs.bulletins = site_bulletins(root, lambda text: (said.append(text), warn(text)), verify=repo is not None, rules=ledger.rules)
            if state is not None:
                state.bulletins = (inputs.bulletins, said)
        if state is not None:
            names = ledger.private_names()  # every page masks them: a change to them is a new generation
            if state.private_names is not None and names != state.private_names:
                state.drop_pages()
            state.private_names = names
    except BaseException:
        if warmer is not None:
            warmer.stop()
        raise
    return inputs


def _generation(root: Path, as_of: dt.date, from_history: bool, history: bool, environment) -> tuple:
    """Everything a site depends on but the item files: when any of it changes, nothing of the last build is
    reused. HEAD (the history, its audit, what the work tree is compared with), the rules file, the review
    register, the bulletins and their templates, the as-of day, the ducha version and ``environment``."""
    from .. import __version__
    from ..core.paths import ITEMS_DIR, RULES_FILE
    from .incremental import fingerprint

    head = None
    git = root / ".git"
    if git.exists():
        try:
            head = open_repo(root).head.commit.hexsha
        except Exception:  # no repository, no commit yet: no history either way
            head = None
    signers = signers_file(root)
    return (__version__, as_of, from_history, history, head, environment,
            fingerprint(root / ITEMS_DIR / RULES_FILE, root / "audit", root / "bulletins", signers))  # fmt: skip


def signers_file(root: Path) -> Path | None:
    """The file of allowed signers the rules name (``audit.allowed_signers``; it decides A107), or None: the
    rules file read as the ledger reads it (its links refused, through the strict reader), without the rules'
    full check, which the ledger's load makes."""
    from ..core import yamlio
    from ..core.paths import ITEMS_DIR
    from ..ledger.rulesfile import rules_bytes

    try:
        raw, shown = rules_bytes(root / ITEMS_DIR, root)
    except (LedgerError, OSError):  # no rules file, or a link: the ledger's load says what is wrong
        return None
    data = yamlio.read(raw, shown).data
    audit = data.get("audit") if data is not None else None
    name = audit.get("allowed_signers") if isinstance(audit, dict) else None
    return root / name if isinstance(name, str) and name else None


def _read_history(inputs: SiteInputs, root: Path, rev: str, warmer, warn, meanwhile=None) -> None:
    """The audit of the branch (through the cache the warmer filled) into ``inputs``."""
    from ..review.audit import audit_repository

    if warmer is not None:
        if meanwhile is not None:
            meanwhile()
        warmer.wait()
    try:
        result = audit_repository(root, inputs.ledger.rules, rev=rev, as_of=inputs.as_of)
        inputs.history, inputs.audit_findings = result.history, result.findings
    except HistoryUnavailable as exc:
        warn(f"无法读取 git 历史，网站不含修改记录和审计：{exc}")


def site_bulletins(root: Path, warn=print, verify: bool = True, rules=None) -> list[dict]:
    """The ledger's bulletins for ``SiteBuilder``: src, title, date, items, the ``Bulletin`` and its check.

    A bulletin with a classified marking, or a symbolic link under ``bulletins/``, stops the build
    (``LedgerError``), as an item error does.  A bulletin that cannot be read, or whose numbers no longer
    match its commit, is a warning (so a strict build fails); one whose commit is not in this repository
    is published with a note.
    """
    from ..documents.bulletins import REFUSED_BULLETINS, load_bulletins
    from ..documents.verify import Verifier

    bulletins, findings = load_bulletins(root, rules)
    refused = [f for f in findings if f.code in REFUSED_BULLETINS]
    if refused:
        raise LedgerError(f"通报中有涉密标志或符号链接（{len(refused)} 处），网站未生成。请先改正：\n{format_text(refused)}", [])
    if findings:
        warn(f"通报有 {len(findings)} 个问题（ducha check 会列出）：\n{format_text(findings)}")
    verifier = Verifier(root) if verify else None
    out = []
    for b in sorted(bulletins, key=lambda b: (b.date, b.kind, b.number), reverse=True):
        check = verifier.verify(b) if verifier is not None else None
        if check is not None and check.status == "mismatch":
            warn(f"{b.path} 中的数字与其提交重新计算的结果不一致（ducha bulletin verify {b.path}）：\n{format_text(check.findings)}")
        out.append(
            {
                "src": f"bulletins/{b.slug}.md",
                "title": f"{b.display_number} {b.title}",
                "date": b.date.isoformat(),
                "items": b.items,
                "bulletin": b,
                "check": check,
                # what its 附件 spreadsheet is made from (the ledger of its commit), when its figures hold
                "ledger": verifier.ledger(check.commit, check.source.spec.as_of) if check is not None and check.status == "ok" and check.source is not None else None,
            }
        )
    return out
