"""Accessibility of the main pages: axe-core finds no serious or critical violation
(WCAG 2.2 A/AA rules, contrast included), and at 200% zoom on a 360 px wide phone the
text fits the screen without scrolling sideways (tables scroll in their own frame)."""
from __future__ import annotations

import json

import pytest

from tests.e2e.pages import visit_all
from tests.e2e.site import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                where: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " — "
                                               + n.failureSummary.split("\\n")[1])}));
}"""
# Everything wider than the screen that is not inside a frame scrolling on its own.
SIDEWAYS = """() => {
  const width = document.documentElement.clientWidth;
  const scrollsOwn = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  return {scrollWidth: document.documentElement.scrollWidth, width,
          wide: [...document.body.querySelectorAll("*")]
            .filter(el => el.getBoundingClientRect().right > width + 1 && !scrollsOwn(el))
            .slice(0, 5).map(el => el.tagName.toLowerCase() + "." + el.className + " «"
                                   + (el.textContent || "").trim().slice(0, 40) + "»")};
}"""


def test_main_pages_have_no_serious_axe_violations(new_context, signed_in, site):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --no-audit --no-fund` (`make test` does).")
    found = {}
    # Injected by the browser itself (DevTools protocol) before the page's own scripts:
    # the pages' Content-Security-Policy, which forbids inline scripts, stays on.
    for main, page in visit_all(new_context, signed_in, site.people, init_script=AXE):
        violations = page.evaluate(RUN_AXE, AXE_TAGS)
        if violations:
            found[main.name] = violations
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_main_pages_readable_at_200_percent_zoom_on_a_phone(new_context, signed_in, site):
    # 360 px wide at 200% zoom: a layout 180 CSS pixels wide, drawn at twice the density.
    sideways = {}
    for main, page in visit_all(new_context, signed_in, site.people,
                                viewport={"width": 180, "height": 320}, device_scale_factor=2):
        measured = page.evaluate(SIDEWAYS)
        if measured["scrollWidth"] > measured["width"] + 1 or measured["wide"]:
            sideways[main.name] = measured
    assert not sideways, json.dumps(sideways, ensure_ascii=False, indent=1)
