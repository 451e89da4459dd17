"""The same document as a Word file (python-docx), for clerks who finish it in Word:
A4, Decree-30 margins, Times New Roman 13-14 pt, the two-column header and footer as
borderless tables, page numbers centred at the top from page 2, and the appendix table
with its header row repeated on every page. Input: the `doc` dict of
cdso.services.documents.fields.build_doc, the one the PDF prints.
"""
from __future__ import annotations

import io

from docx import Document as WordDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from cdso.services.documents.fields import HEADER_LEFT_MM, HEADER_RIGHT_MM, TEXT_MM, text_width_mm

FONT = "Times New Roman"
CENTER, RIGHT, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def _run(paragraph, text: str, size: float, *, bold=False, italic=False):
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
    return run


def _para(container, text: str = "", size: float = 14, *, bold=False, italic=False,
          align=None, after: float = 0, before: float = 0):
    paragraph = container.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_after, fmt.space_before, fmt.line_spacing = Pt(after), Pt(before), 1.0
    if align is not None:
        paragraph.alignment = align
    lines = text.split("\n")
    for i, line in enumerate(lines):
        run = _run(paragraph, line, size, bold=bold, italic=italic)
        if i < len(lines) - 1:
            run.add_break(WD_BREAK.LINE)
    return paragraph


def _rule(cell, width_mm: float, column_mm: float) -> None:
    """A short solid rule centred in the column: an empty paragraph's bottom border,
    as wide as `width_mm` thanks to equal indents. The border goes into the paragraph
    properties first, so that the schema's element order holds (Word checks it)."""
    paragraph = cell.add_paragraph()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    fmt = paragraph.paragraph_format
    fmt.space_after = fmt.space_before = Pt(0)
    fmt.line_spacing = Pt(3)
    fmt.left_indent = fmt.right_indent = Mm(max(0.0, (column_mm - width_mm) / 2))


def _twips(mm: float) -> str:
    return str(round(mm / 25.4 * 1440))


def _set(parent, tag: str, **attributes):
    """The child `tag` of `parent` (made if missing), with w:-attributes set."""
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        parent.append(element)
    for key, value in attributes.items():
        element.set(qn(f"w:{key}"), value)
    return element


def fix_widths(table, widths_mm, *, side_pt: float = 0, top_pt: float = 0) -> None:
    """The widths the PDF gives, in every place Word and LibreOffice read them: the
    table's width, a fixed layout, the grid and each cell; cell margins as the PDF's
    padding. Elements go in schema order (tblW, jc, tblInd, tblLayout, tblCellMar)."""
    table.autofit = False
    properties = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblInd", "w:tblLayout", "w:tblCellMar"):
        for old in properties.findall(qn(tag)):
            properties.remove(old)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), _twips(sum(widths_mm)))
    width.set(qn("w:type"), "dxa")
    style = properties.find(qn("w:tblStyle"))
    (style.addnext if style is not None else lambda e: properties.insert(0, e))(width)
    anchor = properties.find(qn("w:jc"))
    anchor = width if anchor is None else anchor
    indent, layout, margins = (OxmlElement(t) for t in ("w:tblInd", "w:tblLayout",
                                                         "w:tblCellMar"))
    indent.set(qn("w:w"), "0")
    indent.set(qn("w:type"), "dxa")
    layout.set(qn("w:type"), "fixed")
    for side, points in (("top", top_pt), ("left", side_pt), ("bottom", top_pt),
                         ("right", side_pt)):
        _set(margins, f"w:{side}", w=str(round(points * 20)), type="dxa")
    anchor.addnext(indent)
    indent.addnext(layout)
    layout.addnext(margins)
    for column, grid in zip(widths_mm, table._tbl.tblGrid.findall(qn("w:gridCol")),
                            strict=True):
        grid.set(qn("w:w"), _twips(column))
    for row in table.rows:
        for cell, column in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(column)


def _layout_table(document, rows: int, widths_mm: tuple[float, float]):
    table = document.add_table(rows=rows, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fix_widths(table, widths_mm)
    for row in table.rows:
        for cell in row.cells:
            cell.paragraphs[0]._p.getparent().remove(cell.paragraphs[0]._p)
    return table


def _header(document, doc: dict) -> None:
    table = _layout_table(document, 3, (HEADER_LEFT_MM, HEADER_RIGHT_MM))
    left, right = table.rows[0].cells
    if doc["parent_agency"]:
        _para(left, doc["parent_agency"], 13, align=CENTER)
    _para(left, doc["issuing_agency"], 13, bold=True, align=CENTER)
    widest = max(text_width_mm(line, "Bold", 13) for line in doc["issuing_agency"].split("\n"))
    _rule(left, widest / 3, HEADER_LEFT_MM)
    _para(right, NATIONAL_TITLE, 12, bold=True, align=CENTER)
    _para(right, MOTTO, 13, bold=True, align=CENTER)
    _rule(right, text_width_mm(MOTTO, "Bold", 13), HEADER_RIGHT_MM)
    number, place = table.rows[1].cells
    _para(number, doc["number_symbol"], 13, align=CENTER, before=6)
    _para(place, doc["place_date"], 13 if doc.get("place_date_small") else 14, italic=True,
          align=CENTER, before=6)
    subject, blank = table.rows[2].cells
    _para(subject, doc["subject"], 12, align=CENTER, before=6)
    _para(blank, "", 12)


def _recipients(document, recipients: list[str]) -> None:
    if len(recipients) == 1:
        _para(document, f"Kính gửi: {recipients[0]}.", 14, align=CENTER, before=12, after=10)
        return
    _para(document, "Kính gửi:", 14, before=12).paragraph_format.left_indent = Cm(2.5)
    for i, name in enumerate(recipients):
        end = "." if i == len(recipients) - 1 else ";"
        paragraph = _para(document, f"- {name}{end}", 14, after=10 if end == "." else 0)
        paragraph.paragraph_format.left_indent = Cm(4)


def _body(document, body: list[dict]) -> None:
    for part in body:
        paragraph = _para(document, part["text"], 14, bold=part["style"] == "heading",
                          italic=part["style"] == "italic", align=JUSTIFY, after=6)
        paragraph.paragraph_format.line_spacing = 1.15
        if part["style"] != "heading":
            paragraph.paragraph_format.first_line_indent = Cm(1.27)
        paragraph.paragraph_format.keep_with_next = part["style"] == "heading"


def _footer(document, doc: dict) -> None:
    table = _layout_table(document, 1, (TEXT_MM * 0.45, TEXT_MM * 0.55))
    copies, signing = table.rows[0].cells
    if doc["copy_list"]:
        _para(copies, "Nơi nhận:", 12, bold=True, italic=True, before=12)
        for i, name in enumerate(doc["copy_list"]):
            _para(copies, f"- {name}{'.' if i == len(doc['copy_list']) - 1 else ';'}", 11)
    else:
        _para(copies, "", 11)  # a table cell must hold a paragraph
    _para(signing, "\n".join(doc["signing_lines"]), 14, bold=True, align=CENTER, before=12)
    for _ in range(5):  # room to sign and stamp
        _para(signing, "", 14)
    _para(signing, doc["signer"], 14, bold=True, align=CENTER)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), "true")
        properties.append(element)


def _cell_run(cell, text: str, align, *, size: float = 12, bold=False, italic=False) -> None:
    """One line of an appendix cell, spaced as the PDF's (line-height 1.2 of 12 pt)."""
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_after = fmt.space_before = Pt(0)
    fmt.line_spacing = Pt(14.4)
    _run(paragraph, text, size, bold=bold, italic=italic)


def _appendix(document, appendix: dict) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.different_first_page_header_footer = False
    _para(document, appendix.get("label") or "PHỤ LỤC", 14, bold=True, align=CENTER)
    if appendix.get("title"):
        _para(document, appendix["title"], 14, bold=True, align=CENTER)
    if appendix.get("subtitle"):
        _para(document, appendix["subtitle"], 13, italic=True, align=CENTER, after=8)
    columns, numeric = appendix["columns"], set(appendix.get("numeric_columns") or [])
    table = document.add_table(rows=1 + len(appendix["rows"]), cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    shares = appendix.get("widths") or [100 / len(columns)] * len(columns)
    fix_widths(table, [TEXT_MM * share / sum(shares) for share in shares],
               side_pt=4, top_pt=2)  # the PDF's padding: 2pt 4pt
    for cell, title in zip(table.rows[0].cells, columns, strict=True):
        _cell_run(cell, title, CENTER, bold=True)
    _repeat_header(table.rows[0])
    for row, values in zip(table.rows[1:], appendix["rows"], strict=True):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            align = None
            if index in numeric:
                align = RIGHT if value[:1].isdigit() else CENTER
            elif index == 0:
                align = CENTER
            words = index in numeric and not value[:1].isdigit()
            _cell_run(cell, value, align, size=10 if words else 12, italic=words)
    if appendix.get("note"):
        _para(document, appendix["note"], 12, italic=True, align=JUSTIFY, before=6)


def _page_numbers(section) -> None:
    """A PAGE field centred in the header; none on the first page (Decree 30)."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    field.append(_run(paragraph, "2", 13)._r)  # the run moves inside the field
    paragraph._p.append(field)
    section.header_distance = Mm(10)


def build_docx(doc: dict) -> bytes:
    document = WordDocument()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    _page_numbers(section)
    document.core_properties.title = doc["subject"].replace("\n", " ")
    document.core_properties.author = doc["issuing_agency"].replace("\n", " ")
    if doc.get("draft"):
        _para(document, "DỰ THẢO", 12, bold=True, align=RIGHT)
    _header(document, doc)
    _recipients(document, doc["recipients"])
    _body(document, doc["body"])
    _footer(document, doc)
    if doc.get("appendix"):
        _appendix(document, doc["appendix"])
    for more in doc.get("extra_appendices") or []:
        _appendix(document, more)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
