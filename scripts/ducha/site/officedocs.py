"""Each verified bulletin's official document beside its page: the .docx (always) and the .pdf (when
LibreOffice is installed on the machine that builds the site; the build says when it is not); and the
督查通知单 of every unit that has overdue, due-soon or progress-late items, on the page ``bulletins/notices.md``
(linked from the bulletin archive) as .docx, made from the published items only and masked like the site.

The document is made from the body the page shows (markers removed, masked, lines naming unpublished
items left out), so the files say no more than the page.  All PDFs of a build come from one LibreOffice
run, after every bulletin page is made; a page links its PDF only once the PDF exists.
"""

from __future__ import annotations

import posixpath

from ..documents.export import bulletin_document, settle
from ..documents.officedoc import build_docx
from ..documents.soffice import ConversionError, find_soffice

PDF_SLOT = "\x00ducha-pdf-link\x00"  # where a page's PDF link goes once the PDF is made
NOTICES_SRC = "bulletins/notices.md"


class BulletinDocuments:
    def __init__(self, soffice: str | None = None, pdf: bool = True):
        self.soffice = soffice if soffice is not None else (find_soffice() if pdf else None)
        self.pending: dict[str, tuple[str, object]] = {}  # uri stem → (page src, OfficialText)
        self.notes: list[str] = []

    def lines(self, builder, entry: dict, body: str) -> list[str]:
        """The page's 公文 line (its .docx and .pdf follow in ``finish``)."""
        stem = entry["src"].removesuffix(".md")
        self.pending[stem] = (entry["src"], bulletin_document(entry["bulletin"], body))
        link = f"[Word 文件（.docx）]({posixpath.basename(stem)}.docx)"
        return [f"公文版（按 GB/T 9704 排版，可直接打印）：{link}{PDF_SLOT}", ""]

    def notices_page(self, builder) -> tuple[str, str, str]:
        """(src, title, Markdown) of ``bulletins/notices.md``: each unit's 督查通知单 as of the site's day, as .docx."""
        from ..core.mask import mask_text
        from ..documents.export import notice_document
        from ..documents.notices import unit_notices
        from ..ledger.checked import Ledger

        ledger = builder.ledger
        published = Ledger(ledger.root, builder.rules, builder.as_of, items={i.id: i for i in builder.items},
                           commit=builder.commit, trust=ledger.trust, written=ledger.written)  # fmt: skip
        memo = builder.keep.facts if builder.keep is not None else None
        st = builder.stats if builder.stats.due_within_days == 5 and builder.stats.as_of == builder.as_of else None  # the same count
        notices = [n for n in unit_notices(published, builder.as_of, root=ledger.root, memo=memo, stats=st) if n.count]
        last = builder.reuse.notice_docs if builder.reuse is not None else {}
        made = {}  # a unit's document by what it is made of, for the next build
        names, keep = ledger.private_names(), builder.rules.public_phones
        src = NOTICES_SRC
        lines = ["# 督查通知单", "",
                 f"截至 {builder.as_of.isoformat()}，各承办单位牵头或配合办理的已超期、即将到期和未按规定报告进展的事项，"
                 "每个单位一份督查通知单，按公文格式排版（Word 文件；需要 PDF 版时可用 ducha notice 命令生成），可下载后发送。"
                 "只列本站公开的事项。", ""]  # fmt: skip
        if not notices:
            lines.append("目前没有需要发送督查通知单的单位。")
        else:
            lines += ["| 单位 | 已超期 | 即将到期 | 应报进展 | 下载 |", "|---|---:|---:|---:|---|"]
        for n in notices:
            n.text = mask_text(n.text, names, keep)
            key = (n.unit, n.name, n.text, builder.rules.office_name, builder.as_of, builder.commit)
            docx = made[key] = last.get(key) or build_docx(notice_document(n, builder.rules.office_name, builder.as_of, builder.as_of, builder.commit))
            stem = f"bulletins/notices/{n.unit}"
            builder.downloads[stem + ".docx"] = docx  # Word only: a PDF for every unit would cost each build seconds
            lines.append(f"| {n.name} | {len(n.overdue)} | {len(n.due_soon)} | {len(n.progress_late)} | "
                         f"[Word 文件（.docx）](notices/{n.unit}.docx) |")  # fmt: skip
        if builder.keep is not None:
            builder.keep.notice_docs = made
        for page in builder.pages:
            if page.src_uri == "bulletins/index.md" and page.markdown is not None:
                page.markdown += "\n各承办单位的督查通知单（按公文格式排版，可下载发送）：[督查通知单](notices.md)\n"
        return src, "督查通知单", "\n".join(lines) + "\n"

    def finish(self, builder) -> None:
        """Lay out every pending document in one LibreOffice run (``settle``: its .docx and .pdf), or without
        LibreOffice the .docx alone; link each PDF from its page."""
        docs = {stem: doc for stem, (_, doc) in self.pending.items()}
        docx, made = {}, {}
        if docs and not self.soffice:
            self.notes.append("未安装 LibreOffice（soffice）：通报页只提供 Word 版公文，未生成 PDF 版。"
                              "安装 libreoffice-writer-nogui 和 fonts-noto-cjk 后重新生成网站即有。")  # fmt: skip
        elif docs:
            try:
                docx, made = settle(docs, self.soffice)
            except ConversionError as exc:
                self.notes.append(f"通报的 PDF 版未能生成：{exc}")
        links = {}
        for stem, (src, doc) in self.pending.items():
            builder.downloads[stem + ".docx"] = docx.get(stem) or build_docx(doc)
            if stem in made:
                builder.downloads[stem + ".pdf"] = made[stem]
            links[src] = f"，[PDF 文件（.pdf）]({posixpath.basename(stem)}.pdf)" if stem in made else ""
        for page in builder.pages:
            if page.markdown and PDF_SLOT in page.markdown:
                page.markdown = page.markdown.replace(PDF_SLOT, links.get(page.src_uri, ""))
        self.pending = {}
