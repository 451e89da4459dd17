"""Official documents on paper: the city report like seed 003 as a PDF (figures, top 10
order, the 114-row appendix with its header on every page, A4 geometry, fonts, glyphs),
an issued PDF byte-identical a month later, and the DOCX export. Few renders: each costs
about a second. Page 1 PNGs go to tests/artifacts/ for a person to look at."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Unit
from cdso.services.documents import lifecycle as documents
from cdso.services.documents import docx as docx_export
from cdso.services.documents.pdf import STATIC_DIR, render_pdf
from tests import factories
from tests.test_documents import (BOTTOM_TEXT, MOMENT, NOW, TOP_TEXT, UTC, admin, blanks_of,
                                  clerk_of, clock, complete, fast_passwords, october,
                                  seed_city_figures)

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
MM = 72 / 25.4
A4 = (595.28, 841.89)
TOL = 0.75
COLUMNS = ["STT", "Xã, phường, đặc khu", "Đăng ký", "Hoàn thành", "Tỷ lệ bao phủ", "Xếp hạng"]
FIXTURES = (clock, fast_passwords, october)  # shared with test_documents.py


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def png_page1(pdf: bytes, name: str) -> Path:
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / name
    subprocess.run(["pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", "-singlefile", "-",
                    str(stem)], input=pdf, check=True)
    return stem.with_suffix(".png")


def shown_glyphs(pdf: bytes) -> set[int]:
    """The glyph ids each embedded font shows: WeasyPrint lists exactly those in the
    font's /W widths array ([first [w1 w2 ...]] or [first last w])."""
    ids: set[int] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            widths = list(font.get_object()["/DescendantFonts"][0].get_object()["/W"])
            i = 0
            while i < len(widths):
                first = int(widths[i])
                if isinstance(widths[i + 1], list):
                    ids.update(range(first, first + len(widths[i + 1])))
                    i += 2
                else:
                    ids.update(range(first, int(widths[i + 1]) + 1))
                    i += 3
    return ids


def test_a_missing_glyph_is_caught():
    """The check below works: a character no font has is drawn as glyph 0 (.notdef)."""
    from tests.test_pdf_format import env, report_doc
    doc = {**report_doc(), "appendix": None, "body": [{"style": "normal", "text": "Lạ \ue000"}]}
    pdf = render_pdf(env().get_template("pdf/dispatch.html").render(doc=doc))
    assert 0 in shown_glyphs(pdf)


def embedded_fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
            names.add(str(font["/BaseFont"]).split("+")[-1])
    return names


def test_city_report_pdf_figures_order_appendix_and_geometry(october, monkeypatch):
    render = documents.pdf_bytes
    seed_city_figures(october)
    city = admin()
    document = documents.new_document(city, october, "city_progress", "", NOW)
    db.session.commit()
    rendered = []
    monkeypatch.setattr(documents, "pdf_bytes", lambda doc: rendered.append(
        render(doc)) or rendered[-1])
    fields = complete(document, signer="Vũ Đại Thắng")
    assert documents.issue_document(document, fields, MOMENT, city, NOW,
                                    blanks_ok=blanks_of(document, fields)) == {}
    db.session.commit()
    pdf = rendered[0]  # rendered once, at issue (byte-identity: the test below)
    assert hashlib.sha256(pdf).hexdigest() == document.pdf_sha256
    png_page1(pdf, "documents_city_report_page1")

    with pdfplumber.open(io.BytesIO(pdf)) as reader:
        pages = [{"size": (float(p.width), float(p.height)),
                  "chars": [c for c in p.chars if c["text"].strip()],
                  "text": norm(p.extract_text() or "")} for p in reader.pages]
    text = " ".join(p["text"] for p in pages)
    assert ("Tính đến 15h00 ngày 22/10/2025, toàn thành phố đã có 114 xã, phường, đặc khu "
            "tham gia Cuộc thi với 84.360 thí sinh đăng ký tham gia, 49.317 thí sinh hoàn "
            "thành bài thi") in text
    assert f"10 xã, phường có số thí sinh tham gia nhiều nhất: {TOP_TEXT}." in text
    assert f"10 xã, phường, đặc khu có số thí sinh tham gia ít nhất: {BOTTOM_TEXT}." in text
    for part in ["UBND THÀNH PHỐ HẢI PHÒNG", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "/SKHCN-TTTT",
                 "Hải Phòng, ngày tháng 10 năm 2025", "Kính gửi:", "- Thành đoàn Hải Phòng;",
                 "đồng chí Trần Thị Phượng", "0982103591", "KT. GIÁM ĐỐC", "Vũ Đại Thắng",
                 "- Lưu: VT, TTTT.", "PHỤ LỤC"]:
        assert part in text, part

    first = next(i for i, p in enumerate(pages) if "PHỤ LỤC" in p["text"])
    appendix = pages[first:]
    assert len(appendix) >= 3
    for page in appendix:  # the header row repeated on every page of the appendix
        assert all(column in page["text"] for column in COLUMNS)
    appendix_text = " ".join(p["text"] for p in appendix)
    names = db.session.scalars(select(Unit.name)).all()
    assert len(names) == 114 and all(name in appendix_text for name in names)
    assert "Xã Tứ Kỳ 3.000" in appendix_text and "Xã Việt Khê 2.900 1.695 14,6% 2" in appendix_text
    assert "Đặc khu Bạch Long Vĩ 10 5 chưa có số liệu dân số 114" in appendix_text
    assert "Toàn thành phố 84.360 49.317" in appendix_text
    assert "bằng số thí sinh được xếp theo thứ tự tên" in appendix_text

    for number, page in enumerate(pages, 1):
        assert abs(page["size"][0] - A4[0]) <= 1 and abs(page["size"][1] - A4[1]) <= 1
        top = [c for c in page["chars"] if c["top"] < 20 * MM]
        body = [c for c in page["chars"] if c["top"] >= 20 * MM]
        assert "".join(c["text"] for c in top) == ("" if number == 1 else str(number))
        assert min(c["x0"] for c in body) >= 30 * MM - TOL, number
        assert max(c["x1"] for c in body) <= (210 - 15) * MM + TOL, number
        assert max(c["bottom"] for c in body) <= (297 - 20) * MM + TOL, number
    assert embedded_fonts(pdf) == {"LiberationSerifVN", "LiberationSerifVN-Bold",
                                   "LiberationSerifVN-Italic", "LiberationSerifVN-Bold-Italic"}
    assert 0 not in shown_glyphs(pdf)  # no .notdef: no missing-glyph boxes
    cmap = TTFont(STATIC_DIR / "fonts" / "LiberationSerif-Regular.ttf").getBestCmap()
    assert {ch for ch in text if ord(ch) not in cmap and not ch.isspace()} == set()


def test_issued_pdf_is_byte_identical_a_month_later(client, october, clock):
    clerk = clerk_of()
    school = factories.organisation(factories.unit())
    clock.move_to(dt.datetime(2025, 10, 22, 7, 0, tzinfo=UTC))
    factories.make_finished_attempt(october, factories.make_participant(
        october, organisation_id=school.id))
    clock.move_to(NOW.replace(tzinfo=UTC))
    document = documents.new_document(clerk, october, "unit_urge", "", NOW)
    db.session.commit()
    assert documents.issue_document(document, complete(document), MOMENT, clerk, NOW,
                                    blanks_ok=blanks_of(document, complete(document))) == {}
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = clerk.get_id(), True
    first = client.get(f"/quan-tri/cong-van/{document.id}.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert f"cong-van-don-doc-{document.id}.pdf" in first.headers["Content-Disposition"]
    png_page1(first.data, "documents_unit_urge_page1")
    clock.move_to(dt.datetime(2025, 11, 22, 3, 0, tzinfo=UTC))
    factories.make_participant(october, organisation_id=school.id)
    with client.session_transaction() as session:  # a month later: a new login
        session["_user_id"], session["_fresh"] = clerk.get_id(), True
    later = client.get(f"/quan-tri/cong-van/{document.id}.pdf")
    assert later.data == first.data
    assert hashlib.sha256(later.data).hexdigest() == document.pdf_sha256
    created = PdfReader(io.BytesIO(later.data)).metadata.creation_date  # the issue moment
    assert created.astimezone(UTC).replace(tzinfo=None) == document.issued_at == NOW
    with pdfplumber.open(io.BytesIO(later.data)) as reader:
        text = norm(" ".join(p.extract_text() for p in reader.pages))
    assert "Tính đến 15h00 ngày 22/10/2025, phường Gia Viên có 1 thí sinh đăng ký" in text
    assert "Trường THCS Chu Văn An Trường học 1 1 1" in text
    assert "Gia Viên, ngày tháng 10 năm 2025" in text and "Vũ Mạnh Hùng" in text


def test_docx_has_the_same_parts_in_decree_30_form(october):
    city = admin()
    seed_city_figures(october)
    document = documents.new_document(city, october, "city_progress", "", NOW)
    document.fields = complete(document, number="7", date="23/10/2025")
    document.as_of = dt.datetime(2025, 10, 22, 8)  # 15h00, before the 7 late registrations
    db.session.commit()
    doc = documents.doc_of(document, NOW)
    word = WordDocument(io.BytesIO(docx_export.build_docx(doc)))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin,
                                  section.left_margin, section.right_margin)] == [20, 20, 30, 15]
    assert section.different_first_page_header_footer
    assert 'instr="PAGE"' in section.header._element.xml
    normal = word.styles["Normal"].font
    assert (normal.name, normal.size.pt) == ("Times New Roman", 14)
    header = word.tables[0]
    assert [c.text for c in header.rows[0].cells] == [
        "UBND THÀNH PHỐ HẢI PHÒNG\nSỞ KHOA HỌC VÀ CÔNG NGHỆ\n",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"]
    assert [c.text for c in header.rows[1].cells] == [
        "Số: 07/SKHCN-TTTT", "Hải Phòng, ngày 23 tháng 10 năm 2025"]
    body = "\n".join(p.text for p in word.paragraphs)
    assert "84.360 thí sinh đăng ký tham gia" in body and TOP_TEXT in body
    assert "Kính gửi:" in body and "- Ủy ban nhân dân các xã, phường, đặc khu." in body
    footer = word.tables[1].rows[0].cells
    assert footer[0].paragraphs[0].text == "Nơi nhận:" and "KT. GIÁM ĐỐC" in footer[1].text
    appendix = word.tables[2]
    assert [c.text for c in appendix.rows[0].cells] == COLUMNS
    assert appendix.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert len(appendix.rows) == 1 + 114 + 1
    assert appendix.rows[-1].cells[1].text == "Toàn thành phố"
