"""Bulletins and notices as official documents: what goes into the Word file, and writing it (and its PDF).

The content is the verified bulletin: its body with the figure markers removed and masked as the site
masks it (citizens' numbers and names; the office's own numbers on its contact lines kept), without the
verification table (that stays on the site).  The document's properties record the commit and as-of its
figures come from.  A bulletin whose figures do not match its commit gets no document (B119).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ..core.findings import DuchaError
from ..core.mask import contact_numbers, mask_text
from ..files.write import write_atomic
from .bodymarks import strip as strip_marks
from .mdblocks import Block, parse
from .officedoc import Letterhead, OfficialText, build_docx

FORMATS = ("docx", "pdf")
_NUMBER_LINE = re.compile(r"^《[^》]+》\d{4}年第\d+期")


class ExportError(DuchaError):
    """A document that cannot be made (``code``: B119 a bulletin not verified)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code} {message}")
        self.code = code


def masked_body(body: str, names=(), keep=frozenset()) -> str:
    """The body as a reader sees it: markers removed, citizens' numbers and names masked, the office's
    published numbers (``keep``, and those on the body's contact lines) as written."""
    text = strip_marks(body)
    return mask_text(text, tuple(names), frozenset(keep) | contact_numbers(text))


def _cc(meta: dict) -> str:
    value = meta.get("cc") or meta.get("抄送") or ""
    if isinstance(value, (list, tuple)):
        return "，".join(str(v) for v in value if v)
    return str(value).strip()


def bulletin_document(bulletin, body: str) -> OfficialText:
    """The official text of ``bulletin`` from its (already masked) Markdown ``body``: the 版头 from its
    kind, 期号, issuer and date; the body's own title (its first ``#`` heading, else the front matter's),
    its 期号 line left out (the 版头 carries it), its first line ending in "：" before any heading as the
    main recipients (else the front matter's); 抄送 from ``cc`` in the front matter."""
    meta = bulletin.meta
    issuer = str(meta.get("issuer") or "")
    blocks = parse(body)
    title, recipients, rest, seen_heading = "", "", [], False
    for block in blocks:
        text = block.text.strip()
        if block.kind == "heading" and block.level == 1 and not title and not seen_heading:
            title = text
            continue
        if block.kind == "para" and not seen_heading and _NUMBER_LINE.match(text):
            continue
        if block.kind == "para" and not seen_heading and not recipients and text.endswith(("：", ":")):
            recipients = text
            continue
        if block.kind == "heading":
            seen_heading = True
        rest.append(block)
    if not recipients and bulletin.recipients:
        recipients = "，".join(bulletin.recipients) + "："
    as_of, commit = meta.get("as_of"), meta.get("commit")
    return OfficialText(
        Letterhead(bulletin.kind_name, f"{bulletin.year}年第{bulletin.number}期", issuer, bulletin.date),
        title or bulletin.title,
        recipients,
        rest,
        cc=_cc(meta),
        printed_by=issuer,
        printed_on=bulletin.date,
        properties=_properties(bulletin.display_number, as_of, commit, bulletin.path),
    )


def _properties(subject: str, as_of, commit, source: str) -> dict:
    said = " ".join(p for p in (f"as_of={as_of.isoformat()}" if as_of else "", f"commit={commit}" if commit else "",
                                f"source={source}" if source else "") if p)  # fmt: skip
    return {"as_of": as_of, "subject": subject, "description": said,
            "keywords": "ducha" + (f" {commit}" if commit else "")}  # fmt: skip


def notice_document(notice, office: str, as_of: dt.date, day: dt.date, commit: str | None) -> OfficialText:
    """A 督查通知单 as an official text: the 版头 "督查通知单" with the office and date, the unit as its main
    recipient, the notice's own Markdown as the body (its ``#`` title, the mark's words, left out)."""
    blocks: list[Block] = []
    recipients = ""
    for block in parse(notice.text):
        text = block.text.strip()
        if block.kind == "heading" and block.level == 1:
            continue
        if block.kind == "para" and not recipients and text.endswith(("：", ":")) and text.rstrip("：:") == notice.name:
            recipients = text
            continue
        blocks.append(block)
    return OfficialText(
        Letterhead("督查通知单", "", office, day),
        f"关于{notice.name}督办事项办理情况的通知",
        recipients or f"{notice.name}：",
        blocks,
        printed_by=office,
        printed_on=day,
        properties=_properties(f"督查通知单 {notice.name}", as_of, commit, ""),
    )


@dataclass
class Exported:
    path: Path
    format: str


def verified_bulletin(root: Path, bulletin, verifier=None):
    """(verification, ledger the figures come from or None): refuses (B119) a bulletin whose figures do not
    match its commit, or whose commit cannot be read."""
    from .verify import Verifier

    verifier = verifier or Verifier(root)
    check = verifier.verify(bulletin)
    if check.status in ("mismatch", "unavailable"):
        raise ExportError("B119", f"{bulletin.path} 的数字未能按其提交核对一致（{check.message}），不生成公文；"
                          "请先运行 ducha bulletin verify 并改正。")  # fmt: skip
    ledger = verifier.ledger(check.commit, check.source.spec.as_of) if check.source is not None else None
    return check, ledger


def bulletin_official(root: Path, bulletin, verifier=None) -> OfficialText:
    """The official text of a verified ``bulletin`` (masked with the names of the ledger its figures come from)."""
    _, ledger = verified_bulletin(root, bulletin, verifier)
    names = ledger.private_names() if ledger is not None else ()
    keep = ledger.rules.public_phones if ledger is not None else frozenset()
    return bulletin_document(bulletin, masked_body(bulletin.body, names, keep))


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def settle(documents: dict[str, OfficialText], soffice: str | None = None, pdf_timeout=None) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """({stem: docx}, {stem: pdf}) laid out by LibreOffice: each document is converted with and without its 版记;
    one whose 版记 alone fills its last page (the PDF without it is a page shorter) is made again with the 版记
    on a page of its own that carries no page number (GB/T 9704 7.5).  Raises ``ConversionError`` (B117, B118)."""
    from dataclasses import replace

    from .soffice import docx_to_pdf

    kw = {"soffice": soffice, **({"timeout": pdf_timeout} if pdf_timeout else {})}
    docx = {stem: build_docx(doc) for stem, doc in documents.items()}
    probes = {f"{stem}~probe": build_docx(replace(doc, imprint="none")) for stem, doc in documents.items()}
    pdfs = docx_to_pdf({**docx, **probes}, **kw)
    alone = [stem for stem in documents if page_count(pdfs[f"{stem}~probe"]) < page_count(pdfs[stem])]
    if alone:
        docx.update({stem: build_docx(replace(documents[stem], imprint="alone")) for stem in alone})
        pdfs.update(docx_to_pdf({stem: docx[stem] for stem in alone}, **kw))
    return docx, {stem: pdfs[stem] for stem in documents}


def write_documents(documents: dict[str, OfficialText], folder: Path, formats: tuple[str, ...], pdf_timeout=None) -> list[Exported]:
    """Each ``{stem: document}`` written as ``folder/<stem>.docx`` and/or ``.pdf``, atomically.  With LibreOffice
    installed the documents are laid out by it first (``settle``); a PDF needs it (B117).  Everything is made
    before anything is written: a failed conversion leaves no file."""
    from .soffice import find_soffice

    soffice = find_soffice()
    folder = Path(folder)
    if soffice or "pdf" in formats:
        docx, pdfs = settle(documents, soffice, pdf_timeout)
    else:
        docx, pdfs = {stem: build_docx(doc) for stem, doc in documents.items()}, {}
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for stem in documents:
        if "docx" in formats:
            out.append(Exported(write_atomic(folder / f"{stem}.docx", docx[stem]), "docx"))
        if "pdf" in formats:
            out.append(Exported(write_atomic(folder / f"{stem}.pdf", pdfs[stem]), "pdf"))
    return out
