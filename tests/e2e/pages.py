"""The main pages as each kind of person meets them, for the screenshots and the
accessibility checks: who is signed in (an attribute of site.People, or nobody) and
where the page is."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Page

from tests.e2e.site import People

PHONE = {"width": 360, "height": 640}  # a cheap Android phone's screen, in CSS pixels

@dataclass(frozen=True)
class MainPage:
    name: str                      # also the screenshot's file name
    who: str | None                # None: a visitor
    where: str | Callable[[People], str]

    def path(self, people: People) -> str:
        return self.where if isinstance(self.where, str) else self.where(people)


def _question(people: People) -> str:
    return f"/thi/{people.midway_attempt_id}/cau/6"


MAIN_PAGES = [
    MainPage("01-trang-chu", None, "/"),
    MainPage("02-dang-ky", None, "/dang-ky"),
    MainPage("03-dang-nhap", None, "/dang-nhap"),
    MainPage("04-the-le", None, "/the-le"),
    MainPage("05-bang-xep-hang", None, "/bang-xep-hang"),
    MainPage("06-ban-do", None, "/ban-do"),
    MainPage("07-xac-minh", None, lambda p: f"/xac-minh/{p.certificate_code}"),
    MainPage("08-bai-thi", "resident_midway", "/thi"),
    MainPage("09-cau-hoi", "resident_midway", _question),
    MainPage("10-du-doan", "resident_midway", lambda p: f"/thi/{p.midway_attempt_id}/du-doan"),
    MainPage("11-xem-lai", "resident_midway", lambda p: f"/thi/{p.midway_attempt_id}/xem-lai"),
    MainPage("12-ket-qua-luot-thi", "resident_done",
             lambda p: f"/thi/{p.done_attempt_id}/ket-qua"),
    MainPage("13-ket-qua", "resident_done", "/ket-qua"),
    MainPage("14-tai-khoan", "resident_done", "/tai-khoan"),
    MainPage("15-so-lieu-xa-phuong", "clerk", "/quan-tri/so-lieu"),
    MainPage("16-cong-van-moi", "clerk", "/quan-tri/cong-van/moi"),
    MainPage("17-ho-tro", "team_member", "/ho-tro/"),
    MainPage("18-dang-ky-ho", "team_member", "/ho-tro/dang-ky"),
    MainPage("19-so-lieu-thanh-pho", "admin", "/quan-tri/so-lieu"),
    MainPage("20-kien-thuc-xa-phuong", "clerk", "/quan-tri/kien-thuc"),
    MainPage("21-kien-thuc-thanh-pho", "admin", "/quan-tri/kien-thuc"),
    MainPage("22-thong-ke-cau-hoi", "admin", "/quan-tri/cau-hoi/thong-ke"),
]


def visit_all(new_context: Callable[..., BrowserContext], signed_in: Callable[[str], dict],
              people: People, init_script: Path | None = None,
              **options) -> Iterator[tuple[MainPage, Page]]:
    """Open every main page, one browser context per kind of person (with `init_script`
    run in every page before its own scripts); each page answered 200 and finished
    loading when it is yielded."""
    pages: dict[str | None, Page] = {}
    for main in MAIN_PAGES:
        if main.who not in pages:
            state = signed_in(main.who) if main.who else None
            context = new_context(storage_state=state, **options)
            if init_script:
                context.add_init_script(path=init_script)
            pages[main.who] = context.new_page()
        page = pages[main.who]
        path = main.path(people)
        response = page.goto(path)
        assert response is not None and response.status == 200, (main.name, page.url)
        assert page.url.endswith(path), (main.name, path, page.url)  # no redirect elsewhere
        yield main, page
