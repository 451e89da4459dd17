"""The default texts of each kind of document, modelled on the real dispatches in
shared/seeds/ (003 for the city report, 000-002 for a unit's dispatches).

They seed the DocumentTemplate table, which the city administrator edits (the functions
at the end of this file). Every value is
a plain string: lists (recipients, "Nơi nhận", signing lines) one item a line; the body
one paragraph a line, "- " starting a bullet and "# " a bold heading. Words in braces
are placeholders (cdso.services.documents.figures.PLACEHOLDERS): the names of the
contest and the unit are filled in when a draft is made, the figures whenever the
document is shown, from the figures as of its moment.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cdso.extensions import db
from cdso.models import Account, DocumentTemplate
from cdso.services.documents import fields as document_fields

OBJECTIVE = (
    "“80% người dân trong độ tuổi trưởng thành có tri thức cơ bản về chuyển đổi số, có kỹ "
    "năng số, sử dụng được thiết bị thông minh để khai thác thông tin, sử dụng nền tảng, "
    "dịch vụ số thiết yếu, biết bảo vệ bản thân trên môi trường số”"
)
PLAN = "Kế hoạch số 478-KH/TU ngày 01/6/2025 của Thành ủy Hải Phòng"

CITY_BODY = "\n".join([
    f"Thực hiện {PLAN} về triển khai Phong trào “Bình dân học vụ số”; ý kiến chỉ đạo của "
    "Ủy ban nhân dân thành phố tại Văn bản số 9686/VP-VX ngày 03/10/2025 về việc tổ chức "
    "triển khai đồng bộ phong trào “Bình dân học vụ số”, “Ngày hội toàn dân học tập số” và "
    "“Ngày chuyển đổi số quốc gia”.",
    "Cuộc thi {cuoc_thi} do {co_quan} tổ chức được triển khai từ ngày {ngay_mo} và đã "
    "nhận được sự hưởng ứng của nhân dân trên địa bàn thành phố. Sau {so_ngay} ngày triển "
    "khai, {co_quan} thông tin kết quả Cuộc thi cụ thể như sau:",
    "- Tính đến {thoi_diem}, toàn thành phố đã có {so_don_vi} xã, phường, đặc khu tham gia "
    "Cuộc thi với {so_dang_ky} thí sinh đăng ký tham gia, {so_hoan_thanh} thí sinh hoàn "
    "thành bài thi (chi tiết kết quả tại phụ lục gửi kèm).",
    "- {nhom_top10} có số thí sinh tham gia nhiều nhất: {top10}.",
    "- {nhom_bottom10} có số thí sinh tham gia ít nhất: {bottom10}.",
    f"Để hoàn thành mục tiêu năm 2025 {OBJECTIVE} theo chỉ đạo của Thành ủy Hải Phòng tại "
    "Kế hoạch số 478-KH/TU ngày 01/6/2025, {co_quan} đề nghị các địa phương, đơn vị:",
    "1. Tích cực triển khai Cuộc thi {cuoc_thi} tới toàn thể nhân dân trên địa bàn thành "
    "phố. Dữ liệu kết quả Cuộc thi được cập nhật hằng ngày trên trang thông tin Bản đồ số "
    "Hải Phòng (tại địa chỉ https://bandoso.haiphong.gov.vn/).",
    "2. Đẩy mạnh hoạt động truyền thông về Cuộc thi trên các phương tiện truyền thông của "
    "đơn vị, xã, phường, đặc khu (như trang thông tin điện tử, Fanpage, đài truyền thanh…) "
    "để người dân được biết và tham gia.",
    "{co_quan} cử đồng chí {lien_he}, điện thoại: {dien_thoai} là đầu mối liên hệ, trao đổi "
    "thông tin.",
    "Trân trọng./.",
])

UNIT_URGE_BODY = "\n".join([
    f"Thực hiện {PLAN} về triển khai Phong trào “Bình dân học vụ số” và văn bản của "
    "{co_quan} thành phố Hải Phòng về việc triển khai Cuộc thi {cuoc_thi}.",
    "Cuộc thi đã nhận được sự hưởng ứng của cán bộ, công chức, viên chức và nhân dân trên "
    "địa bàn {loai_don_vi}. Tính đến {thoi_diem}, {don_vi} có {so_dang_ky} thí sinh đăng "
    "ký tham gia, {so_hoan_thanh} thí sinh hoàn thành bài thi; tỷ lệ người trong độ tuổi "
    "trưởng thành đã hoàn thành bài thi: {ty_le}; xếp thứ {xep_hang}/{tong_don_vi} xã, "
    "phường, đặc khu của thành phố về số thí sinh đăng ký (chi tiết theo từng tổ dân phố, "
    "cơ quan, trường học tại phụ lục gửi kèm). Tuy nhiên, số người tham gia dự thi vẫn "
    "chưa đạt yêu cầu.",
    f"Nhằm thực hiện hiệu quả mục tiêu năm 2025: {OBJECTIVE} theo {PLAN},",
    "Ủy ban nhân dân {don_vi} đề nghị các phòng, ban, đơn vị, trường học và các "
    "{to_dan_cu} trên địa bàn thực hiện một số nội dung sau:",
    "1. Đẩy mạnh thông tin, truyền thông về Cuộc thi {cuoc_thi} trên các kênh, phương "
    "tiện truyền thông của đơn vị nhằm lan tỏa rộng rãi tới cán bộ, công chức, viên chức, "
    "học sinh và nhân dân.",
    "2. Khuyến khích cán bộ, công chức, viên chức, đoàn viên, hội viên và người dân tích "
    "cực tham gia dự thi; Tổ công nghệ số cộng đồng trực tiếp hướng dẫn, hỗ trợ người dân, "
    "nhất là người cao tuổi, đăng ký và làm bài thi. Cuộc thi mở đến hết ngày {ngay_dong}.",
    "3. Tổ công nghệ số cộng đồng tập trung hướng dẫn người dân các chủ đề cần tăng "
    "cường, có tỷ lệ trả lời đúng thấp nhất so với toàn thành phố: {chu_de_can_tang_cuong}.",
    "4. Đầu mối tiếp nhận, trao đổi, hướng dẫn các nội dung liên quan đến Cuộc thi: đồng "
    "chí {can_bo}, điện thoại: {dien_thoai_can_bo}.",
    "Ủy ban nhân dân {don_vi} đề nghị các cơ quan, đơn vị triển khai thực hiện./.",
])

UNIT_REPORT_BODY = "\n".join([
    "Thực hiện văn bản của {co_quan} thành phố Hải Phòng về việc triển khai Cuộc thi "
    "{cuoc_thi}, Ủy ban nhân dân {don_vi} báo cáo kết quả triển khai Cuộc thi trên địa "
    "bàn như sau:",
    "# 1. Công tác triển khai, tuyên truyền",
    "Ủy ban nhân dân {loai_don_vi} đã ban hành văn bản triển khai Cuộc thi tới các cơ quan, "
    "đơn vị, trường học và các {to_dan_cu}; tuyên truyền về Cuộc thi trên hệ thống truyền "
    "thanh, trang thông tin điện tử và các nhóm mạng xã hội của {loai_don_vi}; Tổ công "
    "nghệ số cộng đồng trực tiếp hướng dẫn, hỗ trợ người dân đăng ký và làm bài thi.",
    "# 2. Kết quả tham gia Cuộc thi",
    "- Tính đến {thoi_diem}, toàn {loai_don_vi} có {so_dang_ky} thí sinh đăng ký tham "
    "gia, {so_hoan_thanh} thí sinh hoàn thành bài thi với {so_luot_thi} lượt thi.",
    "- Tỷ lệ người trong độ tuổi trưởng thành đã hoàn thành bài thi: {ty_le} (mục tiêu "
    "năm 2025: 80%).",
    "- Xếp thứ {xep_hang}/{tong_don_vi} xã, phường, đặc khu của thành phố về số thí sinh "
    "đăng ký.",
    "- Kết quả theo từng tổ dân phố, cơ quan, trường học: chi tiết tại phụ lục gửi kèm.",
    "- Chủ đề cần tăng cường (tỷ lệ trả lời đúng thấp nhất so với toàn thành phố): "
    "{chu_de_can_tang_cuong}.",
    "# 3. Khó khăn, vướng mắc và đề xuất",
    "Một bộ phận người cao tuổi chưa sử dụng thành thạo điện thoại thông minh nên cần được "
    "hỗ trợ trực tiếp khi đăng ký và làm bài thi. Ủy ban nhân dân {don_vi} đề nghị "
    "{co_quan} tiếp tục cung cấp tài liệu truyền thông, hướng dẫn để địa phương triển khai.",
    "Ủy ban nhân dân {don_vi} trân trọng báo cáo./.",
])

UNIT_AGENCY = "ỦY BAN NHÂN DÂN\n{don_vi_hoa}"
UNIT_SIGNING = "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
UNIT_APPENDIX = "KẾT QUẢ THAM GIA CUỘC THI THEO TỔ DÂN PHỐ, CƠ QUAN, TRƯỜNG HỌC"

# The head of a ward's or commune's own dispatch: its people's committee issues it.
UNIT_HEAD = {"parent_agency": "", "issuing_agency": UNIT_AGENCY, "number": "",
             "symbol": "UBND-VHXH", "place": "{dia_danh}", "date": ""}

DEFAULT_FIELDS: dict[str, dict[str, str]] = {
    "city_progress": {
        "parent_agency": "{co_quan_chu_quan}",
        "issuing_agency": "{co_quan}",
        "number": "",
        "symbol": "SKHCN-TTTT",
        "place": "Hải Phòng",
        "date": "",
        "subject": "V/v thông tin sơ bộ kết quả sau {so_ngay} ngày triển khai Cuộc thi "
                   "{cuoc_thi}",
        "recipients": "Thành đoàn Hải Phòng\nCác Sở, ban, ngành thành phố\n"
                      "Ủy ban nhân dân các xã, phường, đặc khu",
        "body": CITY_BODY,
        "copy_list": "Như trên\nUBND thành phố (để báo cáo)\nGiám đốc, các Phó Giám đốc Sở\n"
                     "Lưu: VT, TTTT",
        "signing_lines": "{chuc_danh_ky}",
        "signer": "{nguoi_ky}",
        "appendix_title": "KẾT QUẢ CUỘC THI THEO XÃ, PHƯỜNG, ĐẶC KHU",
    },
    "unit_urge": {
        **UNIT_HEAD,
        "subject": "V/v đôn đốc tiếp tục tham gia Cuộc thi {cuoc_thi}",
        "recipients": "Các phòng, đơn vị thuộc Ủy ban nhân dân {loai_don_vi}\n"
                      "Ủy ban MTTQ Việt Nam và các đoàn thể chính trị - xã hội {loai_don_vi}\n"
                      "Các trường học trên địa bàn {loai_don_vi}\n"
                      "Các {to_dan_cu} trên địa bàn {loai_don_vi}\n"
                      "Tổ công nghệ số cộng đồng",
        "body": UNIT_URGE_BODY,
        "copy_list": "Như trên\nThường trực Đảng ủy (để báo cáo)\n"
                     "Chủ tịch, các Phó Chủ tịch UBND {loai_don_vi}\nLưu: VT, VHXH",
        "signing_lines": UNIT_SIGNING,
        "signer": "",
        "appendix_title": UNIT_APPENDIX,
    },
    "unit_report": {
        **UNIT_HEAD,
        "subject": "V/v báo cáo kết quả triển khai Cuộc thi {cuoc_thi}",
        "recipients": "{co_quan} thành phố Hải Phòng",
        "body": UNIT_REPORT_BODY,
        "copy_list": "Như trên\nThường trực Đảng ủy (để báo cáo)\nLưu: VT, VHXH",
        "signing_lines": UNIT_SIGNING,
        "signer": "",
        "appendix_title": UNIT_APPENDIX,
    },
}


def template_fields(kind: str) -> dict[str, str]:
    """The kind's default texts: the administrator's version over the code defaults."""
    row = db.session.scalar(select(DocumentTemplate).where(DocumentTemplate.kind == kind))
    return {**DEFAULT_FIELDS[kind], **(row.fields if row else {})}


def ensure_templates(now: dt.datetime) -> None:
    """Seed the DocumentTemplate rows from the code defaults where absent. Flushes."""
    existing = set(db.session.scalars(select(DocumentTemplate.kind)))
    for kind, fields in DEFAULT_FIELDS.items():
        if kind not in existing:
            db.session.add(DocumentTemplate(kind=kind, fields=dict(fields), updated_at=now))
    db.session.flush()


def save_template(kind: str, fields: dict[str, str], account: Account,
                  now: dt.datetime) -> dict[str, str]:
    # Blank fields are allowed: a ward's signer, for one, is filled in each document.
    errors = document_fields.check_fields(kind, fields, None, complete=False)
    if errors:
        return errors
    ensure_templates(now)
    row = db.session.scalar(select(DocumentTemplate).where(DocumentTemplate.kind == kind))
    row.fields, row.updated_at, row.updated_by_id = dict(fields), now, account.id
    db.session.flush()
    return {}


def reset_template(kind: str, account: Account, now: dt.datetime) -> None:
    ensure_templates(now)
    row = db.session.scalar(select(DocumentTemplate).where(DocumentTemplate.kind == kind))
    row.fields, row.updated_at, row.updated_by_id = dict(DEFAULT_FIELDS[kind]), now, account.id
    db.session.flush()
