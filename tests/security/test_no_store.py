"""Every response with personal data says Cache-Control: no-store (browsers and proxies
keep no copy); open data without it may be cached. Every file goes out through the one
download helper."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cdso.models import Role
from cdso.services.exports.download import disposition
from tests import factories
from tests import test_quiz_support as support

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("fast_passwords")


def no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_own_data_downloads(client, contest):
    person = factories.make_participant(contest)
    factories.sign_in(client, person)
    for fmt in ("csv", "json"):
        response = client.get(f"/tai-khoan/du-lieu.{fmt}")
        assert response.status_code == 200 and no_store(response), fmt
    assert no_store(client.get("/tai-khoan"))


def test_participant_list_and_officials_views_of_people(client, contest):
    person = factories.make_participant(contest, full_name="Đỗ Thị Lan")
    clerk = factories.make_official(Role.CLERK)
    factories.sign_in(client, clerk)
    token = factories.csrf_token(client, "/quan-tri/xuat")
    listing = client.post("/quan-tri/xuat/thi-sinh.xlsx", data={"csrf_token": token})
    assert listing.status_code == 200 and no_store(listing)
    assert "filename*=UTF-8''" in listing.headers["Content-Disposition"] or \
        'filename="danh-sach-thi-sinh-' in listing.headers["Content-Disposition"]
    for path in ("/quan-tri/", "/quan-tri/tai-khoan", "/quan-tri/xuat"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200 and no_store(response), path
    helper = factories.make_official(Role.TEAM_MEMBER)
    factories.sign_in(client, helper)
    page = client.get(f"/ho-tro/nguoi-dan/{person.id}")
    assert page.status_code == 200 and "Đỗ Thị Lan" in page.get_data(as_text=True)
    assert no_store(page)


def test_login_slip_pdf(app, contest):
    resident = factories.make_participant(contest)
    member = factories.make_official(Role.TEAM_MEMBER)
    web = support.browser(app)
    support.login(web, member)
    path = f"/ho-tro/nguoi-dan/{resident.id}/dat-lai-mat-khau"
    slip = web.post(path, data={"csrf_token": support.token(web, path), "identity": "yes",
                                "birth_date": "17/05/1970", "output": "pdf",
                                "reason": "Quên mật khẩu khi đi làm xa"})
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"
    assert no_store(slip)


def test_open_data_may_be_cached(client, contest):
    response = client.get("/du-lieu/don-vi.csv")
    assert response.status_code == 200 and not no_store(response)
    assert "public" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"] == 'inline; filename="don-vi.csv"'


def test_filenames_keep_vietnamese_with_an_ascii_fallback():
    value = disposition("Danh sách đạt giải Đợt 1.xlsx")
    assert value == ('attachment; filename="Danh-sach-dat-giai-Dot-1.xlsx"; '
                     "filename*=UTF-8''Danh%20s%C3%A1ch%20%C4%91%E1%BA%A1t%20gi%E1%BA%A3i"
                     "%20%C4%90%E1%BB%A3t%201.xlsx")
    assert disposition('a"b\r\n.pdf', inline=True).startswith('inline; filename="a-b-.pdf"')


def test_every_download_goes_through_the_helper():
    """No view builds its own Content-Disposition or calls send_file: the helper adds
    no-store to personal files, and a new download cannot forget it by accident."""
    offenders = []
    for path in (ROOT / "cdso").rglob("*.py"):
        if path.name == "download.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"Content-Disposition|send_file\(|spreadsheetml", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
