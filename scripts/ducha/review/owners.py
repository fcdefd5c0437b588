"""A CODEOWNERS file from the ledger rules' ``reviewers`` (``ducha codeowners``).

CODEOWNERS assigns reviewers by path, and the three forges read it differently:

* GitHub and GitLab: gitignore-style globs, the last matching line wins, ``/items/`` is a folder at the root;
* Gitea and Forgejo: Go regular expressions matched against the whole path (``items/.*``), and every
  matching line adds its owners (each matching line then needs one approval).

Every rule is therefore written in the form each forge understands.  A line meant for the other family is
valid there too and matches nothing it should not (``/items/`` as a regex matches no path, since paths have
no leading slash; ``items/.*`` as a glob matches only dotfiles inside ``items/``, which have the same owners),
so one file works on all of them.  Plain file paths (``items/ledger.yml``) mean the same in both.
No catch-all: ``*`` is not a valid regular expression, and a character class (``[^/]+``) is not valid on GitHub,
so files the rules do not name (README.md, scripts/ …) have no owner on any forge.

What paths cannot express: items are stored as ``items/<year>/<id>.yml``, and the category and the lead unit
are written inside the file, so category and unit reviewers cannot be told apart by path.  They are listed
together as owners of every item (any one of them may approve on GitHub/GitLab), and the file spells out in
comments who reviews which category and unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.findings import DuchaError
from ..core.paths import ITEMS_DIR, is_item_path, id_of_path
from ..core.rules import Rules
from ..ledger.rulesfile import load_rules

FILE_NAME = "CODEOWNERS"
OWNER = re.compile(r"^@?[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$")


class CodeownersError(DuchaError):
    """The rules name no reviewers, or a reviewer that no forge can read."""


@dataclass(frozen=True)
class Rule:
    what: str  # shown in the comment above the lines
    glob: str  # GitHub / GitLab
    regex: str  # Gitea / Forgejo (the same string when a plain path means the same to both)
    owners: tuple[str, ...]


def normalise(owner: str, where: str) -> str:
    """``zhoumin`` / ``@zhoumin`` / ``dcs/leaders`` → ``@zhoumin`` / ``@dcs/leaders``."""
    text = str(owner).strip()
    if not OWNER.match(text):
        hint = "（Gitea、Forgejo 不支持用邮箱指定审核人）" if "@" in text[1:] else ""
        raise CodeownersError(
            f"{where} 中的审核人“{owner}”不是代码托管平台的用户名或 组织/团队{hint}；"
            "应写成 zhangsan、\"@zhangsan\" 或 \"@dcs/leaders\"。"
        )
    return text if text.startswith("@") else "@" + text


def _owners(values, where: str) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or ():
        o = normalise(v, where)
        if o not in out:
            out.append(o)
    return tuple(out)


def _reviewers(rules: Rules) -> tuple[tuple[str, ...], dict[str, tuple], dict[str, tuple]]:
    """(office reviewers, category code → reviewers, unit code → reviewers), normalised."""
    office = _owners((rules.raw.get("office") or {}).get("reviewers"), "office.reviewers")
    by_category = {c.code: _owners(c.reviewers, f"categories.{c.code}.reviewers") for c in rules.categories.values()}
    by_unit = {u.code: _owners(u.reviewers, f"units.{u.code}.reviewers") for u in rules.units.values()}
    return office, by_category, by_unit


def rules_for(rules: Rules) -> tuple[list[Rule], list[str]]:
    """The ownership rules and the explanatory comment lines (category and unit reviewers)."""
    office, by_category, by_unit = _reviewers(rules)
    staff: list[str] = []
    for group in (*by_category.values(), *by_unit.values()):
        staff += [o for o in group if o not in staff and o not in office]
    if not office and not staff:
        raise CodeownersError(
            "台账规则中没有任何审核人：请在 items/ledger.yml 的 office.reviewers（督查室负责人）"
            "以及 categories / units 的 reviewers 中填写代码托管平台的用户名，再运行 ducha codeowners。"
        )
    heads = office or tuple(staff)  # without office reviewers, every reviewer owns everything
    items = tuple(office) + tuple(staff)
    out = [
        Rule("事项文件：督查室负责人以及所有类别、单位的审核人（分工见文件开头）", "/items/", "items/.*", items),
        Rule("台账规则及其 JSON Schema", "items/ledger.yml", "items/ledger.yml", heads),
        Rule("", "items/ledger.schema.json", "items/ledger.schema.json", heads),
        Rule("", "items/item.schema.json", "items/item.schema.json", heads),
        Rule("督查通报", "/bulletins/", "bulletins/.*", heads),
        Rule("网站页面、模板和配置", "/site_src/", "site_src/.*", heads),
        Rule("", "mkdocs.yml", "mkdocs.yml", heads),
        Rule("", ".gitignore", ".gitignore", heads),
        Rule("流水线、审核分工、提交前检查和部署配置", "/.github/", ".github/.*", heads),
        Rule("", "/.gitea/", ".gitea/.*", heads),
        Rule("", "/.forgejo/", ".forgejo/.*", heads),
        Rule("", ".gitlab-ci.yml", ".gitlab-ci.yml", heads),
        Rule("", ".pre-commit-config.yaml", ".pre-commit-config.yaml", heads),
        Rule("", "CODEOWNERS", "CODEOWNERS", heads),
        Rule("", "/deploy/", "deploy/.*", heads),
    ]
    notes = []
    for code, owners in by_category.items():
        if owners:
            notes.append(f"#   类别 {rules.categories[code].name}（{code}）：{' '.join(owners)}")
    for code, owners in by_unit.items():
        if owners:
            notes.append(f"#   单位 {rules.units[code].name}（{code}）：{' '.join(owners)}")
    if not office:
        notes.append("#   （office.reviewers 未填写：规则文件、通报、网站和流水线暂由以上全部审核人负责。）")
    return out, notes


HEADER = """\
# CODEOWNERS：合并请求的审核人。由 `ducha codeowners` 根据 items/ledger.yml 中的 reviewers 生成，请勿手工修改；
# 改了 reviewers 后重新运行 `ducha codeowners` 并提交。GitHub、GitLab、Gitea、Forgejo 都读取仓库根目录的本文件
# （在分支保护中开启“需要代码所有者审核”后才强制）。
#
# 每条规则写成两种形式：以 / 开头的通配符（如 /items/）供 GitHub、GitLab 使用，后写的规则优先；
# 正则表达式（如 items/.*）供 Gitea、Forgejo 使用，匹配到的每条规则都要有其中一人批准。
# 每个平台读到另一种写法时都不会匹配到其他人负责的文件，因此同一份文件在各平台上含义相同。
# 下面没有列出的文件（如 README.md）在各平台上都没有指定审核人。
#
# CODEOWNERS 只能按路径指定审核人。事项文件按年份存放（items/<年份>/<编号>.yml），类别和牵头单位写在
# 文件内容里，无法按路径区分，所以各类别、各单位的审核人一起列为全部事项文件的审核人（GitHub、GitLab 上
# 其中任何一人批准即可），具体分工如下，请按分工指派审核人：
"""


def codeowners_text(rules: Rules) -> str:
    rules_list, notes = rules_for(rules)
    lines = [HEADER.rstrip("\n")]
    lines += notes or ["#   （没有按类别、按单位指定的审核人。）"]
    width = max(len(r.glob) for r in rules_list) + 2
    for r in rules_list:
        if r.what:
            lines += ["", f"# {r.what}"]
        owners = " ".join(r.owners)
        lines.append(f"{r.glob:<{width}}{owners}")
        if r.regex != r.glob:
            lines.append(f"{r.regex:<{width}}{owners}")
    return "\n".join(lines) + "\n"


# -- who must review one pull request (what CODEOWNERS cannot say) -------------------------


@dataclass
class Review:
    owner: str
    roles: list[str]  # 督查室负责人 / 类别 X（code）/ 单位 Y（code）
    items: list[str]  # item ids
    files: list[str]  # other files (the rules file, bulletins, pipelines ...)


def _owned_by_heads(path: str, rules_list: list[Rule]) -> bool:
    for r in rules_list[1:]:  # the first rule is the items folder
        glob = r.glob
        if (glob.startswith("/") and glob.endswith("/") and path.startswith(glob[1:])) or path == glob:
            return True
    return False


def reviewers_for_change(root, base: str) -> tuple[str, list[Review]]:
    """(merge base, reviews) for the change from the merge base with ``base`` to the work tree.

    Each touched item needs its category's and its lead unit's reviewers, before and after the change (an
    item moved to another category or unit needs both sides); an item with none of them, and every other
    file CODEOWNERS gives the office, needs the office's reviewers (``office.reviewers``).
    """
    from pathlib import Path

    from ..history.repo import changed_since, ensure_full_history, open_repo
    from ..history.repo import merge_base as find_merge_base

    root = Path(root).resolve()
    repo = open_repo(root)
    ensure_full_history(repo)
    merge_base = find_merge_base(repo, base)
    rules = load_rules(root / ITEMS_DIR, root)
    rules_list, _ = rules_for(rules)
    heads = rules_list[1].owners  # the rules file's owners: office.reviewers, or every reviewer without them
    changed = changed_since(repo, merge_base)
    reviews = _Reviews()
    _, by_category, by_unit = _reviewers(rules)
    for item_id, versions in _item_versions(repo, root, merge_base, changed):
        if not _need_item_reviewers(reviews, rules, by_category, by_unit, item_id, versions):
            reviews.need(heads, "督查室负责人", item=item_id)
    for path in changed:
        if not is_item_path(path) and _owned_by_heads(path, rules_list):
            reviews.need(heads, "督查室负责人", file=path)
    return merge_base, sorted(reviews.by_owner.values(), key=lambda r: r.owner)


class _Reviews:
    """The reviews a change needs, gathered owner by owner."""

    def __init__(self):
        self.by_owner: dict[str, Review] = {}

    def need(self, owners, role: str, item: str | None = None, file: str | None = None) -> None:
        for owner in owners:
            r = self.by_owner.setdefault(owner, Review(owner, [], [], []))
            if role not in r.roles:
                r.roles.append(role)
            if item and item not in r.items:
                r.items.append(item)
            if file and file not in r.files:
                r.files.append(file)


def _item_versions(repo, root, merge_base: str, changed: list[str]):
    """(item id, [its data at the merge base, its data in the work tree]) for each touched item, by id."""
    from ..core import yamlio
    from ..history.repo import BlobReader, item_blobs_at

    _, base_items = item_blobs_at(repo, merge_base)
    base_by_id = {id_of_path(p): blob for p, blob in base_items.items()}
    touched = {id_of_path(p): p for p in changed if is_item_path(p)}
    with BlobReader(repo) as reader:
        old_blobs = reader.read_many(sorted({base_by_id[i] for i in touched if i in base_by_id}))
    for item_id, path in sorted(touched.items()):
        versions = [yamlio.read(old_blobs[base_by_id[item_id]], path).data] if item_id in base_by_id else []
        if (root / path).is_file():
            versions.append(yamlio.read((root / path).read_bytes(), path).data)
        yield item_id, versions


def _need_item_reviewers(reviews: _Reviews, rules: Rules, by_category: dict, by_unit: dict, item_id: str, versions: list) -> bool:
    """Ask the reviewers of each version's category and lead unit; False when no version has any."""
    found = False
    for data in versions:
        if not isinstance(data, dict):
            continue
        for label, things, owners in (("类别", rules.categories, by_category), ("单位", rules.units, by_unit)):
            code = str(data.get("category" if label == "类别" else "lead_unit"))
            if owners.get(code):
                reviews.need(owners[code], f"{label} {things[code].name}（{code}）", item=item_id)
                found = True
    return found
