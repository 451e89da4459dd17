"""Importing and exporting the question bank (services bank_import and bank_files): every kind of bad row with its row number,
all or nothing, the preview step, XLSX and CSV, the template, the export round trip."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select, update

from cdso.extensions import db
from cdso.models import AuditLog, Choice, ImportBatch, Question, Role
from cdso.services.bank import editing as bank
from cdso.services.bank import files as bank_files
from cdso.services.imports import pipeline
from cdso.services.bank import rows as bank_import
from cdso.services.bank.rows import HEADERS
from tests import factories

TOPIC = "Nhận diện lừa đảo trực tuyến"


def row(text="Khi nhận cuộc gọi tự xưng công an yêu cầu chuyển tiền, bạn nên làm gì?",
        topic=TOPIC, choices=("Chuyển ngay", "Dập máy, báo công an nơi gần nhất"), answer="B",
        **extra) -> dict:
    values = dict.fromkeys(HEADERS, "")
    values.update({"Chủ đề": topic, "Câu hỏi": text, "Đáp án đúng": answer,
                   "Giải thích": "Công an không làm việc qua điện thoại.", "Mức độ": "1"})
    for letter, choice in zip("ABCDEF", choices, strict=False):
        values[f"Phương án {letter}"] = choice
    values.update(extra)
    return values


def as_csv(rows: list[dict], delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADERS, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def active_count() -> int:
    return db.session.scalar(select(func.count(Question.id)).where(Question.status == "active"))


def admin_client(client):
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    return admin


def token_of(client, path="/quan-tri/cau-hoi/nhap") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_every_kind_of_bad_row_is_reported_with_its_row_number(app):
    shipped = db.session.scalar(select(Question.text).where(Question.status == "active").limit(1))
    rows = [
        row(text="Câu đúng duy nhất trong tệp?"),                      # row 2: fine
        row(text="Không có đáp án?", answer=""),                        # 3
        row(text="Hai đáp án?", answer="A,B"),                          # 4
        row(text="Phương án trùng?", choices=("Có", "Không", "có")),    # 5
        row(text=""),                                                   # 6
        row(text="Dài " + "x" * 1000),                                  # 7
        row(text="Chủ đề lạ?", topic="Nấu ăn"),                        # 8
        row(text=shipped),                                              # 9
        dict.fromkeys(HEADERS, ""),                                     # 10: blank, skipped
        row(text="câu đúng  duy nhất trong tệp?"),                      # 11: repeats row 2
        row(text="Mức độ sai?", **{"Mức độ": "5"}),                     # 12
        row(text="Đáp án không có?", answer="D"),                       # 13
    ]
    report = bank_import.parse_rows(rows)
    reasons = {e.row: "; ".join(e.messages) for e in report.errors}
    assert reasons == {
        3: "không có đáp án đúng",
        4: "chỉ được có một đáp án đúng",
        5: "có phương án trùng nhau",
        6: "câu hỏi để trống",
        7: "câu hỏi dài quá 1000 ký tự",
        8: "chủ đề «Nấu ăn» không có trong ngân hàng",
        9: "trùng một câu hỏi đã có trong ngân hàng",
        11: "trùng câu hỏi ở dòng 2",
        12: "mức độ phải là 1 (Dễ), 2 (Trung bình) hoặc 3 (Khó)",
        13: "đáp án đúng «D» không phải một phương án đã nhập",
    }
    assert [q.row for q in report.questions] == [2]
    before = active_count()
    try:
        bank_import.import_questions(report)
    except ValueError:
        pass
    else:
        raise AssertionError("a report with errors must not import")
    assert active_count() == before


def test_upload_with_a_bad_row_imports_nothing_and_shows_the_report(client, app):
    admin_client(client)
    data = as_csv([row(text="Câu thứ nhất đúng?"), row(text="Câu thứ hai sai?", answer="")])
    before = active_count()
    response = client.post("/quan-tri/cau-hoi/nhap", data={
        "csrf_token": token_of(client), "file": (io.BytesIO(data), "cau-hoi.csv")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Chưa nhập câu nào" in html
    assert re.search(r'<strong>Dòng 3</strong>.*?<li>Không có đáp án đúng\.</li>', html, re.S)
    assert "Xác nhận nhập" not in html
    assert active_count() == before


def test_preview_then_confirm_imports_all_rows_once(client, app):
    admin = admin_client(client)
    rows = [row(text=f"Câu hỏi nhập số {n}?") for n in range(1, 4)]
    data = as_csv(rows, delimiter=";")  # Excel in Vietnamese locale saves with ";"
    before = active_count()
    html = client.post("/quan-tri/cau-hoi/nhap", data={
        "csrf_token": token_of(client), "file": (io.BytesIO(data), "ba-cau.csv")}
    ).get_data(as_text=True)
    assert "3 câu hỏi sẽ được thêm" in html and "Câu hỏi nhập số 2?" in html
    assert active_count() == before  # the preview writes nothing
    upload = re.search(r'name="token" value="([^"]+)"', html).group(1)

    response = client.post("/quan-tri/cau-hoi/nhap/xac-nhan",
                           data={"csrf_token": token_of(client), "token": upload})
    assert response.status_code == 303
    assert active_count() == before + 3
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.kind, batch.filename, batch.row_count, batch.created_by_id) == (
        "questions", "ba-cau.csv", 3, admin.id)
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "bank.import")).actor_id \
        == admin.id

    again = client.post("/quan-tri/cau-hoi/nhap/xac-nhan",
                        data={"csrf_token": token_of(client), "token": upload})
    assert again.status_code == 303  # the same confirmation again: the job that ran, once
    assert "Đã nhập 3 câu hỏi" in client.get(again.headers["Location"]).get_data(as_text=True)
    reupload = client.post("/quan-tri/cau-hoi/nhap", data={
        "csrf_token": token_of(client), "file": (io.BytesIO(data), "ba-cau.csv")})
    assert "trùng một câu hỏi đã có trong ngân hàng" in reupload.get_data(as_text=True).lower()
    assert active_count() == before + 3


def test_a_forged_or_foreign_preview_imports_nothing(client, app):
    admin_client(client)
    payload = {"j": 1, "a": 999999, "k": "questions"}
    foreign = pipeline._serializer(app.secret_key).dumps(payload)
    before = active_count()
    for upload in ("forged-token", foreign):
        html = client.post("/quan-tri/cau-hoi/nhap/xac-nhan",
                           data={"csrf_token": token_of(client), "token": upload}
                           ).get_data(as_text=True)
        assert "Bản xem trước đã hết hạn hoặc không hợp lệ" in html
    assert active_count() == before


def test_xlsx_upload_reads_headers_numbers_and_keeps_sheet_row_numbers(app):
    book = Workbook()
    sheet = book.active
    sheet.append(["chu de", "Câu hỏi", "Phương án A", "Phương án B", "Đáp án đúng", "Mức độ"])
    sheet.append([TOPIC, "Năm nào Luật Bảo vệ dữ liệu cá nhân có hiệu lực?", 2025, 2026, "B", 2.0])
    sheet.append([])
    sheet.append([TOPIC, "Câu thiếu đáp án?", "Có", "Không", None, 1])
    sheet.append([TOPIC, "Mức độ ghi bằng chữ?", "Có", "Không", "A", "Khó"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = bank_files.read_upload("cau-hoi.XLSX", buffer.getvalue())
    report = bank_import.parse_rows(bank_files.as_dicts(rows))
    assert [(e.row, e.messages) for e in report.errors] == [(4, ["không có đáp án đúng"])]
    parsed = report.questions[0]
    assert (parsed.row, parsed.choices, parsed.correct, parsed.difficulty) == (2, ["2025", "2026"], 1, 2)
    assert (report.questions[1].row, report.questions[1].difficulty) == (5, 3)


def test_unreadable_files_get_a_clear_message(app):
    cases = [("a.pdf", b"%PDF", "Chỉ nhận tệp .xlsx hoặc .csv"),
             ("a.xlsx", b"not a zip", "Không đọc được tệp Excel"),
             ("a.csv", b"Ch\xf5 \xf0\xea,C\xe2u h\xf2i", "không thuộc mẫu"),  # not our columns
             ("a.csv", "Chủ đề,Câu hỏi,Ghi chú\n".encode(), "cột không thuộc mẫu: «Ghi chú»"),
             ("a.csv", "Chủ đề,Câu hỏi,Phương án A\n".encode(), "thiếu cột: «Phương án B»")]
    for name, data, message in cases:
        try:
            bank_files.read_upload(name, data)
        except bank_files.UploadError as error:
            assert message in str(error), (name, str(error))
        else:
            raise AssertionError(f"{name} should be refused")


def test_templates_have_the_import_headers(client, app):
    admin_client(client)
    response = client.get("/quan-tri/cau-hoi/mau.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.worksheets[0][1]] == HEADERS
    assert any(TOPIC == r[0].value for r in book["Hướng dẫn"].iter_rows())
    csv_text = client.get("/quan-tri/cau-hoi/mau.csv").data.decode("utf-8-sig")
    assert csv_text.strip() == ",".join(HEADERS)


def test_export_reimports_cleanly_into_an_empty_bank(client, app):
    admin_client(client)
    originals = bank_files.export_rows(bank.questions_for_export(bank.BankFilters()))
    assert len(originals) >= 200
    xlsx = client.get("/quan-tri/cau-hoi/xuat.xlsx").data
    csv_data = client.get("/quan-tri/cau-hoi/xuat.csv").data
    db.session.execute(update(Question).values(root_id=None))
    db.session.execute(delete(Choice))
    db.session.execute(delete(Question))
    for name, data in (("bank.xlsx", xlsx), ("bank.csv", csv_data)):
        rows = bank_files.read_upload(name, data)
        report = bank_import.parse_rows(bank_files.as_dicts(rows))
        assert report.ok, report.errors[:3]
        assert len(report.questions) == len(originals)
    bank_import.import_questions(report)
    assert bank_files.export_rows(bank.questions_for_export(bank.BankFilters())) == originals


def test_the_shipped_bank_loads_through_the_import_with_real_content(app):
    """`cdso init` (and the test template) load cdso/data/question_bank/*.csv with parse_rows."""
    per_topic = dict(db.session.execute(
        select(Question.topic_id, func.count(Question.id)).group_by(Question.topic_id)).all())
    assert sum(per_topic.values()) >= 200 and len(per_topic) >= 8
    assert min(per_topic.values()) >= 20  # each topic can fill a quota of a 20-question attempt
    questions = bank.questions_for_export(bank.BankFilters())
    assert all(q.explanation and 2 <= len(q.choices) <= 6 for q in questions)
    assert all(sum(c.is_correct for c in q.choices) == 1 for q in questions)
