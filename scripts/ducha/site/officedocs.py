"""Each verified bulletin's official document beside its page: the .docx (always) and the .pdf (when
LibreOffice is installed on the machine that builds the site; the build says when it is not).

The document is made from the body the page shows (markers removed, masked, lines naming unpublished
items left out), so the files say no more than the page.  All PDFs of a build come from one LibreOffice
run, after every bulletin page is made; a page links its PDF only once the PDF exists.
"""

from __future__ import annotations

import posixpath

from ..documents.export import bulletin_document
from ..documents.officedoc import build_docx
from ..documents.soffice import ConversionError, docx_to_pdf, find_soffice

PDF_SLOT = "\x00ducha-pdf-link\x00"  # where a page's PDF link goes once the PDF is made


class BulletinDocuments:
    def __init__(self, soffice: str | None = None, pdf: bool = True):
        self.soffice = soffice if soffice is not None else (find_soffice() if pdf else None)
        self.pending: dict[str, tuple[str, bytes]] = {}  # pdf uri → (page src, docx)
        self.notes: list[str] = []

    def lines(self, builder, entry: dict, body: str) -> list[str]:
        """The page's 公文 line; the .docx put in ``builder.downloads`` (the .pdf follows in ``finish``)."""
        b = entry["bulletin"]
        stem = entry["src"].removesuffix(".md")
        docx = build_docx(bulletin_document(b, body))
        builder.downloads[stem + ".docx"] = docx
        self.pending[stem + ".pdf"] = (entry["src"], docx)
        link = f"[Word 文件（.docx）]({posixpath.basename(stem)}.docx)"
        return [f"公文版（按 GB/T 9704 排版，可直接打印）：{link}{PDF_SLOT}", ""]

    def finish(self, builder) -> None:
        """Convert every pending document in one LibreOffice run and link each PDF from its page."""
        made: dict[str, bytes] = {}
        if self.pending and not self.soffice:
            self.notes.append("未安装 LibreOffice（soffice）：通报页只提供 Word 版公文，未生成 PDF 版。"
                              "安装 libreoffice-writer-nogui 和 fonts-noto-cjk 后重新生成网站即有。")  # fmt: skip
        elif self.pending:
            try:
                made = docx_to_pdf({uri: docx for uri, (_, docx) in self.pending.items()}, soffice=self.soffice)
            except ConversionError as exc:
                self.notes.append(f"通报的 PDF 版未能生成：{exc}")
        links = {}
        for uri, (src, _) in self.pending.items():
            if uri in made:
                builder.downloads[uri] = made[uri]
                links[src] = f"，[PDF 文件（.pdf）]({posixpath.basename(uri)})"
        for page in builder.pages:
            if page.markdown and PDF_SLOT in page.markdown:
                page.markdown = page.markdown.replace(PDF_SLOT, links.get(page.src_uri, ""))
        self.pending = {}
