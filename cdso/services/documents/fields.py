"""The editable texts of a document: what each field is, how it is checked, and how the
fields and a figures snapshot become the `doc` dict that templates/pdf/dispatch.html and
the DOCX export print (Decree 30/2020 parts, see docs/documents.md).

Widths are measured with the very font the PDF embeds (Liberation Serif, Times New
Roman metrics), so "longer than the column" means what it says on paper.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from cdso.clock import parse_local_date
from cdso.config import ROOT
from cdso.formatting import date_long, to_local
from cdso.services.documents import figures as document_figures
from cdso.services.documents import topics as document_topics

STATIC_DIR = ROOT / "static"  # as cdso/services/documents/pdf.py (not imported: WeasyPrint)

# Text block 210 - 30 - 15 = 165 mm; column shares as in static/css/pdf/decree30.css.
TEXT_MM = 165.0
HEADER_LEFT_MM = TEXT_MM * 0.435
HEADER_RIGHT_MM = TEXT_MM * 0.565
FOOTER_RIGHT_MM = TEXT_MM * 0.55
SLACK_MM = 1.0
PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
SYMBOL = re.compile(r"^[A-ZĐ0-9][A-ZĐ0-9&./-]*$")
TOPIC_APPENDIX_TITLE = "TỶ LỆ TRẢ LỜI ĐÚNG THEO CHỦ ĐỀ"
ROMAN = {1: "I", 2: "II", 3: "III"}
BLANK_NUMBER = " " * 6  # the clerk writes the number by hand, as in the seeds


@dataclass(frozen=True)
class Measure:
    face: str  # Regular | Bold | Italic | BoldItalic
    size: float  # pt
    column_mm: float
    upper: bool = False


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    required: bool = True
    max_lines: int = 1
    max_chars: int = 300
    measure: Measure | None = None
    hint: str = ""
    rows: int = 1  # a textarea when more than 1


FIELDS = [
    FieldSpec("parent_agency", "Cơ quan chủ quản", required=False, max_lines=2,
              measure=Measure("Regular", 13, HEADER_LEFT_MM, upper=True), rows=2,
              hint="Để trống nếu không có (Ủy ban nhân dân xã, phường)."),
    FieldSpec("issuing_agency", "Cơ quan ban hành", max_lines=3,
              measure=Measure("Bold", 13, HEADER_LEFT_MM, upper=True), rows=2),
    FieldSpec("number", "Số văn bản", required=False, max_chars=6,
              hint="Để trống để văn thư điền tay khi vào sổ."),
    FieldSpec("symbol", "Ký hiệu", max_chars=30, hint="Ví dụ UBND-VHXH, SKHCN-TTTT."),
    FieldSpec("place", "Địa danh", max_chars=60),
    FieldSpec("date", "Ngày ban hành", required=False, max_chars=10,
              hint="Ngày/tháng/năm, ví dụ 22/10/2025; để trống để điền tay."),
    FieldSpec("subject", "Trích yếu", max_lines=4, max_chars=400, rows=3,
              hint="Bắt đầu bằng “V/v”."),
    FieldSpec("recipients", "Kính gửi", max_lines=15, max_chars=2000, rows=5,
              hint="Mỗi nơi nhận một dòng, không cần gạch đầu dòng hay dấu chấm phẩy."),
    FieldSpec("body", "Nội dung", max_lines=120, max_chars=20000, rows=16,
              hint="Mỗi đoạn một dòng. Dòng bắt đầu bằng “- ” là ý gạch đầu dòng, “# ” là "
                   "đề mục in đậm."),
    FieldSpec("copy_list", "Nơi nhận", max_lines=15, max_chars=2000, rows=4,
              hint="Mỗi nơi một dòng; dòng cuối thường là “Lưu: VT, …”."),
    FieldSpec("signing_lines", "Thẩm quyền ký", max_lines=4, max_chars=200,
              measure=Measure("Bold", 14, FOOTER_RIGHT_MM, upper=True), rows=3,
              hint="Mỗi dòng một chức danh, ví dụ TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / "
                   "PHÓ CHỦ TỊCH."),
    FieldSpec("signer", "Người ký", max_chars=100,
              measure=Measure("Bold", 14, FOOTER_RIGHT_MM)),
    FieldSpec("appendix_title", "Tên phụ lục", max_lines=2, max_chars=300, rows=2,
              measure=None),
]
FIELD_NAMES = [f.name for f in FIELDS]
LABELS = {f.name: f.label for f in FIELDS}


@functools.cache
def _font(face: str) -> tuple[dict, dict, int]:
    from fontTools.ttLib import TTFont  # loaded with the first document, not by quiz workers
    font = TTFont(STATIC_DIR / "fonts" / f"LiberationSerif-{face}.ttf", lazy=True)
    return font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm


def text_width_mm(text: str, face: str, size: float) -> float:
    """Width of one line as the PDF sets it (no kerning, as in decree30.css)."""
    cmap, metrics, units = _font(face)
    fallback = metrics[cmap[ord("n")]][0]
    advance = sum(metrics[cmap[ord(ch)]][0] if ord(ch) in cmap else fallback
                  for ch in unicodedata.normalize("NFC", text))
    return advance * size / units * 25.4 / 72


def clean(raw: str | None) -> str:
    """What a person typed: NFC, Unix line ends, no trailing blanks."""
    text = unicodedata.normalize("NFC", (raw or "").replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n ")


def read_fields(form) -> dict[str, str]:
    return {name: clean(form.get(name)) for name in FIELD_NAMES}


def fill(text: str, values: dict[str, str]) -> str:
    """Replace each known {placeholder}; leave anything else as typed."""
    return PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def parse_date(text: str) -> dt.date | None:
    if not text:
        return None
    day = parse_local_date(text)
    if day is None:
        raise ValueError(LABELS["date"] + " viết theo dạng ngày/tháng/năm, ví dụ 22/10/2025; "
                         "hoặc để trống để điền tay.")
    return day


def _placeholder_errors(kind: str, text: str) -> str | None:
    allowed = document_figures.placeholders_for(kind)
    for name in PLACEHOLDER.findall(text):
        if name in allowed:
            continue
        if name in document_figures.CITY_PLACEHOLDERS:
            return f"Ô {{{name}}} chỉ dùng được trong báo cáo toàn thành phố."
        if name in document_figures.UNIT_PLACEHOLDERS:
            return f"Ô {{{name}}} chỉ dùng được trong văn bản của xã, phường, đặc khu."
        return (f"Không có ô số liệu {{{name}}}. Xem danh sách các ô dùng được ở cuối "
                "biểu mẫu.")
    return None


def _width_error(spec: FieldSpec, text: str) -> str | None:
    measure = spec.measure
    if measure is None:
        return None
    for line in lines_of(text):
        shown = line.upper() if measure.upper else line
        if text_width_mm(shown, measure.face, measure.size) > measure.column_mm - SLACK_MM:
            return (f"Dòng “{line}” dài hơn cột ({measure.column_mm:.0f} mm) nên sẽ bị tràn: "
                    "xin viết ngắn lại hoặc xuống dòng.")
    return None


def check_fields(kind: str, fields: dict[str, str], values: dict[str, str] | None,
                 *, complete: bool) -> dict[str, str]:
    """Messages by field name. `values` fill the placeholders before widths are measured
    (None for a template, whose placeholders are still open); `complete` also requires
    every required field (to issue)."""
    errors: dict[str, str] = {}
    for spec in FIELDS:
        text = fields.get(spec.name, "")
        lines = lines_of(text)
        if not lines:
            if complete and spec.required:
                errors[spec.name] = f"Xin nhập {spec.label.lower()}."
            continue
        if len(text) > spec.max_chars:
            errors[spec.name] = f"{spec.label} dài quá {spec.max_chars} ký tự."
        elif len(lines) > spec.max_lines:
            errors[spec.name] = (f"{spec.label} có nhiều nhất {spec.max_lines} dòng "
                                 f"(đang có {len(lines)} dòng).")
        elif message := _placeholder_errors(kind, text):
            errors[spec.name] = message
        elif values is not None and (message := _width_error(spec, fill(text, values))):
            errors[spec.name] = message
    number = fields.get("number", "")
    if number and "number" not in errors and not (number.isdigit() and 0 < int(number)):
        errors["number"] = ("Số văn bản chỉ gồm chữ số (ví dụ 05), hoặc để trống để văn thư "
                            "điền tay.")
    symbol = fields.get("symbol", "")
    if symbol and "symbol" not in errors and not SYMBOL.match(symbol):
        errors["symbol"] = "Ký hiệu gồm chữ in hoa, chữ số và dấu gạch nối, ví dụ UBND-VHXH."
    if "date" not in errors:
        try:
            parse_date(fields.get("date", ""))
        except ValueError as error:
            errors["date"] = str(error)
    if values is not None and "place" not in errors and fields.get("place"):
        place = fill(fields["place"], values)
        december = dt.date(2025, 12, 28)
        widest = max(text_width_mm(place_date_line(place, date, december), "Italic", 13)
                     for date in (december, None))
        if widest > HEADER_RIGHT_MM - SLACK_MM:
            errors["place"] = ("Địa danh quá dài: dòng địa danh, ngày tháng năm không vừa một "
                               "dòng. Xin viết ngắn lại.")
    return errors


def _month(month: int) -> str:
    return f"{month:02d}" if month < 3 else str(month)  # Decree 30: months 1 and 2 with a 0


def date_phrase(date: dt.date | None, reference: dt.date) -> str:
    """"ngày 22 tháng 10 năm 2025", or with the day left blank to be written by hand."""
    if date is not None:
        return date_long(date)
    return f"ngày {BLANK_NUMBER}tháng {_month(reference.month)} năm {reference.year}"


def place_date_line(place: str, date: dt.date | None, reference: dt.date | None = None) -> str:
    return f"{place}, {date_phrase(date, reference or date)}"


def body_paragraphs(text: str) -> list[dict]:
    paragraphs = []
    for line in lines_of(text):
        if line.startswith("# "):
            paragraphs.append({"text": line[2:].strip(), "style": "heading"})
        elif line[:2] in ("- ", "+ ", "• ", "* "):
            paragraphs.append({"text": line, "style": "bullet"})
        else:
            paragraphs.append({"text": line, "style": "normal"})
    return paragraphs


def build_doc(kind: str, fields: dict[str, str], snapshot: dict, reference: dt.date,
              *, draft: bool = False, issued_at: dt.datetime | None = None) -> dict:
    """The `doc` dict of templates/pdf/dispatch.html, from the fields and a snapshot only.
    `reference` gives the month and year printed when the day is left blank; `issued_at`
    becomes the PDF's creation date (a stored moment: the bytes never change)."""
    values = document_figures.all_values(snapshot)
    text = {name: fill(fields.get(name, ""), values) for name in FIELD_NAMES}
    number, symbol = text["number"], text["symbol"]
    number_shown = f"{int(number):02d}" if number.isdigit() else BLANK_NUMBER
    try:
        date = parse_date(text["date"])
    except ValueError:
        date = None
    place_date = place_date_line(text["place"], date, reference)
    context = snapshot["context"]
    sender = (context["organiser"] if context["unit"] is None
              else f"Ủy ban nhân dân {values['don_vi']}")
    appendix = document_figures.appendix_table(snapshot)
    subtitle = (f"(Kèm theo Công văn số {number_shown}/{symbol} {date_phrase(date, reference)}"
                f" của {sender}; số liệu tính đến {values['thoi_diem']})")
    appendix.update(title=text["appendix_title"].upper(), subtitle=subtitle)
    extra = [] if context["unit"] is not None else [document_topics.city_appendix(snapshot)]
    extra = [a for a in extra if a is not None]
    for more in extra:
        more.update(title=TOPIC_APPENDIX_TITLE, subtitle=subtitle)
    if extra:
        appendix["label"] = "PHỤ LỤC I"
        for index, more in enumerate(extra, start=2):
            more["label"] = f"PHỤ LỤC {ROMAN[index]}"
    return {
        "kind": kind,
        "draft": draft,
        "parent_agency": text["parent_agency"].upper(),
        "issuing_agency": text["issuing_agency"].upper(),
        "number_symbol": f"Số: {number_shown}/{symbol}",
        "place_date": place_date,
        "place_date_small": text_width_mm(place_date, "Italic", 14)
        > HEADER_RIGHT_MM - SLACK_MM,
        "subject": text["subject"],
        "recipients": [line.lstrip("-• ").rstrip(";.,") for line in lines_of(text["recipients"])],
        "body": body_paragraphs(text["body"]),
        "appendix": appendix,
        "extra_appendices": extra,
        "copy_list": [line.lstrip("-• ").rstrip(";.,") for line in lines_of(text["copy_list"])],
        "signing_lines": [line.upper() for line in lines_of(text["signing_lines"])],
        "signer": text["signer"],
        "as_of": values["thoi_diem"],
        "created": to_local(issued_at).isoformat() if issued_at else None,
    }
