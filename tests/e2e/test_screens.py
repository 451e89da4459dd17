"""Screenshots of the main pages on a 360×640 phone, written to tests/artifacts/screens/
(kept after the run) for a person to look at: the whole page, up to five screens long
(the rest of a long table adds nothing to look at, and costs seconds per page)."""
from __future__ import annotations

from tests.e2e.pages import MAIN_PAGES, PHONE, visit_all

MOST_HEIGHT = 5 * PHONE["height"]


def test_main_pages_screenshots_on_a_phone(new_context, signed_in, site, screens):
    for old in screens.glob("*.png"):
        old.unlink()
    for main, page in visit_all(new_context, signed_in, site.people):
        height = min(page.evaluate("document.documentElement.scrollHeight"), MOST_HEIGHT)
        page.screenshot(path=screens / f"{main.name}.png", full_page=True,
                        clip={"x": 0, "y": 0, "width": PHONE["width"], "height": height})
    written = sorted(p.stem for p in screens.glob("*.png"))
    assert written == sorted(m.name for m in MAIN_PAGES)
    assert all((screens / f"{name}.png").stat().st_size > 5_000 for name in written)
