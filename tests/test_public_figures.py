"""Public figures: the ranking, the digital map, and the open data files."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
import time_machine

from cdso.extensions import db
from cdso.formatting import utcnow
from cdso.services.contest import public_ranking
from tests import factories


pytestmark = pytest.mark.usefixtures("fast_passwords")  # tests/conftest.py


@pytest.fixture
def figures(contest):
    """Gia Viên: 2 registered, 1 finished, population 4 (25%); Tứ Kỳ: 1 registered.
    Made ten minutes ago: public pages state figures as of the last whole minute."""
    earlier = utcnow() - dt.timedelta(minutes=10)
    gia_vien = factories.unit("Phường Gia Viên")
    gia_vien.adult_population = 4
    db.session.commit()
    with time_machine.travel(earlier.replace(tzinfo=dt.UTC), tick=False):
        an = factories.make_participant(contest, full_name="Nguyễn Văn An")
        factories.make_participant(contest, full_name="Trần Thị Bình")
        cuong = factories.make_participant(contest, unit_name="Xã Tứ Kỳ",
                                           full_name="Lê Văn Cường")
        factories.make_finished_attempt(contest, an, score=15, duration_seconds=500)
    return dict(an=an, cuong=cuong, earlier=earlier)


def test_individual_ranking_takes_each_persons_best_attempt(app, contest, figures):
    an, cuong, earlier = figures["an"], figures["cuong"], figures["earlier"]
    factories.make_finished_attempt(contest, an, score=18, duration_seconds=700,
                                    finished_at=earlier)
    factories.make_finished_attempt(contest, cuong, score=18, duration_seconds=600,
                                    finished_at=earlier)
    dung = factories.make_participant(contest, full_name="Phạm Văn Dũng")
    factories.make_finished_attempt(contest, dung, score=18, duration_seconds=600,
                                    finished_at=earlier - dt.timedelta(minutes=1))
    organiser = factories.make_participant(contest, full_name="Hoàng Văn Em")
    organiser.is_organiser = True
    db.session.commit()
    factories.make_finished_attempt(contest, organiser, score=20, finished_at=earlier)
    ranked = public_ranking.top_participants(contest.id, limit=10)
    # Same score and time: the earlier submission first; An once, with the best attempt.
    assert [(p.masked_name, p.score, p.duration_seconds) for p in ranked] == [
        ("Phạm V. D.", 18, 600), ("Lê V. C.", 18, 600), ("Nguyễn V. A.", 18, 700)]
    assert [p.place for p in ranked] == [1, 2, 3]
    assert ranked[1].unit_name == "Xã Tứ Kỳ"
    assert len(public_ranking.top_participants(contest.id, limit=2)) == 2


def test_ranking_page_units_by_participants_and_by_coverage(client, contest, figures):
    html = client.get("/bang-xep-hang").get_data(as_text=True)
    assert "Bảng xếp hạng" in html and "Số liệu tính đến" in html
    assert "Nguyễn V. A." in html and "Nguyễn Văn An" not in html
    rows = re.findall(r'<tr><td class="num">(\d+|—)</td><th scope="row">([^<]+)</th>', html)
    assert rows[:2] == [("1", "Phường Gia Viên"), ("2", "Xã Tứ Kỳ")]
    assert rows[2][0] == "3" and rows[-1][0] == "3"  # every unit with 0 shares third place
    partial = client.get("/bang-xep-hang?theo=ty-le", headers={"HX-Request": "true"})
    body = partial.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="ranking-units"') and "<html" not in body
    coverage_rows = re.findall(r'<td class="num">(\d+|—)</td><th scope="row">([^<]+)</th>', body)
    assert coverage_rows[0] == ("1", "Phường Gia Viên") and "25,0%" in body
    assert coverage_rows[1][0] == "—"  # unknown population: no place
    assert len(coverage_rows) == 114


def test_map_page_draws_units_and_keeps_the_same_data_as_a_table(client, contest, figures):
    response = client.get("/ban-do")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in html and "Đặc khu Bạch Long Vĩ" in html and "cách đất liền" in html
    assert html.count('<tr><th scope="row">') == 114
    assert "band-1" in html and "20% – dưới 40%" in html  # Gia Viên, 25%
    assert "band-unknown" in html and "Chưa rõ dân số" in html
    assert "style=" not in html.split("<svg")[0] and "<script>" not in html
    # The legend is HTML text under the picture (readable on a 360 px phone), not
    # shrunk inside the SVG; the table scrolls inside its own box.
    svg = html[html.index("<svg"):html.index("</svg>")]
    legend = html[html.index('<figcaption class="map-legend">'):html.index("</figcaption>")]
    assert "Tỉ lệ bao phủ" not in svg and "Tỉ lệ bao phủ" in legend
    assert legend.count('<span class="swatch band-') == 6 and "Từ 80% – đạt mục tiêu" in legend
    assert re.search(r"vòng lớn nhất [\d.]+ thí sinh", legend)
    assert '<div class="table-wrap map-table" tabindex="0" role="region"' in html


def test_open_data_geojson(client, contest, figures):
    response = client.get("/du-lieu/don-vi.geojson")
    assert response.mimetype == "application/geo+json"
    assert response.cache_control.public and response.cache_control.max_age == 300
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 114
    gia_vien = next(f for f in data["features"] if f["properties"]["name"] == "Phường Gia Viên")
    lon, lat = gia_vien["geometry"]["coordinates"]
    assert gia_vien["geometry"]["type"] == "Point" and 106 < lon < 108 and 20 < lat < 21.5
    props = gia_vien["properties"]
    assert (props["registered"], props["finished"], props["attempts"]) == (2, 1, 1)
    assert props["adult_population"] == 4 and props["coverage"] == 0.25
    assert props["kind"] == "phuong" and props["as_of"].endswith("+07:00")
    tu_ky = next(f for f in data["features"] if f["properties"]["name"] == "Xã Tứ Kỳ")
    assert tu_ky["properties"]["coverage"] is None


def test_open_data_csv(client, contest, figures):
    response = client.get("/du-lieu/don-vi.csv")
    assert response.mimetype == "text/csv" and response.cache_control.max_age == 300
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 114
    gia_vien = next(r for r in rows if r["name"] == "Phường Gia Viên")
    assert gia_vien["registered"] == "2" and gia_vien["coverage"] == "0.25"
    assert next(r for r in rows if r["name"] == "Xã Tứ Kỳ")["coverage"] == ""


def test_public_pages_without_a_contest(client):
    assert "Chưa có cuộc thi" in client.get("/bang-xep-hang").get_data(as_text=True)
    assert "Chưa có cuộc thi" in client.get("/ban-do").get_data(as_text=True)
    assert json.loads(client.get("/du-lieu/don-vi.geojson").data)["features"] == []
