"""The unit search in a real browser on a 360×640 phone: choices a person taps (at least
44×44 CSS px), chosen by keyboard, and the same search without JavaScript as a results
page; the public map's legend and table at 360 px."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import steps

CHOICES = "#unit-results label.unit-choice"
SMALLEST_BOX = """(selector) => Array.from(document.querySelectorAll(selector)).map(el => {
  const box = el.getBoundingClientRect();
  return Math.min(box.width, box.height);
})"""


def settled(page) -> None:
    """htmx has swapped and settled (its new elements answer events) and the focus is back
    on a choice."""
    steps.htmx_idle(page, "document.activeElement && document.activeElement.name === "
                          "'unit_id'")


def test_search_offers_taps_of_44_px_and_works_by_keyboard(page):
    page.goto("/dang-ky")
    search = page.get_by_label("Gõ tên đơn vị mới")
    search.press_sequentially("cam giang", delay=40)
    expect(page.locator(CHOICES)).to_have_count(2)
    expect(page.locator(CHOICES).nth(0)).to_contain_text("Xã Cẩm Giang")
    expect(page.locator(CHOICES).nth(1)).to_contain_text("Xã Cẩm Giàng")
    sides = page.evaluate(SMALLEST_BOX, CHOICES)
    assert sides and min(sides) >= 44, sides
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Keyboard: Tab past «Tìm» to the choices, Space picks, the arrows move the choice;
    # the focus stays on the choice after each htmx answer, the others stay listed.
    search.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("#unit-results")).to_contain_text("Đơn vị đã chọn: Xã Cẩm Giang")
    settled(page)  # a person's next key comes after htmx has wired the new choices
    page.keyboard.press("ArrowDown")
    expect(page.locator("#unit-results")).to_contain_text("Đơn vị đã chọn: Xã Cẩm Giàng")
    expect(page.locator(CHOICES)).to_have_count(2)
    focused = page.evaluate("() => document.activeElement.closest('label')?.textContent.trim()")
    assert focused == "Xã Cẩm Giàng"
    assert page.get_by_label("Xã Cẩm Giàng", exact=True).is_checked()

    # An old name leads to the new unit, said under it.
    search.fill("")
    search.press_sequentially("cat ba", delay=40)
    expect(page.locator(CHOICES).first).to_contain_text(
        "Đặc khu Cát Hải gồm Thị trấn Cát Bà cũ (huyện Cát Hải)")


def test_search_without_javascript_is_a_results_page(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/dang-ky")
    page.get_by_label("Họ và tên").fill("Phạm Văn Không Mạng")
    page.get_by_label("Gõ tên đơn vị mới").fill("lach tray")
    page.get_by_role("button", name="Tìm", exact=True).click()
    choice = page.locator(CHOICES, has_text="Phường Gia Viên")
    expect(choice).to_contain_text("gồm một phần Phường Lạch Tray cũ (quận Ngô Quyền)")
    expect(page.get_by_label("Họ và tên")).to_have_value("Phạm Văn Không Mạng")
    choice.click()
    page.get_by_role("button", name="Chọn đơn vị này").click()
    expect(page.locator("#unit-results")).to_contain_text("Đơn vị đã chọn: Phường Gia Viên")
    expect(page.get_by_label("Tổ dân phố, thôn, trường học hoặc cơ quan")).to_be_visible()

    page.get_by_label("Gõ tên đơn vị mới").fill("?!…")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.locator("#unit-results .note")).to_have_text(
        "Xin gõ tên xã, phường hoặc đặc khu bằng chữ, ví dụ “Tứ Kỳ” hoặc “le chan”.")


def test_map_legend_readable_and_table_scrolling_in_its_box_at_360_px(page):
    page.goto("/ban-do")
    legend = page.locator("figcaption.map-legend")
    expect(legend).to_contain_text("Từ 80% – đạt mục tiêu")
    sizes = legend.locator("li, p").evaluate_all(
        "els => els.map(el => parseFloat(getComputedStyle(el).fontSize))")
    assert min(sizes) >= 16, sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator(".map-table")
    scroll = box.evaluate("el => ({sw: el.scrollWidth, cw: el.clientWidth, "
                          "sh: el.scrollHeight, ch: el.clientHeight})")
    assert scroll["sw"] > scroll["cw"] and scroll["sh"] > scroll["ch"], scroll
    assert scroll["ch"] <= 640
    # The header stays in view while the rows scroll inside the box.
    box.evaluate("el => { el.scrollTop = 2000; }")
    header = page.locator(".map-table thead th").first.bounding_box()
    frame = box.bounding_box()
    assert abs(header["y"] - frame["y"]) <= 2, (header, frame)
