"""Screenshots of the main pages on a 360×640 phone, written to tests/artifacts/screens/
(kept after the run) for a person to look at."""
from __future__ import annotations

from tests.e2e.pages import MAIN_PAGES, visit_all


def test_main_pages_screenshots_on_a_phone(new_context, signed_in, site, screens):
    for old in screens.glob("*.png"):
        old.unlink()
    for main, page in visit_all(new_context, signed_in, site.people):
        page.screenshot(path=screens / f"{main.name}.png", full_page=True)
    written = sorted(p.stem for p in screens.glob("*.png"))
    assert written == sorted(m.name for m in MAIN_PAGES)
    assert all((screens / f"{name}.png").stat().st_size > 5_000 for name in written)
