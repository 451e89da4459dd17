"""What a person does on the site, step by step, as the journeys share it: log in,
register with the unit search, answer a question, download a PDF. Everything goes
through the page as a user sees it (labels, button names), never through URLs built
from the app's internals."""
from __future__ import annotations

import io
import re

from playwright.sync_api import Page, Response, expect
from pypdf import PdfReader

from tests.e2e.site import PASSWORD

QUESTION_HEADING = re.compile(r"Câu (\d+)/(\d+)")
PASSWORD_LABEL = re.compile(r"^Mật khẩu( \*)?$")  # a required field's label ends in " *"


HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def htmx_idle(page: Page, also: str = "true") -> None:
    """htmx has nothing in flight and its new elements are wired (they answer events):
    what a person's next key or tap meets on a slow machine. `also`: a further JS
    condition."""
    page.wait_for_function(f"() => !document.querySelector('{HTMX_BUSY}') && ({also})")


def log_in(page: Page, login: str, password: str = PASSWORD) -> None:
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại").fill(login)
    page.get_by_label(PASSWORD_LABEL).fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def choose_unit(page: Page, typed: str, unit: str, *, javascript: bool) -> None:
    """The unit picker: as the person types (htmx) or with the «Tìm» button (no JS)."""
    search = page.get_by_label("Gõ tên đơn vị mới")
    if javascript:
        search.press_sequentially(typed, delay=40)
        # click, not check: the radio is replaced by the chosen unit as soon as htmx
        # has the answer, possibly before a check could see it checked.
        page.get_by_label(unit, exact=True).click()
    else:
        search.fill(typed)
        page.get_by_role("button", name="Tìm", exact=True).click()
        page.get_by_label(unit, exact=True).check()
        page.get_by_role("button", name="Chọn đơn vị này").click()
    # Chosen: the unit's residential groups, schools and agencies are offered next.
    expect(page.locator("#unit-results")).to_contain_text(unit)
    expect(page.get_by_label("Tổ dân phố, thôn, trường học hoặc cơ quan")).to_be_visible()


def fill_person(page: Page, *, full_name: str, phone: str, unit: str, javascript: bool,
                group: str = "Người dân") -> None:
    """Every registration field but the password, the consent and the button."""
    page.get_by_label("Họ và tên").fill(full_name)
    page.get_by_label("Ngày sinh").fill("05/03/1960")
    page.get_by_label("Nữ", exact=True).check()
    page.get_by_label("Số điện thoại di động").fill(phone)
    choose_unit(page, "gia", unit, javascript=javascript)  # several match
    page.get_by_label(group, exact=True).check()


REGISTER_ONLY = "Chỉ đăng ký, làm bài sau"
REGISTER_AND_START = "Đăng ký và bắt đầu làm bài"
LOG_IN_AND_START = "Đăng nhập và bắt đầu làm bài"


def register(page: Page, *, full_name: str, phone: str, unit: str, javascript: bool,
             start: bool = False) -> None:
    """From the landing page; with `start`, «Đăng ký và bắt đầu làm bài» (question 1 next)."""
    page.goto("/")
    page.get_by_role("link", name="Đăng ký dự thi").click()
    expect(page.get_by_role("heading", name="Đăng ký dự thi")).to_be_visible()
    fill_person(page, full_name=full_name, phone=phone, unit=unit, javascript=javascript)
    # Typed last: a page re-rendered by the no-JS unit picker never keeps passwords.
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_label("Tôi đã đọc thông báo trên").check()
    page.get_by_role("button", name=REGISTER_AND_START if start else REGISTER_ONLY).click()
    if start:
        expect(page.locator("#step .progress")).to_contain_text("Câu 1/")
    else:
        expect(page.get_by_text("Đăng ký thành công")).to_be_visible()


def start_attempt(page: Page) -> None:
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(page.locator("#step .progress")).to_contain_text("Câu 1/")


def position(page: Page) -> tuple[int, int]:
    """(current question, number of questions) read from the step's heading."""
    match = QUESTION_HEADING.search(page.locator("#step .progress").inner_text())
    assert match, page.locator("#step").inner_text()
    return int(match.group(1)), int(match.group(2))


def choices(page: Page):
    return page.locator("#step input[name=choice]")


def answer_and_go_on(page: Page, choice_index: int = 0) -> None:
    """Pick a choice of the question shown and press «Tiếp»."""
    choices(page).nth(choice_index).check()
    page.get_by_role("button", name="Tiếp", exact=True).click()


def predict_and_review(page: Page, figure: str = "95.000") -> None:
    expect(page.locator("#step .progress")).to_contain_text("Câu hỏi dự đoán")
    page.get_by_label("Theo bạn, khi Cuộc thi kết thúc").fill(figure)
    page.get_by_role("button", name="Lưu và xem lại bài").click()
    expect(page.get_by_role("heading", name="Xem lại trước khi nộp bài")).to_be_visible()


def finish(page: Page) -> None:
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.get_by_role("heading", name=re.compile("Kết quả lượt thi số"))).to_be_visible()


def pdf_from_link(page: Page, link_name: str) -> bytes:
    """Click a link to a PDF as a person does (the browser opens it), check what the
    server answered, and return the document's bytes fetched with the same cookies."""
    link = page.get_by_role("link", name=link_name).first
    with page.expect_response(lambda r: r.url.endswith(".pdf")) as answered:
        link.click()
    response: Response = answered.value
    assert response.status == 200, response.status
    assert response.headers["content-type"] == "application/pdf"
    fetched = page.context.request.get(response.url)
    assert fetched.status == 200
    body = fetched.body()
    assert body.startswith(b"%PDF-"), body[:20]
    return body


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(content)).pages)
