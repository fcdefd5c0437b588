"""The theme's inline scripts, served as files (so the CSP needs no 'unsafe-inline'), match the installed Material.

``scripts/ducha/templates/theme/partials/javascripts/*.html`` override Material's partials of the same
name and load ``assets/ducha/md-*.js`` instead of running the same code inline. When Material is
upgraded and its scripts change, this test fails until the copies are brought up to date.
"""

from __future__ import annotations

import re
from pathlib import Path

import material
import pytest

MATERIAL = Path(material.__file__).parent / "templates" / "partials" / "javascripts"
PACKAGE = Path(__file__).resolve().parents[1] / "scripts" / "ducha" / "templates"
SCOPE = '"{{ config.extra.scope | d(base_url) }}"'


def _inline(partial: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", (MATERIAL / partial).read_text(encoding="utf-8"), re.S)


def _copy(name: str) -> str:
    lines = (PACKAGE / "assets" / "ducha" / name).read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.startswith("//")).strip()


@pytest.mark.parametrize(
    "partial, copies",
    [("base.html", ["md-base.js"]), ("content.html", ["md-tabs.js", "md-content.js"]), ("palette.html", ["md-palette.js"])],
)
def test_copies_match_materials_inline_scripts(partial, copies):
    scripts = _inline(partial)
    assert len(scripts) == len(copies), f"Material's {partial} has {len(scripts)} inline scripts now"
    for script, name in zip(scripts, copies):
        code = _copy(name)
        if name == "md-base.js":
            assert SCOPE in script
            script = script.replace(SCOPE, '__md_script.getAttribute("data-scope")')
            code = code.removeprefix("var __md_script=document.currentScript;").strip()
        assert code == script.strip(), name
    override = (PACKAGE / "theme" / "partials" / "javascripts" / partial).read_text(encoding="utf-8")
    assert "<script>" not in override and all(name in override for name in copies)
