"""PDF from .docx through LibreOffice in headless mode (``soffice --headless --convert-to pdf``).

Each conversion runs in a temporary folder with its own LibreOffice user profile (so it never touches,
waits for or is disturbed by a user's running LibreOffice) and a fontconfig file that maps the office's
font names to what the machine has (``officedoc.FALLBACKS``), under a timeout.  The PDF bytes are made
independent of the moment of conversion (creation date and file id from the document itself), so a
site built twice publishes the same files.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.findings import DuchaError
from .officedoc import BOLD_FALLBACK, FALLBACKS

TIMEOUT = 180  # seconds for one soffice run (a cold start on a slow machine takes ~10 s)
INSTALL = ("未找到 LibreOffice（soffice），不能生成 PDF。请安装后重试："
           "Debian/Ubuntu 运行 sudo apt-get install --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk；"
           "或只生成 Word 文件。")  # fmt: skip


class ConversionError(DuchaError):
    """LibreOffice is missing (``code`` B117) or did not produce the PDF (B118)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code} {message}")
        self.code = code


def find_soffice() -> str | None:
    """The LibreOffice program: ``DUCHA_SOFFICE``, else ``soffice`` or ``libreoffice`` on PATH."""
    named = os.environ.get("DUCHA_SOFFICE")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    return shutil.which("soffice") or shutil.which("libreoffice")


def fonts_conf() -> str:
    """A fontconfig file: the system's configuration, then each office font name preferring its fallbacks."""
    aliases = []
    for name, fallbacks in FALLBACKS.items():
        prefer = "".join(f"<family>{f}</family>" for f in fallbacks)
        aliases.append(f'<alias binding="strong"><family>{name}</family><prefer>{prefer}</prefer></alias>')
    for name in BOLD_FALLBACK:  # 小标宋 without the font: its fallback in bold
        aliases.append(
            f'<match target="pattern"><test name="family"><string>{name}</string></test>'
            '<edit name="weight" mode="assign"><const>bold</const></edit></match>'
        )
    return ('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
            '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>' + "".join(aliases) + "</fontconfig>")  # fmt: skip


def docx_to_pdf(documents: dict[str, bytes], timeout: int = TIMEOUT, soffice: str | None = None) -> dict[str, bytes]:
    """``{name: docx bytes}`` → ``{name: pdf bytes}``, all in one LibreOffice run (names are plain file stems)."""
    program = soffice or find_soffice()
    if not program:
        raise ConversionError("B117", INSTALL)
    if not documents:
        return {}
    with tempfile.TemporaryDirectory(prefix="ducha-soffice-") as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        (tmp / "out").mkdir()
        (tmp / "fonts.conf").write_text(fonts_conf(), encoding="utf-8")
        inputs = []
        for i, (name, data) in enumerate(documents.items()):
            path = tmp / "in" / f"doc{i:04d}.docx"
            path.write_bytes(data)
            inputs.append((name, path))
        env = {**os.environ, "HOME": str(tmp), "FONTCONFIG_FILE": str(tmp / "fonts.conf"), "SAL_USE_VCLPLUGIN": "svp"}
        cmd = [program, f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless", "--invisible",
               "--norestore", "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
               "--outdir", str(tmp / "out"), *[str(p) for _, p in inputs]]  # fmt: skip
        try:
            run = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ConversionError("B118", f"LibreOffice 转换 PDF 超过 {timeout} 秒未完成，已中止；未写出 PDF。") from None
        except OSError as exc:
            raise ConversionError("B117", f"无法运行 LibreOffice（{program}：{exc.strerror}）。{INSTALL}") from None
        out = {}
        for name, path in inputs:
            pdf = tmp / "out" / (path.stem + ".pdf")
            if not pdf.is_file() or pdf.stat().st_size == 0:
                said = (run.stderr or run.stdout or b"").decode("utf-8", "replace").strip().splitlines()[-3:]
                raise ConversionError("B118", f"LibreOffice 未能把 {name} 转换为 PDF（退出码 {run.returncode}"
                                      + (f"：{' '.join(said)}" if said else "") + "）；未写出 PDF。")  # fmt: skip
            out[name] = stable_pdf(pdf.read_bytes(), documents[name])
        return out


_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\(D:[0-9+\-Z']{4,}\)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]+)")


def stable_pdf(pdf: bytes, source: bytes) -> bytes:
    """LibreOffice's PDF with its creation date and file id replaced, byte for byte in the same length (the
    cross-reference offsets stay right), by values taken from the source document: the same .docx gives
    the same PDF."""
    digest = hashlib.sha256(source).hexdigest().upper()

    def date(m):
        span = m.group(0)
        head = span[: span.index(b"(") + 1]
        return head + _pad_date(span[len(head) : -1]) + b")"

    def ident(m):
        a, b = m.group(1), m.group(2)
        return m.group(0).replace(a, (digest * 2)[: len(a)].encode()).replace(b, (digest * 2)[: len(b)].encode())

    def checksum(m):
        return m.group(0).replace(m.group(1), (digest * 2)[: len(m.group(1))].encode())

    return _CHECKSUM.sub(checksum, _ID.sub(ident, _DATE.sub(date, pdf)))


def _pad_date(inner: bytes) -> bytes:
    """A PDF date of the same length as ``inner``: D:20000101000000 then ``Z`` or the offset kept as zeros."""
    base = b"D:20000101000000"
    if len(inner) <= len(base):
        return base[: len(inner)]
    rest = re.sub(rb"[0-9]", b"0", inner[len(base):])
    return base + rest
