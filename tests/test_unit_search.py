"""The unit search (services/units/search.py): every real way of typing in
tests/unit_queries.py offers its unit; the order (exact, prefix, one wrong letter; new
names before old ones); at most 8; bad input; the picker with and without JavaScript."""
from __future__ import annotations

import re

import pytest

from cdso.services.units import search
from cdso.services.units.search import search_units
from tests import factories
from tests.test_quiz_support import HTMX, browser, token
from tests.unit_queries import QUERIES

ISSUE_EXAMPLES = ("tu ki", "tú kì", "tuky", "huyen tu ky", "lechan", "ngoquyen",
                  "bach long vy", "cat ba", "lach tray")


def offered(typed: str) -> list[str]:
    return [choice.unit.name for choice in search_units(typed).choices]


def test_the_table_holds_real_queries_and_every_example_of_the_issue():
    typed = {q for q, _, _ in QUERIES}
    assert len(QUERIES) >= 40 and set(ISSUE_EXAMPLES) <= typed
    for needed in ("Thủy Nguyên", "Thuỷ Nguyên", "Hòa Bình", "Hoà Bình", "bach long vi",
                   "huyện Vĩnh Bảo", "quận Lê Chân", "thị xã Kinh Môn", "thị trấn Cát Bà",
                   "xã An Lão", "phường Hồng Bàng", "TP Thủy Nguyên", "P. Gia Viên",
                   "Lê Chân Hải Phòng", "ngo quyn", "cam giang"):
        assert needed in typed, needed


def test_every_query_of_the_table_offers_its_unit(app):
    wrong = []
    for typed, unit, first in QUERIES:
        names = offered(typed)
        if (names[:1] != [unit]) if first else (unit not in names):
            wrong.append((typed, unit, names))
    assert not wrong, "\n".join(f"{t!r} should offer {u}: {n}" for t, u, n in wrong)


def test_cam_giang_without_marks_offers_both_and_marks_put_the_right_one_first(app):
    assert set(offered("cam giang")[:2]) == {"Xã Cẩm Giang", "Xã Cẩm Giàng"}
    assert offered("Cẩm Giàng")[:2] == ["Xã Cẩm Giàng", "Xã Cẩm Giang"]
    assert offered("Cẩm Giang")[:2] == ["Xã Cẩm Giang", "Xã Cẩm Giàng"]


def test_exact_before_prefix_before_one_wrong_letter(app):
    # "Đồ Sơn" is exact, "Nam Đồ Sơn" only contains it.
    assert offered("do son")[:2] == ["Phường Đồ Sơn", "Phường Nam Đồ Sơn"]
    # Prefixes come in Vietnamese alphabetical order, the new names first.
    assert offered("an")[:4] == ["Phường An Biên", "Phường An Dương", "Phường An Hải",
                                 "Xã An Hưng"]
    # "vinh bao" is exact; one letter away from it nothing else comes first.
    assert offered("vinh baoo")[0] == "Xã Vĩnh Bảo"
    # Three letters a word are too short for a wrong letter: "tu ki" is not "Tân Kỳ".
    assert offered("tu ki") == ["Xã Tứ Kỳ"]


def test_an_old_name_says_which_old_unit_led_to_the_new_one(app):
    choices = search_units("cat ba").choices
    assert choices[0].unit.name == "Đặc khu Cát Hải"
    assert choices[0].via == "gồm Thị trấn Cát Bà cũ (huyện Cát Hải)"
    # An old commune split between two new ones leads to both, the main one first.
    split = search_units("Xã Phúc Điền").choices
    assert [c.unit.name for c in split[:2]] == ["Xã Mao Điền", "Xã Cẩm Giàng"]
    assert split[0].via == "gồm một phần Xã Phúc Điền cũ (huyện Cẩm Giàng, tỉnh Hải Dương)"
    # An old district typed with its prefix leads to every unit made from it.
    district = offered("huyện Tứ Kỳ")
    assert district[0] == "Xã Tứ Kỳ" and {"Xã Tân Kỳ", "Xã Đại Sơn"} <= set(district)


def test_never_more_than_eight_choices(app):
    for typed in ("a", "an", "x", "phường", "thi", "hai"):
        assert len(search_units(typed).choices) <= search.MAX_CHOICES


@pytest.mark.parametrize("typed, message", [
    ("Lê Chân " * 63, search.TOO_LONG),  # 504 characters
    ("?!.,;:-–()…", search.NO_LETTERS),
    ("   ", ""),
    ("qqqqzzzz", search.NOT_FOUND),
    ("phường", search.ONLY_TYPE),
    ("Xã", search.ONLY_TYPE),
    ("TP Hải Phòng", search.ONLY_TYPE),
    ("thành phố hải phòng", search.ONLY_TYPE),
])
def test_bad_queries_get_a_clear_message_and_no_choice(app, typed, message):
    found = search_units(typed)
    assert found.choices == [] and found.message == message


def test_a_near_miss_offers_the_closest_names(app):
    found = search_units("ngo quyeen xyz")
    assert found.message == search.CLOSE_ONLY
    assert "Phường Ngô Quyền" in [c.unit.name for c in found.choices]


def test_picker_with_htmx_offers_old_names_as_choices_to_tap(app, contest):
    client = browser(app)
    html = client.get("/dang-ky/don-vi", query_string={"unit_query": "cat ba",
                                                       "action": "search-unit"},
                      headers=HTMX).get_data(as_text=True)
    assert html.startswith('<div id="unit-results"')
    cat_hai = factories.unit("Đặc khu Cát Hải").id
    assert re.search(rf'<label class="check unit-choice"><input type="radio" '
                     rf'id="unit-{cat_hai}" name="unit_id" value="{cat_hai}"', html)
    assert "Đặc khu Cát Hải <small>gồm Thị trấn Cát Bà cũ (huyện Cát Hải)</small>" in html


def test_choosing_keeps_the_other_choices_and_checks_the_chosen(app, contest):
    client = browser(app)
    chosen = factories.unit("Xã Cẩm Giàng").id
    html = client.get("/dang-ky/don-vi", query_string={
        "unit_query": "cam giang", "unit_id": chosen, "action": "choose-unit"},
        headers=HTMX).get_data(as_text=True)
    radios = re.findall(r'name="unit_id" value="(\d+)"( checked)?', html)
    assert len(radios) == 2 and (str(chosen), " checked") in radios
    assert "Đơn vị đã chọn: <strong>Xã Cẩm Giàng</strong>" in html
    assert 'type="hidden" name="unit_id"' not in html  # never a second value


def test_picker_without_javascript_is_a_results_page(app, contest):
    client = browser(app)
    response = client.post("/dang-ky", data={
        "csrf_token": token(client, "/dang-ky"), "full_name": "Trần Văn Bình",
        "phone": "0912345678", "unit_query": "tuky", "action": "search-unit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" in html
    assert f'value="{factories.unit("Xã Tứ Kỳ").id}"' in html
    assert 'value="tuky"' in html and 'value="Trần Văn Bình"' in html
    assert 'value="choose-unit"' in html  # the button that confirms the choice


@pytest.mark.parametrize("typed, message", [
    ("x" * 500, "Tên bạn gõ dài quá 100 ký tự"),
    ("!!! ???", "Xin gõ tên xã, phường hoặc đặc khu bằng chữ"),
])
def test_picker_says_what_is_wrong_with_a_bad_query_and_keeps_it(app, contest, typed, message):
    client = browser(app)
    for with_js in (True, False):
        html = client.get("/dang-ky/don-vi", query_string={"unit_query": typed,
                                                           "action": "search-unit"},
                          headers=HTMX if with_js else {}).get_data(as_text=True)
        assert message in html and 'name="unit_id"' not in html
        if not with_js:
            assert f'value="{typed}"' in html.replace("&#34;", '"').replace("&#39;", "'")
