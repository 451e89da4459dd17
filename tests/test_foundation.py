"""The foundation: units, lookup, old addresses, landing page, health, errors, headers."""
from __future__ import annotations

import gzip
import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from cdso.extensions import db
from cdso.models import Unit
from cdso.services.units import catalogue as units


def test_the_city_has_114_units_with_coordinates(app):
    all_units = db.session.scalars(select(Unit)).all()
    assert len(all_units) == 114
    assert Counter(u.kind for u in all_units) == {"phuong": 45, "xa": 67, "dac_khu": 2}
    assert all(u.lat and u.lon for u in all_units)
    # Every unit of vietnam-provinces found its coordinates in vietnamadminunits.
    assert all(20.0 < u.lat < 21.5 and 105.9 < u.lon < 108.0 for u in all_units)
    blv = db.session.scalar(select(Unit).where(Unit.name == "Đặc khu Bạch Long Vĩ"))
    assert blv.lon > 107.5


@pytest.mark.parametrize("typed", ["Phường Việt Hoà", "P. Việt Hòa", "viet hoa", "VIỆT HOÀ",
                                   "phuong viet hoa", "  Việt   Hòa "])
def test_lookup_folds_tone_marks_case_prefixes(app, typed):
    result = units.lookup(typed)
    assert result.unit is not None, result.message
    assert result.unit.name in ("Phường Việt Hoà", "Phường Việt Hòa")


def test_lookup_keeps_cam_giang_and_cam_giang_apart(app):
    giang = units.lookup("Cẩm Giang").unit
    giang_huyen = units.lookup("Cẩm Giàng").unit
    assert giang and giang_huyen and giang.id != giang_huyen.id
    ambiguous = units.lookup("cam giang")
    assert ambiguous.unit is None
    assert {c.name for c in ambiguous.candidates} == {"Xã Cẩm Giang", "Xã Cẩm Giàng"}
    assert "Có nhiều đơn vị trùng tên" in ambiguous.message


def test_lookup_thuy_spellings(app):
    a = units.lookup("Phường Thuỷ Nguyên").unit
    b = units.lookup("Thủy Nguyên").unit
    assert a is not None and a == b


def test_unknown_unit_gets_suggestions(app):
    result = units.lookup("Gia Vien X")
    assert result.unit is None
    assert "Không tìm thấy" in result.message
    assert any(s.name == "Phường Gia Viên" for s in result.suggestions)
    assert units.lookup("").unit is None


def test_old_address_converts_to_new_unit(app):
    result = units.convert_old_address("Phường Lạch Tray", "Quận Ngô Quyền")
    assert result.unit is not None and result.unit.name == "Phường Gia Viên"
    from_hai_duong = units.convert_old_address("Xã Phúc Điền", "Huyện Cẩm Giàng")
    assert from_hai_duong.unit is not None and from_hai_duong.unit.name == "Xã Mao Điền"


def test_old_address_refuses_a_loose_guess(app):
    # The converter would guess "Phúc Điền" for this commune that does not exist.
    result = units.convert_old_address("Xã Cẩm Điền Mới", "Huyện Cẩm Giàng")
    assert result.unit is None and "Không tìm thấy địa chỉ cũ" in result.message
    assert units.convert_old_address("", "").unit is None


def test_landing_page_shows_contest_counters_and_ways_in(client, contest):
    from tests import factories
    factories.make_participant(contest)
    html = client.get("/").get_data(as_text=True)
    assert "Công dân số Hải Phòng - sử dụng thông minh, sống an toàn" in html
    assert "Đăng ký dự thi" in html and "/dang-nhap" in html
    assert re.search(r"<strong>1</strong><span>thí sinh đăng ký", html)
    assert 'lang="vi"' in html and "width=device-width" in html
    assert "<script>" not in html  # no inline script: CSP forbids it


def test_landing_without_contest(client):
    assert "Chưa có cuộc thi" in client.get("/").get_data(as_text=True)


def test_rules_page_renders_settings_in_vietnamese(client, contest):
    html = client.get("/the-le").get_data(as_text=True)
    assert "20 câu trắc nghiệm" in html and "Tối đa 3 lượt" in html and "Tuần 1" in html


def test_security_headers_and_compression(client, contest):
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp and response.headers["X-Frame-Options"] == "DENY"
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Công dân số" in gzip.decompress(response.data).decode()


def test_refusals_are_compressed_too_and_keep_their_status(client, contest):
    """A form sent back with its errors is a whole page on a 3G phone."""
    page = client.get("/dang-ky").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post("/dang-ky", headers={"Accept-Encoding": "gzip"},
                          data={"csrf_token": token, "full_name": "Nguyễn Thị Gõ Sai"})
    assert refused.status_code == 422 and refused.headers["Content-Encoding"] == "gzip"
    assert 'value="Nguyễn Thị Gõ Sai"' in gzip.decompress(refused.data).decode()
    missing = client.get("/khong-co-trang-nay", headers={"Accept-Encoding": "gzip"})
    assert missing.status_code == 404 and missing.headers["Content-Encoding"] == "gzip"
    plain = client.get("/khong-co-trang-nay")
    assert plain.status_code == 404 and "Content-Encoding" not in plain.headers


def test_static_assets_are_fingerprinted_and_cached_a_year(client, contest):
    html = client.get("/").get_data(as_text=True)
    src = re.search(r'src="(/s/[0-9a-f]{10}/vendor/htmx-[\d.]+\.min\.js)"', html).group(1)
    response = client.get(src)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert client.get("/s/0000000000/css/nope.css").status_code == 404


def test_healthz(client, app, monkeypatch):
    assert client.get("/healthz").status_code == 200
    from sqlalchemy.exc import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("down"))
    monkeypatch.setattr(db.session, "execute", broken)
    assert client.get("/healthz").status_code == 503


@pytest.mark.parametrize("status", [404])
def test_error_pages_are_vietnamese(client, status):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == status
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_error_page_as_htmx_partial(client):
    response = client.get("/khong-co", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and 'id="error"' in html and "<html" not in html


def test_cli_init_is_idempotent_and_seed_demo(runner, app):
    result = runner.invoke(args=["cdso", "init"])
    assert result.exit_code == 0, result.output
    assert "0 mới, 114 tất cả" in result.output
    result = runner.invoke(args=["cdso", "seed-demo", "--participants", "300"])
    assert result.exit_code == 0, result.output
    from cdso.models import Registration
    assert db.session.scalar(select(func.count(Registration.id))) == 300
    result = runner.invoke(args=["cdso", "create-admin", "--login", "so-khcn"])
    assert "so-khcn / mật khẩu:" in result.output


def test_unreachable_database_gives_one_clear_line():
    from cdso import create_app
    from cdso.web.startup import check_database
    app = create_app({"SQLALCHEMY_DATABASE_URI":
                      "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"})
    problem = check_database(app)
    assert problem and "DATABASE_URL" in problem and "\n" not in problem


def test_models_and_migrations_describe_the_same_schema(app):
    """What the models declare is what the migrations build (alembic's autogenerate
    finds nothing to do), on each database."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
