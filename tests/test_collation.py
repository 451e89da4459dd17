"""Names in Vietnamese order (ICU's vi collation): a ă â b c d đ e ê …, tones a
secondary difference; in the lists people read: the units of the dashboard and of the
documents' appendix, ties in the documents' top 10, organisation pickers, the
participants export."""
from __future__ import annotations

import datetime as dt

import time_machine

from cdso.auth.forms import organisations_of
from cdso.extensions import db
from cdso.formatting import by_name, sort_key
from cdso.models import Role, Unit
from cdso.services.documents import figures as document_figures
from cdso.services.exports import files as exports
from cdso.services.figures import dashboard
from tests import factories


def test_vietnamese_alphabet_and_tones():
    shuffled = ["Đồ Sơn", "Ân Thi", "Dương Kinh", "Bác", "Ăn Xuân", "An Biên", "Bà", "Ba",
                "Hồng Bàng", "Hòa Bình", "Hoà Bình", "Hong Kỳ", "Ê Đê", "Em", "Ấp Mới"]
    assert by_name(shuffled) == ["An Biên", "Ăn Xuân", "Ân Thi", "Ấp Mới", "Ba", "Bà", "Bác",
                                 "Dương Kinh", "Đồ Sơn", "Em", "Ê Đê", "Hoà Bình",
                                 "Hòa Bình", "Hong Kỳ", "Hồng Bàng"]
    # the same text in decomposed form (as some keyboards type it) sorts the same
    assert sort_key("Đồ Sơn") == sort_key("Đồ Sơn")


def test_units_in_vietnamese_order_on_the_dashboard_and_in_the_appendix(app):
    contest = factories.make_contest()
    _city, rows = dashboard.unit_rows(contest.id, dt.datetime(2030, 1, 1))
    shorts = [db.session.get(Unit, row.id).short_name for row in rows]
    assert len(shorts) == 114 and shorts == by_name(shorts)
    assert shorts.index("Dương Kinh") < shorts.index("Đồ Sơn") < shorts.index("Đông Hải")
    assert shorts[-1].startswith("Y")  # Đ is no longer among the D's nor at the end
    snapshot = document_figures.take_snapshot(contest, None, dt.datetime(2030, 1, 1), None)
    kinds = {}
    for row in snapshot["units"]:
        kinds.setdefault(row["kind"], []).append(row["short_name"])
    for names in kinds.values():  # the appendix: by kind, then by name
        assert names == by_name(names)
    tied = [{"kind": "phuong", "short_name": n, "registered": 5} for n in
            ("Đông Hải", "Dương Kinh", "Ân Lạc", "An Biên")]
    assert [r["short_name"] for r in document_figures.ranked(tied)] == [
        "An Biên", "Ân Lạc", "Dương Kinh", "Đông Hải"]


def test_organisation_picker_in_vietnamese_order(app):
    gia_vien = factories.unit()
    for name in ("Trường THCS Đằng Lâm", "Trường THCS Dư Hàng", "Tổ dân phố Ấp Mới",
                 "Tổ dân phố An Dương"):
        factories.organisation(gia_vien, name=name)
    assert [name for _id, name in organisations_of(gia_vien.id)] == [
        "Tổ dân phố An Dương", "Tổ dân phố Ấp Mới", "Trường THCS Dư Hàng",
        "Trường THCS Đằng Lâm"]


def test_participants_rows_list_units_in_vietnamese_order(app, fast_passwords):
    with time_machine.travel(dt.datetime(2025, 10, 21, 8), tick=False):
        contest = factories.make_contest()
        for unit_name in ("Phường Đồ Sơn", "Phường Dương Kinh", "Xã An Hưng", "Phường An Biên"):
            factories.make_participant(contest, unit_name=unit_name, full_name="Vũ Văn Nam")
    admin = factories.make_official(Role.ADMIN, unit_name=None)
    rows = exports.participants_rows(admin, contest.id, dt.datetime(2025, 10, 22, 8))
    assert [row.unit_name for row in rows] == ["Phường An Biên", "Phường Dương Kinh",
                                               "Phường Đồ Sơn", "Xã An Hưng"]
