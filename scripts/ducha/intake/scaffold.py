"""A new, empty ledger (``ducha init``) and the forge pipeline files, from the templates in the package.

The templates live under ``templates/init/`` and are named without leading dots
(setuptools' package-data globs skip dotfiles and dot-folders); ``FILES`` and
``PIPELINES`` say where each one goes.  Placeholders are ``__DUCHA_<NAME>__``
tokens, so every template stays a valid YAML/Markdown file that can be read as is.
"""

from __future__ import annotations

import json
import shutil
from importlib import metadata, resources
from pathlib import Path

import yaml

from ..core import schema
from ..core.findings import DuchaError, format_text
from ..core.rules import parse_rules

TEMPLATES = "templates/init"

# forge -> (template, destination in the ledger)
PIPELINES = {
    "gitlab": ("ci/gitlab-ci.yml", ".gitlab-ci.yml"),
    "gitea": ("ci/gitea-actions.yml", ".gitea/workflows/ducha.yml"),
    "forgejo": ("ci/gitea-actions.yml", ".forgejo/workflows/ducha.yml"),
    "github": ("ci/github-actions.yml", ".github/workflows/ducha.yml"),
}
# Each forge reads only its own folder (Gitea reads .github/workflows only when .gitea/workflows is absent),
# so a ledger may carry all of these at once.  Forgejo reads .forgejo/workflows, else .github/workflows.
DEFAULT_FORGES = ("gitlab", "gitea", "github")
NGINX = ("ci/nginx.conf", "deploy/nginx.conf")

# template -> destination; folders are copied whole
FILES = {
    "ledger.yml": "items/ledger.yml",
    "mkdocs.yml": "mkdocs.yml",
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
    "bulletins/gitkeep": "bulletins/.gitkeep",
    "site_src": "site_src",
}

REPO_PIP_ARGS = "-e ."  # this repository installs the tool from its own checkout
DEFAULT_OFFICE = "某某市人民政府督查室"
DEFAULT_ISSUER = "某某市人民政府办公室"
DEFAULT_CODE = "某府督办"


class InitError(DuchaError):
    """``ducha init`` cannot create the ledger (the folder is not empty, a value breaks the rules file)."""


def version() -> str:
    try:
        return metadata.version("ducha")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        from .. import __version__

        return __version__


def default_pip_args() -> str:
    """What a new ledger's pipelines install: this very version of ducha (from the office's PyPI mirror)."""
    return f'"ducha=={version()}"'


def _template(name: str):
    return resources.files("ducha").joinpath(TEMPLATES, name)


def _yaml_scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when it reads back unchanged, else double-quoted."""
    try:
        if yaml.safe_load(f"k: {value}") == {"k": value} and "#" not in value:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def render(text: str, values: dict[str, str], yaml_file: bool) -> str:
    for key, value in values.items():
        token = f"__DUCHA_{key}__"
        quoted = key in ("OFFICE", "ISSUER", "CODE", "SITE_NAME")
        text = text.replace(token, _yaml_scalar(value) if yaml_file and quoted else value)
    if "__DUCHA_" in text:  # pragma: no cover - a template names a token nobody fills
        raise DuchaError(f"模板中有未替换的占位符：{text[text.index('__DUCHA_'):][:40]}")
    return text


def _values(office: str, issuer: str, code: str, pip_args: str) -> dict[str, str]:
    return {
        "OFFICE": office,
        "ISSUER": issuer,
        "CODE": code,
        "SITE_NAME": f"{office} · 督查督办台账",
        "PIP_ARGS": pip_args,
        "VERSION": version(),
    }


def pipeline_files(forges=DEFAULT_FORGES, pip_args: str | None = None) -> dict[str, str]:
    """The pipeline files for ``forges`` plus the nginx snippet: ``{destination: text}``."""
    values = _values(DEFAULT_OFFICE, DEFAULT_ISSUER, DEFAULT_CODE, pip_args or default_pip_args())
    out = {}
    for forge in forges:
        if forge not in PIPELINES:
            raise DuchaError(f"不认识的代码托管平台“{forge}”；可选：{'、'.join(PIPELINES)}")
        template, dest = PIPELINES[forge]
        out[dest] = render(_template(template).read_text(encoding="utf-8"), values, yaml_file=True)
    template, dest = NGINX
    out[dest] = render(_template(template).read_text(encoding="utf-8"), values, yaml_file=False)
    return out


def repo_pipeline_files() -> dict[str, str]:
    """The pipeline files this repository carries (it installs ducha from its own checkout)."""
    return pipeline_files(DEFAULT_FORGES, REPO_PIP_ARGS)


def _walk(node, prefix: str):
    if node.is_dir():
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            yield from _walk(child, f"{prefix}/{child.name}")
    else:
        yield prefix, node


def ledger_files(
    office: str = DEFAULT_OFFICE,
    issuer: str = DEFAULT_ISSUER,
    code: str = DEFAULT_CODE,
    forges=DEFAULT_FORGES,
    pip_args: str | None = None,
) -> dict[str, bytes]:
    """Every file of a new, empty ledger: ``{relative path: content}``; the rules file is checked first."""
    values = _values(office, issuer, code, pip_args or default_pip_args())
    out: dict[str, bytes] = {}
    for template, dest in FILES.items():
        for rel, node in _walk(_template(template), dest):
            data = node.read_bytes()
            if rel.endswith((".yml", ".yaml", ".md")):
                data = render(data.decode("utf-8"), values, rel.endswith((".yml", ".yaml"))).encode("utf-8")
            out[rel] = data
    out["items/item.schema.json"] = schema.item_schema_json().encode("utf-8")
    out["items/ledger.schema.json"] = (
        json.dumps(schema.rules_schema(), ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")
    for dest, text in pipeline_files(forges, values["PIP_ARGS"]).items():
        out[dest] = text.encode("utf-8")
    rules, findings = parse_rules(out["items/ledger.yml"], "items/ledger.yml")
    if rules is None:
        raise InitError("按给出的单位名称生成的台账规则文件有错误，未创建任何文件：\n" + format_text(findings))
    return out


def init_ledger(target: Path, **options) -> list[str]:
    """Create a new ledger in ``target`` (absent, empty, or holding only ``.git``); never overwrite anything."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} 已存在且不是目录。")
    existing = sorted(p.name for p in target.iterdir()) if target.is_dir() else []
    others = [name for name in existing if name != ".git"]
    if others:
        shown = "、".join(others[:5]) + ("……" if len(others) > 5 else "")
        raise InitError(
            f"目录 {target} 不是空的（有 {shown}）。为避免覆盖已有文件，ducha init 只在不存在的目录、空目录"
            "或只含 .git 的目录中创建台账。"
        )
    files = ledger_files(**options)
    created_dir = not target.exists()
    written: list[Path] = []
    try:
        target.mkdir(parents=True, exist_ok=True)
        for rel, data in files.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as fh:  # "x": fail rather than overwrite
                fh.write(data)
            written.append(path)
    except OSError as exc:
        if created_dir:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for path in written:
                path.unlink(missing_ok=True)
        raise InitError(f"无法在 {target} 中创建台账：{exc}") from None
    return sorted(files)


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write (overwrite) ``files`` under ``root``: used to refresh this repository's own pipeline files."""
    for rel, text in files.items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
