"""A resident on a small, slow phone (issue 16): no wasted hops on the way to question 1,
a lean answer step, question, choices and «Tiếp» on one 360x640 screen, tap targets of
at least 44x44 CSS px, and a failed step's message beside «Tiếp», inside the screen."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e import steps
from tests.e2e.pages import MAIN_PAGES, PHONE

STEP_BUDGET = 1_200        # one answer step on the wire, headers included (issue 16)
STEP_HEADERS_BUDGET = 420  # of which the response headers (gunicorn's own included)
TAP = 44                   # CSS px, both ways (WCAG 2.5.5)
RESIDENT_PAGES = [m for m in MAIN_PAGES if m.who is None or m.who.startswith("resident")]

# The longest question and choices the bank takes on a phone: 200 and 60 characters.
LONGEST = """() => {
  const words = "Khi nhận được tin nhắn báo trúng thưởng kèm đường link lạ yêu cầu đăng nhập "
    + "tài khoản ngân hàng để nhận quà, bạn nên làm gì để bảo vệ tài khoản và thông tin "
    + "cá nhân của mình được an toàn trên mạng xã hội và ứng dụng?";
  document.querySelector("#step legend").textContent = words.slice(0, 200);
  document.querySelectorAll("#step .choices label").forEach((label, i) => {
    label.lastChild.textContent = (" Phương án " + (i + 1) + ": bấm vào đường link lạ và làm "
      + "theo hướng dẫn ngay lập tức").slice(0, 61);
  });
  return [document.querySelector("#step legend").textContent.length,
          ...[...document.querySelectorAll("#step .choices label")].map(l => l.textContent.trim().length)];
}"""
# Every tap target shown, with its box; a link inside a sentence is exempt (WCAG 2.5.8).
SMALL_TARGETS = """(tap) => {
  const inSentence = (a) => {
    const block = a.parentElement.closest("p, li, td, dd, small, div");
    return getComputedStyle(a).display === "inline" && block
      && block.textContent.trim().length > a.textContent.trim().length + 2;
  };
  const selector = "a[href], button, summary, select, textarea, input:not([type=hidden])"
    + ":not([type=radio]):not([type=checkbox]), label:has(input[type=radio]), "
    + "label:has(input[type=checkbox])";
  return [...document.querySelectorAll(selector)].filter(el => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || box.right < 0 || el.closest(".offscreen")) return false;
    if (el.matches("a") && inSentence(el)) return false;
    return box.width < tap - 0.5 || box.height < tap - 0.5;
  }).map(el => el.tagName.toLowerCase() + " «" + el.textContent.trim().slice(0, 30) + "» "
         + Math.round(el.getBoundingClientRect().width) + "x"
         + Math.round(el.getBoundingClientRect().height));
}"""


def _no_hops(responses) -> list[str]:
    return [f"{r.status} {r.url}" for r in responses
            if r.status == 204 or "hx-redirect" in r.headers]


def test_register_and_start_answers_with_question_1_itself(page, site):
    """One tap from the form to question 1: the POST's answer is the question's page
    (htmx swaps it in and pushes its URL), not 204 + HX-Redirect and another load."""
    answers = []
    page.on("response", lambda r: answers.append(r) if r.request.method == "POST" else None)
    steps.register(page, full_name="Đào Thị Một Chạm", phone="0904 000 161",
                   unit=site.people.unit_name, javascript=True, start=True)
    expect(page).to_have_url(re.compile(r"/thi/\d+/cau/1$"))
    posted = [r for r in answers if r.url.endswith("/dang-ky")][-1]
    assert posted.status == 200 and re.search(r"/thi/\d+/cau/1$", posted.headers["hx-push-url"])
    assert not _no_hops(answers), _no_hops(answers)


def test_login_and_start_answer_with_the_next_page_itself(page, site):
    """A returning resident: the login's answer is /thi, the start's is question 1."""
    answers = []
    page.on("response", lambda r: answers.append(r) if r.request.method == "POST" else None)
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại").fill(site.people.resident_fresh)
    page.get_by_label(steps.PASSWORD_LABEL).fill(steps.PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page).to_have_url(re.compile(r"/thi$"))
    steps.start_attempt(page)
    expect(page).to_have_url(re.compile(r"/thi/\d+/cau/\d+$"))
    assert [r.status for r in answers] == [200, 200], [(r.status, r.url) for r in answers]
    assert not _no_hops(answers), _no_hops(answers)


def test_log_in_and_start_answers_with_the_question_itself(page, site):
    """«Đăng nhập và bắt đầu làm bài»: one POST from the login form to the question,
    answered with the question's page itself (no /thi in between, no 204 + HX-Redirect)."""
    answers = []
    page.on("response", lambda r: answers.append(r) if r.request.method == "POST" else None)
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại").fill(site.people.resident_quick)
    page.get_by_label(steps.PASSWORD_LABEL).fill(steps.PASSWORD)
    page.get_by_role("button", name=steps.LOG_IN_AND_START).click()
    expect(page.locator("#step .progress")).to_contain_text("Câu 1/")
    expect(page).to_have_url(re.compile(r"/thi/\d+/cau/1$"))
    assert [(r.status, r.url.rsplit("/", 1)[-1]) for r in answers] == [(200, "dang-nhap")], \
        [(r.status, r.url) for r in answers]
    assert not _no_hops(answers), _no_hops(answers)


def test_an_answer_step_stays_within_its_byte_budget(new_context, signed_in, site):
    page = new_context(storage_state=signed_in("resident_midway")).new_page()
    page.goto(f"/thi/{site.people.midway_attempt_id}/cau/6")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        steps.answer_and_go_on(page, 0)
    response = answered.value
    sizes = response.request.sizes()
    headers = response.headers
    assert response.status == 200 and "hx-redirect" not in headers
    # Document-only headers and an unchanged cookie are not sent with a fragment.
    assert not {"content-security-policy", "x-frame-options", "permissions-policy",
                "set-cookie"} & set(headers), headers
    assert sizes["responseHeadersSize"] <= STEP_HEADERS_BUDGET, headers
    assert sizes["responseHeadersSize"] + sizes["responseBodySize"] <= STEP_BUDGET, sizes
    expect(page.locator("#step .progress")).to_contain_text("Câu 7/")


def _question_fits(page, *, everything: bool) -> None:
    lengths = page.evaluate(LONGEST)
    assert lengths[0] == 200 and all(55 <= n <= 60 for n in lengths[1:]), lengths
    page.evaluate("window.scrollTo(0, 0)")
    shown = [page.locator("#step legend"), *page.locator("#step .choices label").all(),
             page.get_by_role("button", name="Tiếp", exact=True)]
    if not everything:
        shown = shown[-1:]
    for element in shown:
        box = element.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], \
            (element, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_question_choices_and_next_fit_a_360x640_screen(new_context, signed_in, site,
                                                          screens):
    page = new_context(storage_state=signed_in("resident_midway")).new_page()
    page.goto(f"/thi/{site.people.midway_attempt_id}/cau/6")
    _question_fits(page, everything=True)
    page.screenshot(path=screens / "phone-cau-hoi-dai.png")


def test_at_125_percent_text_next_stays_in_view(new_context, signed_in, site, screens):
    context = new_context(storage_state=signed_in("resident_midway"))
    context.add_cookies([{"name": "chu", "value": "125", "url": site.base_url}])
    page = context.new_page()
    page.goto(f"/thi/{site.people.midway_attempt_id}/cau/6")
    expect(page.locator("html")).to_have_class("chu-125")
    _question_fits(page, everything=False)
    page.screenshot(path=screens / "phone-cau-hoi-chu-125.png")


def test_tap_targets_on_resident_pages_are_at_least_44_px(new_context, signed_in, site):
    small = {}
    for main in RESIDENT_PAGES:
        context = new_context(storage_state=signed_in(main.who) if main.who else None)
        page = context.new_page()
        page.goto(main.path(site.people))
        found = page.evaluate(SMALL_TARGETS, TAP)
        if found:
            small[main.name] = found
        context.close()
    assert not small, small


def test_an_offline_step_says_so_beside_next_and_keeps_the_choice(new_context, signed_in,
                                                                   site):
    context = new_context(storage_state=signed_in("resident_midway"))
    page = context.new_page()
    page.goto(f"/thi/{site.people.midway_attempt_id}/cau/6")
    steps.choices(page).nth(1).check()
    context.set_offline(True)
    try:
        page.get_by_role("button", name="Tiếp", exact=True).click()
        note = page.locator("#step .step-note")
        expect(note).to_contain_text("Mất kết nối mạng")
        expect(note).to_have_attribute("role", "alert")  # a live region, read out at once
        expect(note).to_be_in_viewport()
        expect(page.get_by_role("button", name="Tiếp", exact=True)).to_be_in_viewport()
        expect(steps.choices(page).nth(1)).to_be_checked()
        expect(page.locator("#step .progress")).to_contain_text("Câu 6/")
    finally:
        context.set_offline(False)
