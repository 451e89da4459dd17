"""A resident loses the connection in the middle of an attempt: the answer sent while
offline is not pretended saved, the earlier ones are kept, and after switching the phone
off and logging in again (a new browser) they resume at the first unanswered question."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e import steps


def test_connection_lost_then_resume_on_another_device(new_context, site):
    phone = site.people.resident_resume
    first = new_context()
    page = first.new_page()
    steps.log_in(page, phone)
    steps.start_attempt(page)
    progress = page.locator("#step .progress")
    _, count = steps.position(page)
    chosen: dict[int, str] = {}
    for number in (1, 2, 3):
        chosen[number] = steps.choices(page).nth(1).get_attribute("value")
        steps.answer_and_go_on(page, 1)
        expect(progress).to_contain_text(f"Câu {number + 1}/{count}")

    # The signal drops while answering question 4: the step's one request fails, the
    # page stays on question 4 and says the answer was not sent.
    first.set_offline(True)
    with page.expect_event("requestfailed"):
        steps.answer_and_go_on(page, 2)
    expect(page.locator("#step .step-note")).to_contain_text("Mất kết nối mạng: chưa gửi được")
    expect(progress).to_contain_text(f"Câu 4/{count}")

    # Back online, the page reloaded: the answer that never reached the server is not
    # shown as saved; sending it again moves on.
    first.set_offline(False)
    page.reload()
    expect(progress).to_contain_text(f"Câu 4/{count}")
    expect(page.locator("#step input[name=choice]:checked")).to_have_count(0)
    chosen[4] = steps.choices(page).nth(2).get_attribute("value")
    steps.answer_and_go_on(page, 2)
    expect(progress).to_contain_text(f"Câu 5/{count}")
    first.close()  # the phone is switched off

    page = new_context().new_page()  # another phone, nothing in its browser
    steps.log_in(page, phone)
    expect(page).to_have_url(re.compile(r"/thi$"))
    expect(page.get_by_text("Bạn đang làm dở lượt thi số 1")).to_be_visible()
    expect(page.get_by_text(f"Đã trả lời 4/{count} câu")).to_be_visible()
    page.get_by_role("link", name="Làm tiếp").click()
    expect(page.locator("#step .progress")).to_contain_text(f"Câu 5/{count}")
    for number, value in chosen.items():
        page.get_by_role("button", name=f"Câu {number} (đã trả lời)").click()
        expect(page.locator("#step .progress")).to_contain_text(f"Câu {number}/{count}")
        expect(page.locator(f'#step input[name=choice][value="{value}"]')).to_be_checked()
    # Still to do: its number, in the strip named «Chuyển đến câu số».
    strip = page.get_by_role("navigation", name="Chuyển đến câu số")
    expect(strip.get_by_role("button", name="5", exact=True)).to_be_visible()
