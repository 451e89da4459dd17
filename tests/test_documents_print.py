"""Our DOCX as LibreOffice prints it (headless Writer, DOCX -> PDF): the same page count
as our own PDF, the header's cells each on one line, and the appendix's columns where
the PDF draws them (within 1 mm). Converting costs a few seconds: one document."""
from __future__ import annotations

import io

import pdfplumber

from cdso.extensions import db
from cdso.services.documents import docx as docx_export
from cdso.services.documents import lifecycle as documents
from tests import libreoffice
from tests.test_documents import (NOW, admin, clock, complete, fast_passwords, october,
                                  seed_city_figures)
from tests.test_documents_pdf import COLUMNS, norm, png_page1

FIXTURES = (clock, fast_passwords, october)
MM = 72 / 25.4


def _pages(pdf: bytes) -> list[dict]:
    """Per page: its text lines and the x of its vertical rules (mm), left to right."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as reader:
        for page in reader.pages:
            rules = sorted({round(e["x0"] / MM, 1) for e in page.edges
                            if e["orientation"] == "v" and e["height"] > 3})
            merged = [x for i, x in enumerate(rules) if i == 0 or x - rules[i - 1] > 1]
            pages.append({"lines": [norm(line["text"]) for line in page.extract_text_lines()],
                          "rules": merged})
    return pages


def test_docx_prints_in_libreoffice_like_our_pdf(october):
    seed_city_figures(october)
    document = documents.new_document(admin(), october, "city_progress", "", NOW)
    document.fields = complete(document, number="7", date="23/10/2025")
    db.session.commit()
    doc = documents.doc_of(document, NOW)
    ours = _pages(documents.pdf_bytes(doc))
    printed = libreoffice.to_pdf(docx_export.build_docx(doc), "docx")
    png_page1(printed, "documents_docx_libreoffice_page1")
    theirs = _pages(printed)
    assert len(theirs) == len(ours) == 6

    header = theirs[0]["lines"][:6]
    for left, right in [("UBND THÀNH PHỐ HẢI PHÒNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
                        ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Độc lập - Tự do - Hạnh phúc"),
                        ("Số: 07/SKHCN-TTTT", "Hải Phòng, ngày 23 tháng 10 năm 2025")]:
        assert f"{left} {right}" in header, header  # each cell on one line, side by side

    appendix = [i for i, page in enumerate(ours) if "PHỤ LỤC" in " ".join(page["lines"])]
    assert appendix and [i for i, p in enumerate(theirs)
                         if "PHỤ LỤC" in " ".join(p["lines"])] == appendix
    for number in range(appendix[0], len(ours)):
        assert " ".join(COLUMNS) in theirs[number]["lines"]  # the header row, one line
        assert len(ours[number]["rules"]) == len(COLUMNS) + 1
        assert len(theirs[number]["rules"]) == len(COLUMNS) + 1, theirs[number]["rules"]
        for pdf_x, docx_x in zip(ours[number]["rules"], theirs[number]["rules"], strict=True):
            assert abs(pdf_x - docx_x) <= 1.0, (number, ours[number]["rules"],
                                                 theirs[number]["rules"])
