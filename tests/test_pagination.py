"""The one pagination: `?trang=` read the same way everywhere; pages of a query and of a list."""
from __future__ import annotations

from sqlalchemy import select

from cdso.models import Unit
from cdso.web.pagination import page_number, paginate, paginate_list


def test_odd_page_numbers_mean_the_first_page(app):
    for raw, expected in [("3", 3), ("0", 1), ("-2", 1), ("abc", 1), ("", 1), ("99999999", 1)]:
        with app.test_request_context(f"/?trang={raw}"):
            assert page_number() == expected, raw


def test_a_query_page_knows_whether_more_follow_without_counting(app):
    query = select(Unit).order_by(Unit.code)
    first = paginate(query, 1, 50)
    last = paginate(query, 3, 50)
    assert len(first.items) == 50 and first.has_next and not first.has_previous
    assert len(last.items) == 14 and not last.has_next and last.has_previous
    assert last.first_index == 100


def test_a_list_page_past_the_end_shows_the_last_page():
    page = paginate_list(list(range(120)), 9, 50)
    assert (page.number, page.pages, page.items[0], page.has_next) == (3, 3, 100, False)
