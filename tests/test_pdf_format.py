"""The PDF layer: Decree 30 geometry of a dispatch, and the certificate.

Renders templates/pdf/dispatch.html with a city progress report like seed 003
(114-unit appendix) and templates/pdf/certificate.html, then measures the
PDFs with pypdf/pdfplumber. Page 1 PNGs go to tests/artifacts/ for a person to
look at. No timing asserts here (docs/quality.md: budgets are measured in bench/).
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from fontTools.ttLib import TTFont
from jinja2 import Environment, FileSystemLoader
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cdso.services.documents.pdf import qr_svg, render_pdf  # noqa: E402
from cdso.services.units.catalogue import official_units  # noqa: E402

ARTIFACTS = ROOT / "tests" / "artifacts"
MM = 72 / 25.4
A4 = (595.28, 841.89)
TOL = 0.75  # pt

# The 114 commune-level units of Hải Phòng since 1/7/2025, from the one catalogue.
UNITS = sorted(unit["name"] for unit in official_units())
COLUMNS = ["STT", "Xã, phường, đặc khu", "Đăng ký", "Hoàn thành", "Tỷ lệ bao phủ", "Xếp hạng"]
CONTEST = "“Công dân số Hải Phòng - sử dụng thông minh, sống an toàn”"


def vn_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def appendix_rows() -> list[list[str]]:
    """Deterministic figures that add up to the seed's 84.360 / 49.317."""
    weights = [(i * 7919) % 97 + 5 for i in range(len(UNITS))]
    total_w = sum(weights)
    registered = [84360 * w // total_w for w in weights]
    biggest = registered.index(max(registered))
    registered[biggest] += 84360 - sum(registered)
    finished = [r * 49317 // 84360 for r in registered]
    finished[biggest] += 49317 - sum(finished)
    adults = [r * (2 + (i * 31) % 7) for i, r in enumerate(registered)]
    order = sorted(range(len(UNITS)), key=lambda i: -registered[i])
    rank = {i: pos + 1 for pos, i in enumerate(order)}
    rows = []
    for i, name in enumerate(UNITS):
        pct = f"{100 * finished[i] / adults[i]:.1f}".replace(".", ",") + "%"
        rows.append([str(i + 1), name, vn_int(registered[i]), vn_int(finished[i]),
                     pct, str(rank[i])])
    return rows


# The body of seed 003's city report, paragraph by paragraph.
REPORT_BODY = [
    {"style": "normal", "text":
        "Thực hiện Kế hoạch số 478-KH/TU ngày 01/6/2025 của Thành ủy Hải Phòng về "
        "Triển khai Phong trào “Bình dân học vụ số”; ý kiến chỉ đạo của Phó Chủ tịch "
        "Ủy ban nhân dân thành phố Hoàng Minh Cường tại Văn bản số 9686/VP-VX ngày "
        "03/10/2025 của Ủy ban nhân dân thành phố về việc tổ chức triển khai đồng bộ "
        "phong trào “Bình dân học vụ số”, “Ngày hội toàn dân học tập số” và “Ngày "
        "chuyển đổi số quốc gia”."},
    {"style": "normal", "text":
        "Ngày 13/10/2025, Sở Khoa học và Công nghệ đã có Công văn số 3452/SKHCN-TTTT "
        f"về triển khai Cuộc thi {CONTEST}. Cuộc thi đã nhận được hưởng ứng cao của "
        "nhân dân trên địa bàn thành phố. Sau 10 ngày triển khai, Sở Khoa học và Công "
        "nghệ thông tin kết quả Cuộc thi cụ thể như sau:"},
    {"style": "bullet", "text":
        "Tính đến 15h00 ngày 22/10/2025, toàn thành phố đã có 114 xã, phường, đặc khu "
        "tham gia Cuộc thi với 84.360 thí sinh đăng ký tham gia, 49.317 thí sinh hoàn "
        "thành bài thi (chi tiết kết quả tại phụ lục gửi kèm)."},
    {"style": "bullet", "text":
        "10 xã, phường có số thí sinh tham gia nhiều nhất: xã Tứ Kỳ, xã Việt Khê, "
        "phường Gia Viên, xã Trần Phú, xã Kiến Hưng, xã Chí Minh, xã An Thành, "
        "phường Bạch Đằng, phường Thạch Khôi, xã Tân Kỳ."},
    {"style": "bullet", "text":
        "10 xã, phường, đặc khu có số thí sinh tham gia ít nhất: đặc khu Bạch Long Vĩ, "
        "xã Tuệ Tĩnh, phường Đồ Sơn, phường Nam Đồng, phường Nam Đồ Sơn, xã Thượng "
        "Hồng, xã Hồng Châu, xã Kiến Hải, xã Hải Hưng, xã Nghi Dương."},
    {"style": "normal", "text":
        "Để hoàn thành mục tiêu năm 2025 “80% người dân trong độ tuổi trưởng thành có "
        "tri thức cơ bản về chuyển đổi số, có kỹ năng số, sử dụng được thiết bị thông "
        "minh để khai thác thông tin, sử dụng nền tảng, dịch vụ số thiết yếu, biết bảo "
        "vệ bản thân trên môi trường số” theo chỉ đạo của Thành ủy Hải Phòng tại Kế "
        "hoạch số 478-KH/TU ngày 01/6/2025, Sở Khoa học và Công nghệ đề nghị các địa "
        "phương, đơn vị:"},
    {"style": "normal", "text":
        f"1. Tích cực triển khai Cuộc thi {CONTEST} tới toàn thể nhân dân trên địa bàn "
        "thành phố. Dữ liệu kết quả cuộc thi được cập nhật hàng ngày trên trang thông "
        "tin Bản đồ số Hải Phòng (tại địa chỉ https://bandoso.haiphong.gov.vn/)."},
    {"style": "normal", "text":
        "2. Đẩy mạnh hoạt động truyền thông về Cuộc thi trên các phương tiện truyền "
        "thông của đơn vị, xã, phường, đặc khu (như trang Thông tin điện tử, Fanpage, "
        "đài phát thanh…) để người dân được biết và tham gia."},
    {"style": "normal", "text":
        "Sở Khoa học và Công nghệ cử đồng chí Trần Thị Phượng - Trưởng phòng, Phòng Tư "
        "liệu và Thống kê, Trung tâm Công nghệ thông tin và Truyền thông Hải Phòng, "
        "điện thoại: 0982103591 là đầu mối liên hệ, trao đổi thông tin."},
    {"style": "normal", "text": "Trân trọng./."},
]


def report_doc() -> dict:
    """A city report shaped like seed 003."""
    return {
        "parent_agency": "UBND THÀNH PHỐ HẢI PHÒNG",
        "issuing_agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "number_symbol": "Số:      /SKHCN-TTTT",
        "place_date": "Hải Phòng, ngày      tháng 10 năm 2025",
        "subject": f"V/v thông tin sơ bộ kết quả sau 10 ngày triển khai Cuộc thi {CONTEST}",
        "recipients": [
            "Thành đoàn Hải Phòng",
            "Các Sở, ban, ngành thành phố",
            "Ủy ban nhân dân các xã, phường, đặc khu",
        ],
        "body": REPORT_BODY,
        "appendix": {
            "title": "KẾT QUẢ CUỘC THI THEO XÃ, PHƯỜNG, ĐẶC KHU",
            "subtitle": "(Kèm theo Công văn số      /SKHCN-TTTT ngày      tháng 10 năm 2025 "
                        "của Sở Khoa học và Công nghệ; số liệu tính đến 15h00 ngày 22/10/2025)",
            "columns": COLUMNS,
            "rows": appendix_rows(),
            "numeric_columns": [2, 3, 4, 5],
        },
        "copy_list": ["Như trên", "UBND TP (để b/c)", "GĐ, các PGĐ Sở", "Phòng CNTT",
                      "Lưu: VT, TTTT"],
        "signing_lines": ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        "signer": "Vũ Đại Thắng",
    }


def cert_context() -> dict:
    url = "https://congdanso.haiphong.gov.vn/xac-minh/K7QX-M3TP-9HRW"
    return {
        "cert": {
            "contest_name": "Công dân số Hải Phòng - sử dụng thông minh, sống an toàn",
            "organiser": "SỞ KHOA HỌC VÀ CÔNG NGHỆ THÀNH PHỐ HẢI PHÒNG",
            "kind_label": "Đã hoàn thành bài thi",
            "full_name": "Nguyễn Thị Phượng",
            "unit_name": "Phường Nam Đồ Sơn",
            "score_text": "18/20 câu đúng",
            "date_text": "Hải Phòng, ngày 22 tháng 10 năm 2025",
            "signer_title": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
            "signer_name": "Vũ Đại Thắng",
            "code": "K7QX-M3TP-9HRW",
            "verify_url": url,
        },
        "qr_svg": qr_svg(url),
    }


def env() -> Environment:
    return Environment(loader=FileSystemLoader(str(ROOT / "templates")), autoescape=True)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def png_page1(pdf: bytes, name: str, dpi: int = 80) -> Path:
    """Page 1 as tests/artifacts/<name>.png (needs poppler's pdftoppm)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / name
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-png",
                    "-singlefile", "-", str(stem)], input=pdf, check=True)
    return stem.with_suffix(".png")


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    html = env().get_template("pdf/dispatch.html").render(doc=report_doc())
    pdf = render_pdf(html)
    png_page1(pdf, "dispatch_page1")
    return pdf


@pytest.fixture(scope="module")
def report_pages(report_pdf) -> list[dict]:
    """Per page: size, chars (pdfplumber) and normalised text."""
    pages = []
    with pdfplumber.open(io.BytesIO(report_pdf)) as pdf:
        for page in pdf.pages:
            pages.append({
                "width": float(page.width), "height": float(page.height),
                "chars": [c for c in page.chars if c["text"].strip()],
                "words": page.extract_words(),
                "edges": page.edges,
                "text": norm(page.extract_text() or ""),
            })
    return pages


@pytest.fixture(scope="module")
def cert_pdf() -> bytes:
    html = env().get_template("pdf/certificate.html").render(**cert_context())
    return render_pdf(html)


def _in_top_margin(c) -> bool:
    return c["top"] < 20 * MM


# ---- dispatch: geometry ----------------------------------------------------

def test_report_pages_are_a4_portrait(report_pages):
    assert len(report_pages) >= 4  # body runs onto page 2, appendix spans pages
    for p in report_pages:
        assert abs(p["width"] - A4[0]) <= 1 and abs(p["height"] - A4[1]) <= 1


def test_report_text_inside_decree_margins(report_pages):
    for n, p in enumerate(report_pages, 1):
        body = [c for c in p["chars"] if not _in_top_margin(c)]
        assert body, f"page {n} has no text"
        assert min(c["x0"] for c in body) >= 30 * MM - TOL, f"page {n} left"
        assert max(c["x1"] for c in body) <= (210 - 15) * MM + TOL, f"page {n} right"
        assert min(c["top"] for c in body) >= 20 * MM - TOL, f"page {n} top"
        assert max(c["bottom"] for c in body) <= (297 - 20) * MM + TOL, f"page {n} bottom"
        # table rules too (half a border width of slack)
        for e in p["edges"]:
            assert e["x0"] >= 30 * MM - 1 and e["x1"] <= (210 - 15) * MM + 1, f"page {n}"


def test_page_number_from_page_two_centred_in_top_margin(report_pages):
    assert not [c for c in report_pages[0]["chars"] if _in_top_margin(c)]
    for n, p in enumerate(report_pages[1:], 2):
        top = sorted((c for c in p["chars"] if _in_top_margin(c)), key=lambda c: c["x0"])
        assert "".join(c["text"] for c in top) == str(n)
        middle = (top[0]["x0"] + top[-1]["x1"]) / 2
        assert abs(middle - (30 + (210 - 45) / 2) * MM) < 2  # centred over the text
        assert 13 <= round(top[0]["size"]) <= 14


# ---- dispatch: fonts and text ------------------------------------------------

def _fonts(pdf: bytes) -> list[dict]:
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    return list(fonts.values())


def _assert_embedded_liberation(pdf: bytes) -> set[str]:
    names = set()
    for font in _fonts(pdf):
        name = str(font["/BaseFont"])
        assert "LiberationSerif" in name, name
        descriptor_owner = (font["/DescendantFonts"][0].get_object()
                            if font["/Subtype"] == "/Type0" else font)
        descriptor = descriptor_owner["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, name
        if "/FontFile2" in descriptor:  # the embedded program itself
            program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            assert program["name"].getDebugName(1) == "Liberation Serif", name
            assert program["name"].getDebugName(5).startswith("Version 2."), name
        names.add(name.split("+")[-1])
    return names


def test_report_fonts_embedded_liberation_serif(report_pdf):
    names = _assert_embedded_liberation(report_pdf)
    assert len(names) == 4, names  # regular, bold, italic, bold italic


def test_report_vietnamese_text_exact(report_pages):
    text = " ".join(p["text"] for p in report_pages)
    for expected in [
        "UBND THÀNH PHỐ HẢI PHÒNG", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Kính gửi:", "- Thành đoàn Hải Phòng;", "- Các Sở, ban, ngành thành phố;",
        "- Ủy ban nhân dân các xã, phường, đặc khu.",
        "/SKHCN-TTTT", "Hải Phòng, ngày", "tháng 10 năm 2025",
        "84.360 thí sinh đăng ký", "49.317 thí sinh hoàn thành",
        "Nơi nhận:", "- Như trên;", "- Lưu: VT, TTTT.",
        "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Vũ Đại Thắng", "PHỤ LỤC",
    ]:
        assert expected in text, expected
    assert unicodedata.normalize("NFC", text) == text


def test_report_number_and_date_on_one_line(report_pages):
    words = report_pages[0]["words"]
    so = next(w for w in words if w["text"] == "Số:")
    place = next(w for w in words if w["text"] == "Hải" and w["x0"] > so["x1"] + 50 * MM / 2)
    assert abs(so["bottom"] - place["bottom"]) < 1.5


def test_report_appendix_every_unit_whole_and_header_repeated(report_pages):
    first = next(i for i, p in enumerate(report_pages) if "PHỤ LỤC" in p["text"])
    appendix = report_pages[first:]
    assert len(appendix) >= 2
    for p in appendix:
        for col in COLUMNS:
            assert col in p["text"], (col, appendix.index(p))
    for name in UNITS:  # each name whole on one page: rows are never split
        assert sum(name in p["text"] for p in appendix) >= 1, name
    body_text = " ".join(p["text"] for p in report_pages[:first])
    assert "Xếp hạng" not in body_text


def test_report_numbers_right_aligned(report_pages):
    first = next(i for i, p in enumerate(report_pages) if "PHỤ LỤC" in p["text"])
    number = re.compile(r"^\d{1,3}(\.\d{3})*$|^\d+,\d%$")
    rows: dict[int, list] = {}
    for w in report_pages[first + 1]["words"]:
        rows.setdefault(round(w["bottom"]), []).append(w)
    columns: list[list[float]] = [[], [], [], []]
    for words in rows.values():
        words.sort(key=lambda w: w["x0"])
        tail = words[-4:]
        if len(words) >= 6 and all(number.match(w["text"]) for w in tail):
            for k, w in enumerate(tail):
                columns[k].append(w["x1"])
    assert len(columns[0]) > 20
    for xs in columns:
        assert max(xs) - min(xs) < 0.5


def test_report_is_autoescaped():
    doc = report_doc()
    doc["body"] = [{"style": "normal", "text": "<b>không in đậm</b> & <script>x</script>"}]
    doc["appendix"] = None
    pdf = render_pdf(env().get_template("pdf/dispatch.html").render(doc=doc))
    with pdfplumber.open(io.BytesIO(pdf)) as reader:
        text = norm(" ".join(p.extract_text() for p in reader.pages))
    assert "<b>không in đậm</b> & <script>x</script>" in text


def test_single_recipient_on_the_kinh_gui_line():
    doc = report_doc()
    doc["recipients"] = ["Sở Khoa học và Công nghệ thành phố Hải Phòng"]
    doc["appendix"] = None
    pdf = render_pdf(env().get_template("pdf/dispatch.html").render(doc=doc))
    with pdfplumber.open(io.BytesIO(pdf)) as reader:
        text = norm(reader.pages[0].extract_text())
    assert "Kính gửi: Sở Khoa học và Công nghệ thành phố Hải Phòng." in text


# ---- certificate -------------------------------------------------------------

def test_certificate_landscape_small_with_name_and_code(cert_pdf):
    assert len(cert_pdf) <= 30 * 1024, len(cert_pdf)
    reader = PdfReader(io.BytesIO(cert_pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4[1]) <= 1 and abs(float(box.height) - A4[0]) <= 1
    text = norm(reader.pages[0].extract_text())
    for expected in ["GIẤY CHỨNG NHẬN", "Nguyễn Thị Phượng", "K7QX-M3TP-9HRW",
                     "Phường Nam Đồ Sơn", "18/20 câu đúng", "Vũ Đại Thắng",
                     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"]:
        assert expected in text, expected
    assert len(_assert_embedded_liberation(cert_pdf)) <= 2


def test_certificate_qr_decodes_to_verify_url(cert_pdf):
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    png_page1(cert_pdf, "certificate_page1", dpi=80)
    image = Image.open(png_page1(cert_pdf, "certificate_page1_150dpi", dpi=150))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [cert_context()["cert"]["verify_url"]]


def test_qr_svg_is_compact_inline_markup():
    svg = qr_svg("https://example.vn/x/ABCD")
    assert svg.startswith("<svg") and "<?xml" not in svg
    assert "width=" not in svg.split(">")[0] and "viewBox" in svg
