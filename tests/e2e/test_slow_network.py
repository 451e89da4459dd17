"""The way in on a slow mobile link (400 kbit/s, 400 ms round trips), from the landing
page to the first question. Asserted: QUALITY.md's bytes budget for the first visit to
the quiz (the question's page with its CSS and JavaScript, compressed, ≤ 25 KB) and
that the throttle was really on. Measured and kept in tests/artifacts/slow_network.json,
not asserted: the time (it depends on the machine) and the bytes of the whole way in;
bench/slow_network.py measures both for bench/README.md."""
from __future__ import annotations

import json

from tests.e2e import slow_network
from tests.e2e.site import ROOT

ARTIFACT = ROOT / "tests" / "artifacts" / "slow_network.json"


def test_first_question_on_a_slow_link_within_the_bytes_budget(browser, site):
    result = slow_network.measure(browser, site.base_url, site.people.slow_residents[0])
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps({
        "seconds": round(result.seconds, 2), "bytes": result.total_bytes,
        "quiz_first_visit_bytes": result.quiz_first_visit_bytes,
        "received": result.received}, indent=1))
    report = "\n".join(result.lines())
    assert result.quiz_first_visit_bytes <= slow_network.BYTES_BUDGET, report
    assert any(path.endswith("/cau/1") for path in result.received), report
    # The throttle was really on: the landing page, its assets, the login page, the
    # login and /thi, the start and the first question come one after another.
    assert result.seconds >= 6 * slow_network.LATENCY_MS / 1000, report
