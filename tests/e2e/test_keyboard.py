"""Everything by keyboard: a newcomer registers pressing only Tab, typing, the arrow keys,
Space and Enter, reaching every control of the form; then starts the quiz and answers
a question the same way."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e import steps
from tests.e2e.site import PASSWORD

DESCRIBE = """(el) => {
  if (!el || el === document.body) return null;
  const tag = el.tagName.toLowerCase();
  if (tag === "input") return (el.type === "radio" ? "radio:" : "input:") + el.name;
  if (tag === "select" || tag === "textarea") return tag + ":" + el.name;
  return tag + ":" + el.textContent.trim().replace(/\\s+/g, " ").slice(0, 40);
}"""
FOCUSED = f"() => ({DESCRIBE})(document.activeElement)"
# Every control of a form a keyboard must reach (one stop per group of radio buttons).
CONTROLS = f"""(selector) => {{
  const describe = {DESCRIBE};
  const keys = new Set();
  for (const el of document.querySelector(selector).querySelectorAll(
      "input, select, textarea, button, summary, a[href]")) {{
    if (el.type === "hidden" || el.disabled || el.tabIndex < 0) continue;
    if (!el.checkVisibility()) continue;  // not shown (inside a closed <details>, hidden)
    keys.add(describe(el));
  }}
  return [...keys];
}}"""


def tab_until(page: Page, last: str, act, limit: int = 90) -> list[str]:
    """Press Tab until `last` has the focus, calling act(key) at each newly reached
    control; the keys reached, in order."""
    reached: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        key = page.evaluate(FOCUSED)
        if key and key not in reached:
            reached.append(key)
            act(key)
        if key == last:
            return reached
    raise AssertionError(f"{last!r} never got the focus; reached: {reached}")


def register_by_keyboard(page: Page) -> None:
    """Register pressing only Tab, typing, the arrows, Space and Enter, reaching every
    control of the form."""
    page.goto("/dang-ky")
    typed = {"input:full_name": "Đinh Thị Bàn Phím", "input:birth_date": "02/09/1955",
             "input:phone": "0906000001", "input:password": PASSWORD,
             "input:password2": PASSWORD}

    def fill(key: str) -> None:
        if key in typed:
            page.keyboard.type(typed[key])
        elif key == "radio:gender":
            page.keyboard.press("ArrowRight")  # «Nữ»: the arrows move and choose
        elif key == "input:unit_query":
            page.keyboard.type("gia v", delay=40)
            expect(page.locator("#unit-results input[name=unit_id]").first).to_be_visible()
            steps.htmx_idle(page)  # Space on a choice not yet wired would send nothing
        elif key == "radio:unit_id":
            page.keyboard.press("Space")  # the first match: Phường Gia Viên
            expect(page.locator("#f-organisation_id")).to_be_visible()
            # The focus stays where the person is (htmx puts it back on the radio
            # button, kept checked among the others), so the next Tabs reach the
            # «Chọn đơn vị này» button and the unit's residential groups and schools.
            assert page.evaluate(FOCUSED) == "radio:unit_id"
            assert page.evaluate("() => document.activeElement.checked && document"
                                 ".activeElement.closest('label').textContent.trim()"
                                 ) == "Phường Gia Viên"
        elif key == "radio:group":
            page.keyboard.press("Space")
        elif key == "input:consent":
            page.keyboard.press("Space")

    reached = tab_until(page, "button:Chỉ đăng ký, làm bài sau", fill)
    form = "main form[method=post]"
    missed = set(page.evaluate(CONTROLS, form)) - set(reached)
    assert not missed, (missed, " > ".join(reached))
    expect(page.locator("#unit-results")).to_contain_text("Đơn vị đã chọn: Phường Gia Viên")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Đăng ký thành công")).to_be_visible()


def test_register_and_answer_by_keyboard_only(page, site):
    register_by_keyboard(page)
    tab_until(page, "button:Bắt đầu làm bài", lambda key: None)
    page.keyboard.press("Enter")
    progress = page.locator("#step .progress")
    expect(progress).to_contain_text("Câu 1/")

    def choose(key: str) -> None:
        if key == "radio:choice":
            page.keyboard.press("ArrowDown")  # the second choice
    reached = tab_until(page, "button:Xem lại, nộp bài", choose)
    missed = set(page.evaluate(CONTROLS, "#step form")) - set(reached)
    assert not missed, (missed, " > ".join(reached))
    second = page.locator("#step input[name=choice]").nth(1)
    expect(second).to_be_checked()
    chosen = second.get_attribute("value")

    page.keyboard.press("Shift+Tab")
    while page.evaluate(FOCUSED) != "button:Tiếp":
        page.keyboard.press("Shift+Tab")
    seq = page.locator("#step input[name=seq]")
    base = int(seq.get_attribute("value"))
    page.keyboard.press("Space")
    expect(progress).to_contain_text("Câu 2/")
    # The focus starts at the new step, not back at the top of the page; the next Tab
    # reaches the new question's first choice.
    expect(page.locator("#step")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "radio:choice"
    # The tap carried the page's base key plus one (static/js/app.js), and was saved.
    assert site.answer_seq(1) == base + 1
    expect(page.get_by_role("button", name="Câu 1 (đã trả lời)")).to_be_visible()
    page.get_by_role("button", name="Câu 1 (đã trả lời)").focus()
    page.keyboard.press("Enter")
    expect(progress).to_contain_text(re.compile(r"Câu 1/"))
    expect(page.locator(f'#step input[name=choice][value="{chosen}"]')).to_be_checked()
