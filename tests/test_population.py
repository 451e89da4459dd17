"""Adult population per unit: typed or imported, checked in full, all or nothing."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from cdso.extensions import db
from cdso.models import AuditLog, Role, Unit
from cdso.services.imports.errors import TableError
from cdso.services.units import population
from tests import factories


pytestmark = pytest.mark.usefixtures("fast_passwords")


sign_in = factories.sign_in


def token(client) -> str:
    return factories.csrf_token(client, "/quan-tri/dan-so")


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Dân số trưởng thành theo xã, phường, đặc khu"])
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Dân số trưởng thành"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def populations() -> dict[str, int | None]:
    return dict(db.session.execute(select(Unit.name, Unit.adult_population)).all())


def test_clean_population_refuses_what_cannot_be_right(app):
    gia_vien = factories.unit("Phường Gia Viên")
    assert population.clean_population("25.400", gia_vien) == 25400
    assert population.clean_population(" 25 400 ", gia_vien) == 25400
    assert population.clean_population(31000.0, gia_vien) == 31000
    assert population.clean_population("", gia_vien) is None
    for raw, message in (("-5", "âm"), ("0", "lớn hơn 0"), ("abc", "số nguyên"),
                         (12.5, "số nguyên"), ("2000000", "1.000.000")):
        with pytest.raises(population.Invalid, match=message):
            population.clean_population(raw, gia_vien)
    blv = factories.unit("Đặc khu Bạch Long Vĩ")
    limit = population.absurd_limit(blv)
    assert limit < population.MAX_POPULATION
    with pytest.raises(population.Invalid, match="lớn bất thường"):
        population.clean_population(str(limit + 1), blv)


def test_import_is_all_or_nothing_with_a_row_by_row_report(app):
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    blv = factories.unit("Đặc khu Bạch Long Vĩ")
    content = xlsx([
        [None, "Phường Việt Hòa", 30000],           # tone mark elsewhere: still found
        [None, "Phường Gia Vien X", 20000],         # unknown: suggestions
        [None, "Xã Tứ Kỳ", -3],                     # negative
        [blv.code, "Đặc khu Bạch Long Vĩ", 900000],  # absurd for 3 km²
        [None, "Phường Việt Hoà", 31000],           # the same unit twice
        [None, "Xã Tân Kỳ", None],                  # blank: left as it is
    ])
    report = population.read_import(admin, "dan-so.xlsx", content)
    assert not report.ok
    errors = {e.row: " ".join(e.messages) for e in report.errors}
    assert set(errors) == {4, 5, 6, 7}
    assert "Không tìm thấy" in errors[4] and "Phường Gia Viên" in errors[4]
    assert "âm" in errors[5] and "lớn bất thường" in errors[6] and "trùng với dòng 3" in errors[7]
    assert all(v is None for v in populations().values())  # nothing written

    good = population.read_import(admin, "dan-so.xlsx", xlsx([[None, "viet hoa", 30000],
                                               [blv.code, None, "1.200"]]))
    assert good.ok
    population.apply(admin, good.values, "import:test.xlsx")
    db.session.commit()
    after = populations()
    assert after["Đặc khu Bạch Long Vĩ"] == 1200
    assert after["Phường Việt Hòa"] == 30000
    log = db.session.scalar(select(AuditLog).where(AuditLog.action == "population.update"))
    assert log.actor_id == admin.id and log.detail["changes"][blv.code] == [None, 1200]


def test_import_rejects_other_units_for_a_clerk_and_bad_files(app):
    clerk = factories.make_official(Role.CLERK)
    report = population.read_import(clerk, "ds.xlsx", xlsx([[None, "Phường Gia Viên", 30000],
                                                             [None, "Xã Tứ Kỳ", 20000]]))
    assert [(e.row, e.messages) for e in report.errors] == [
        (4, ["Xã Tứ Kỳ ngoài phạm vi tài khoản của bạn."])]
    with pytest.raises(TableError, match="Không đọc được tệp Excel"):
        population.read_import(clerk, "ds.xlsx", b"not a workbook")
    with pytest.raises(TableError, match="Tệp không có dòng nào ghi dân số."):
        population.read_import(clerk, "ds.xlsx", xlsx([]))
    no_header = Workbook()
    no_header.active.append(["Tên", "Số"])
    out = io.BytesIO()
    no_header.save(out)
    with pytest.raises(TableError, match="dòng tiêu đề"):
        population.read_import(clerk, "ds.xlsx", out.getvalue())


def test_clerk_enters_own_units_population_on_the_page(client, contest):
    clerk = factories.make_official(Role.CLERK)
    gia_vien = factories.unit()
    sign_in(client, clerk)
    page = client.get("/quan-tri/dan-so").get_data(as_text=True)
    assert "Phường Gia Viên" in page and "Xã Tứ Kỳ" not in page
    response = client.post("/quan-tri/dan-so", data={
        "csrf_token": token(client), f"dan-so-{gia_vien.id}": "-20"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "không thể là số âm" in html and 'value="-20"' in html
    assert populations()["Phường Gia Viên"] is None
    response = client.post("/quan-tri/dan-so", data={
        "csrf_token": token(client), f"dan-so-{gia_vien.id}": "32.150"})
    assert response.status_code == 303
    assert populations()["Phường Gia Viên"] == 32150
    assert "32.150" in client.get("/quan-tri/dan-so").get_data(as_text=True)
    tu_ky = factories.unit("Xã Tứ Kỳ")
    forged = client.post("/quan-tri/dan-so", data={
        "csrf_token": token(client), f"dan-so-{tu_ky.id}": "1000"})
    assert forged.status_code == 404 and populations()["Xã Tứ Kỳ"] is None


def test_admin_form_keeps_every_value_when_one_is_wrong(client, contest):
    sign_in(client, factories.make_official(Role.ADMIN, unit_name=None))
    gia_vien, tu_ky = factories.unit(), factories.unit("Xã Tứ Kỳ")
    response = client.post("/quan-tri/dan-so", data={
        "csrf_token": token(client), f"dan-so-{gia_vien.id}": "30000",
        f"dan-so-{tu_ky.id}": "hai mươi nghìn"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="population-form"')
    assert 'value="30000"' in html and "phải là số nguyên" in html
    assert populations()["Phường Gia Viên"] is None
    ok = client.post("/quan-tri/dan-so", data={
        "csrf_token": token(client), f"dan-so-{gia_vien.id}": "30000"},
        headers={"HX-Request": "true"})
    assert ok.status_code == 204 and ok.headers["HX-Redirect"] == "/quan-tri/dan-so"


def test_template_download_and_import_through_the_page(client, contest):
    sign_in(client, factories.make_official(Role.ADMIN, unit_name=None))
    template = client.get("/quan-tri/dan-so/mau.xlsx")
    assert template.headers["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(template.data)).active
    assert [c.value for c in sheet[2]] == ["Mã đơn vị", "Tên đơn vị", "Dân số trưởng thành"]
    assert sheet.max_row == 2 + 114
    bad = client.post("/quan-tri/dan-so/nhap", data={
        "csrf_token": token(client), "tep": (io.BytesIO(xlsx([[None, "Xã Không Có", 5]])),
                                             "dan-so.xlsx")})
    assert "Dòng 3" in bad.get_data(as_text=True) and "Không tìm thấy" in bad.get_data(True)
    good = client.post("/quan-tri/dan-so/nhap", data={
        "csrf_token": token(client), "tep": (io.BytesIO(xlsx([[None, "Xã Tứ Kỳ", 41000]])),
                                             "dan-so.xlsx")})
    assert good.status_code == 303 and populations()["Xã Tứ Kỳ"] == 41000


def test_team_member_and_reporter_cannot_reach_population(client, contest):
    for role in (Role.TEAM_MEMBER, Role.REPORTER):
        sign_in(client, factories.make_official(role))
        assert client.get("/quan-tri/dan-so").status_code == 404
        assert client.get("/quan-tri/dan-so/mau.xlsx").status_code == 404


def test_seed_demo_without_participants_gives_plausible_populations_marked_demo(client,
                                                                                runner):
    result = runner.invoke(args=["cdso", "seed-demo", "--participants", "0"])
    assert result.exit_code == 0, result.output
    units = db.session.scalars(select(Unit)).all()
    values = [u.adult_population for u in units]
    assert len(units) == 114 and all(u.population_is_demo for u in units)
    assert len(set(values)) > 100 and min(values) >= 500  # not every unit at 40
    assert 2_000_000 <= sum(values) <= 4_000_000  # Hải Phòng: 4.6 million people
    assert all(v <= population.absurd_limit(u) for u, v in zip(units, values, strict=True))
    by_name = {u.name: u.adult_population for u in units}
    assert by_name["Đặc khu Bạch Long Vĩ"] < 2_000 < 10_000 < by_name["Phường Gia Viên"]

    clerk = factories.make_official(Role.CLERK)
    sign_in(client, clerk)
    page = client.get("/quan-tri/dan-so").get_data(as_text=True)
    assert "1 đơn vị đang dùng dân số mẫu" in page and "số liệu mẫu" in page
    gia_vien = factories.unit()
    assert client.post("/quan-tri/dan-so", data={
        "csrf_token": token(client), f"dan-so-{gia_vien.id}": "32.150"}).status_code == 303
    db.session.expire_all()
    assert not factories.unit().population_is_demo and factories.unit().adult_population == 32150
    assert "dân số mẫu" not in client.get("/quan-tri/dan-so").get_data(as_text=True)
    assert db.session.get(Unit, factories.unit("Xã Tứ Kỳ").id).population_is_demo
