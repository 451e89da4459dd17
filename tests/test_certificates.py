"""Certificates: the code, the PDF (text, fonts, QR), who may download, verification,
revocation, the cache."""
from __future__ import annotations

import io
import math
import re
import subprocess
import unicodedata

from flask import g
from pypdf import PdfReader
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.models import AuditLog, Certificate, Organisation, Role
from cdso.services.contest import certificates
from tests import factories

LOOK_ALIKES = set("ILOU01")
CODE_BITS = 12 * math.log2(len(certificates.ALPHABET))


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def embedded_font_names(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            owner = (font["/DescendantFonts"][0].get_object()
                     if font["/Subtype"] == "/Type0" else font)
            descriptor = owner["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
            names.add(str(font["/BaseFont"]).split("+")[-1])
    return names


def decode_qr(content: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image
    png = subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile",
                          "-"], input=content, capture_output=True, check=True).stdout
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def as_user(app, account):
    """A client logged in as `account`. The app fixture keeps one app context (and so one
    `g`) for the whole test, where Flask-Login caches the current user and Flask-WTF the
    CSRF token of the last session: forget both first."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    client = app.test_client()
    if account is not None:
        factories.login(client, account)
        g.pop("csrf_token", None)  # the login started a new session
    return client


def certificate_count() -> int:
    return db.session.scalar(select(func.count(Certificate.id)))


def test_codes_are_unguessable_typable_and_case_insensitive():
    assert CODE_BITS >= 50
    codes = {certificates.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 12 and not set(code) & LOOK_ALIKES
        assert set(code) <= set(certificates.ALPHABET)
    assert len(set(certificates.ALPHABET)) == 30 and not set(certificates.ALPHABET) & LOOK_ALIKES
    assert certificates.display_code("K7QXM3TP9HRW") == "K7QX-M3TP-9HRW"
    for typed in ["k7qx-m3tp-9hrw", " K7QX M3TP 9HRW ", "k7qxm3tp9hrw"]:
        assert certificates.normalise_code(typed) == "K7QXM3TP9HRW"
    for wrong in ["K7QX-M3TP-9HRO", "K7QX-M3TP-9HR", "", None, "K7QX-M3TP-9HRWX"]:
        assert certificates.normalise_code(wrong) is None


def test_owner_downloads_the_counting_attempt_certificate(app, client, contest):
    person = factories.make_participant(contest, full_name="Nguyễn Thị Phượng",
                                        unit_name="Phường Nam Đồ Sơn")
    weaker = factories.make_finished_attempt(contest, person, score=14)
    best = factories.make_finished_attempt(contest, person, score=18, duration_seconds=500)
    factories.login(client, person)

    moved = client.get(f"/chung-nhan/{weaker.id}.pdf")
    assert moved.status_code == 303 and moved.location.endswith(f"/chung-nhan/{best.id}.pdf")
    response = client.get(f"/chung-nhan/{best.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    content = response.data
    certificate = db.session.scalar(select(Certificate))
    code = certificates.display_code(certificate.code)
    assert certificate.attempt_id == best.id and certificate.kind == "participation"

    assert len(content) <= 30 * 1024, len(content)
    text = pdf_text(content)
    for expected in ["Nguyễn Thị Phượng", "18/20 câu đúng", code, "Phường Nam Đồ Sơn",
                     "Vũ Đại Thắng", "Công dân số Hải Phòng - sử dụng thông minh, sống an toàn"]:
        assert expected in text, expected
    fonts = embedded_font_names(content)  # each one embedded (asserted inside)
    assert 1 <= len(fonts) <= 2 and all(name.startswith("LiberationSerif") for name in fonts)

    [url] = decode_qr(content)
    assert url == f"http://localhost/xac-minh/{code}"
    page = client.get(url.removeprefix("http://localhost"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Giấy chứng nhận hợp lệ" in html and "Nguyễn T. P." in html
    assert "Nguyễn Thị Phượng" not in html and "18/20 câu đúng" in html

    again = client.get(f"/chung-nhan/{best.id}.pdf")
    assert again.status_code == 200 and code in pdf_text(again.data)
    assert certificate_count() == 1  # made once, on demand


def test_verification_by_form_and_link_rate_limited(app, client, contest):
    person = factories.make_participant(contest, full_name="Trần Văn Bình")
    attempt = factories.make_finished_attempt(contest, person, score=17)
    certificate = certificates.issue(contest, attempt, attempt.finished_at)
    db.session.commit()
    code = certificates.display_code(certificate.code)

    typed = code.lower().replace("-", " ")
    by_form = client.get("/xac-minh", query_string={"ma": typed})
    assert by_form.status_code == 200 and "Trần V. B." in by_form.get_data(as_text=True)
    assert client.get(f"/xac-minh/{code.lower()}").status_code == 200

    unknown = "2345-6789-ABCD" if code != "2345-6789-ABCD" else "2345-6789-ABCE"
    missing = client.get(f"/xac-minh/{unknown}")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 404
    assert "Không tìm thấy giấy chứng nhận" in html and 'name="ma"' in html
    malformed = client.get("/xac-minh", query_string={"ma": "ABC"})
    assert malformed.status_code == 404 and "gồm 12 chữ và số" in malformed.get_data(as_text=True)
    partial = client.get("/xac-minh", query_string={"ma": unknown},
                         headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert partial.status_code == 404 and body.lstrip().startswith('<section id="verify-result"')
    assert "Không tìm thấy" in body and "<html" not in body
    assert client.get("/xac-minh").status_code == 200

    for _ in range(24):  # 30 a minute per address, the form and the links together
        assert client.get(f"/xac-minh/{unknown}").status_code == 404
    limited = client.get("/xac-minh", query_string={"ma": code})
    assert limited.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in limited.get_data(as_text=True)


def test_only_owner_and_officials_in_scope_download(app, contest):
    org = factories.organisation(factories.unit("Phường Gia Viên"))
    person = factories.make_participant(contest, organisation_id=org.id)
    attempt = factories.make_finished_attempt(contest, person)
    url = f"/chung-nhan/{attempt.id}.pdf"
    assert as_user(app, None).get(url).status_code == 302  # a visitor logs in first

    other_org = Organisation(unit_id=org.unit_id, name="Tổ dân phố số 9", name_key="to dan pho so 9",
                             kind="to_dan_pho", created_at=attempt.finished_at)
    db.session.add(other_org)
    db.session.commit()
    outsiders = [factories.make_participant(contest),
                 factories.make_official(Role.CLERK, unit_name="Xã Tứ Kỳ"),
                 factories.make_official(Role.REPORTER, organisation_id=other_org.id)]
    for outsider in outsiders:
        assert as_user(app, outsider).get(url).status_code == 404, outsider.role
    assert certificate_count() == 0

    clerk = factories.make_official(Role.CLERK, unit_name="Phường Gia Viên")
    client = as_user(app, clerk)
    assert client.get(url).status_code == 200
    assert client.get(f"/chung-nhan/{attempt.id + 999}.pdf").status_code == 404
    logged = db.session.scalar(select(AuditLog).where(AuditLog.action == "certificate.download"))
    assert logged.actor_id == clerk.id and logged.detail["account_id"] == person.id


def test_achievement_needs_the_pass_mark(app, client, contest):
    contest.certificate_kind = "achievement"
    contest.pass_mark = 16
    db.session.commit()
    person = factories.make_participant(contest)
    low = factories.make_finished_attempt(contest, person, score=15)
    factories.login(client, person)
    refused = client.get(f"/chung-nhan/{low.id}.pdf")
    assert refused.status_code == 404
    assert "từ 16 câu đúng trở lên" in refused.get_data(as_text=True)
    assert certificate_count() == 0

    passed = factories.make_finished_attempt(contest, person, score=16)
    assert client.get(f"/chung-nhan/{passed.id}.pdf").status_code == 200
    assert db.session.scalar(select(Certificate)).kind == "achievement"


def test_admin_revokes_with_a_reason_and_everyone_sees_it(app, contest):
    person = factories.make_participant(contest, full_name="Lê Thị Hoa")
    attempt = factories.make_finished_attempt(contest, person)
    certificate = certificates.issue(contest, attempt, attempt.finished_at)
    db.session.commit()
    code = certificates.display_code(certificate.code)

    clerk = factories.make_official(Role.CLERK)
    assert as_user(app, clerk).get("/quan-tri/chung-nhan").status_code == 404
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    client = as_user(app, admin)
    found = client.get("/quan-tri/chung-nhan", query_string={"ma": code.lower()})
    assert "Lê Thị Hoa" in found.get_data(as_text=True)
    partial = client.get("/quan-tri/chung-nhan", query_string={"ma": code},
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<section id="certificate-result"')

    token = factories.csrf_token(client, "/quan-tri/chung-nhan")
    action = f"/quan-tri/chung-nhan/{certificate.id}/thu-hoi"
    empty = client.post(action, data={"csrf_token": token, "ly_do": "  "})
    assert "Xin ghi rõ lý do thu hồi" in empty.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).revoked_at is None
    assert client.post(action, data={"ly_do": "Gian lận"}).status_code == 400  # no CSRF

    done = client.post(action, data={"csrf_token": token, "ly_do": "Thi hộ người khác"})
    assert done.status_code == 303
    db.session.expire_all()
    revoked = db.session.get(Certificate, certificate.id)
    assert revoked.revoked_at is not None and revoked.revoked_by_id == admin.id
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "certificate.revoke"))
    assert log.actor_id == admin.id and log.detail["reason"] == "Thi hộ người khác"

    public = client.get(f"/xac-minh/{code}").get_data(as_text=True)
    assert "đã bị thu hồi" in public and "Thi hộ người khác" in public
    assert "hợp lệ" not in public
    refused = as_user(app, person).get(f"/chung-nhan/{attempt.id}.pdf")
    assert refused.status_code == 404 and "thu hồi" in refused.get_data(as_text=True)


def test_pdf_is_cached_by_content(app, contest, monkeypatch, shared_cache):
    person = factories.make_participant(contest, full_name="Phạm Văn Long")
    attempt = factories.make_finished_attempt(contest, person)
    certificate = certificates.issue(contest, attempt, attempt.finished_at)
    first = certificates.pdf_bytes(certificate, "http://localhost")
    assert len(shared_cache) == 1

    def must_not_render(fields):
        raise AssertionError("rendered again although cached")
    monkeypatch.setattr(certificates, "render", must_not_render)
    assert certificates.pdf_bytes(certificate, "http://localhost") == first

    monkeypatch.undo()
    person.full_name = "Phạm Văn Lộc"  # a corrected name: a new PDF, under a new key
    renamed = certificates.pdf_bytes(certificate, "http://localhost")
    assert len(shared_cache) == 2 and "Phạm Văn Lộc" in pdf_text(renamed)
