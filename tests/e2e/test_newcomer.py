"""A newcomer registers (with the unit search), takes a whole attempt, sees the result and
downloads the certificate: once with JavaScript (htmx steps, one request each) and once
with JavaScript disabled (full pages, post/redirect/get)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e import steps

STEP_PARTIAL_BUDGET = 1_500  # docs/quality.md: one question step as an htmx partial, compressed
STEP_PAGE_BUDGET = 5_000     # the same step as a full page without JavaScript


def test_newcomer_with_javascript_one_request_per_step(page, site):
    steps.register(page, full_name="Phạm Thị Hoà", phone="0904 000 001",
                   unit=site.people.unit_name, javascript=True)
    expect(page).to_have_url(re.compile(r"/thi$"))
    steps.start_attempt(page)
    current, count = steps.position(page)
    assert current == 1 and count == 20

    page.evaluate("window.sameDocument = true")  # a full page load would forget it
    sent = []
    page.on("request", lambda request: sent.append(request))
    progress = page.locator("#step .progress")
    step_bodies = []
    for number in range(1, count + 1):
        sent.clear()
        steps.answer_and_go_on(page, number % 2)
        expect(progress).to_contain_text(
            f"Câu {number + 1}/{count}" if number < count else "Câu hỏi dự đoán")
        assert [(r.method, r.headers.get("hx-request")) for r in sent] == [("POST", "true")], \
            [r.url for r in sent]
        step_bodies.append(sent[0].sizes()["responseBodySize"])
    expect(page.get_by_role("button", name=f"Câu {count} (đã trả lời)")).to_be_visible()
    assert max(step_bodies) <= STEP_PARTIAL_BUDGET, step_bodies  # compressed, docs/quality.md

    sent.clear()
    steps.predict_and_review(page)
    assert len(sent) == 1 and sent[0].method == "POST"
    expect(page).to_have_url(re.compile(r"/xem-lai$"))  # htmx pushed each step's own URL
    assert page.evaluate("window.sameDocument === true")
    expect(page.get_by_text(f"Bạn đã trả lời đủ {count} câu")).to_be_visible()
    expect(page.get_by_text("Dự đoán của bạn: 95.000")).to_be_visible()

    steps.finish(page)
    expect(page.locator(".score")).to_have_text(re.compile(rf"^\d+/{count} câu đúng"))
    expect(page.locator("ol.review > li")).to_have_count(count)
    certificate = steps.pdf_from_link(page, "Tải giấy chứng nhận")
    text = steps.pdf_text(certificate)
    assert "Phạm Thị Hoà" in text or "PHẠM THỊ HOÀ" in text, text[:400]


def test_newcomer_without_javascript_full_pages(new_context, site):
    page = new_context(java_script_enabled=False).new_page()
    steps.register(page, full_name="Vũ Văn Không Script", phone="0904000002",
                   unit=site.people.unit_name, javascript=False)
    expect(page).to_have_url(re.compile(r"/thi$"))
    steps.start_attempt(page)
    # No script ran: the time left is the server's minutes, never a ticking countdown.
    expect(page.locator("[data-left]")).to_have_text(re.compile(r"^\d+ phút$"))
    current, count = steps.position(page)
    assert current == 1
    attempt_url = re.sub(r"/cau/1$", "", page.url)

    documents = []
    page.on("request", lambda r: documents.append(r) if r.resource_type == "document" else None)
    for number in range(1, count + 1):
        documents.clear()
        with page.expect_navigation():
            steps.answer_and_go_on(page, (number + 1) % 2)
        # Post/redirect/get: the answer (303), then the next page, headers and all.
        assert [r.method for r in documents] == ["POST", "GET"], [r.url for r in documents]
        step_bytes = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]
                         for r in documents)
        assert step_bytes <= STEP_PAGE_BUDGET, step_bytes
        if number < count:
            expect(page).to_have_url(f"{attempt_url}/cau/{number + 1}")
    expect(page).to_have_url(f"{attempt_url}/du-doan")
    steps.predict_and_review(page, "120000")
    expect(page).to_have_url(f"{attempt_url}/xem-lai")
    expect(page.get_by_text("Dự đoán của bạn: 120.000")).to_be_visible()
    steps.finish(page)
    expect(page).to_have_url(f"{attempt_url}/ket-qua")
    expect(page.get_by_text("Đã nộp bài. Đây là kết quả của bạn.")).to_be_visible()

    page.get_by_role("link", name="Tất cả kết quả").click()
    expect(page.get_by_role("heading", name="Kết quả của tôi")).to_be_visible()
    expect(page.locator(".standings")).to_contain_text("lượt số 1")
    certificate = steps.pdf_from_link(page, "Tải giấy chứng nhận")
    assert "Vũ Văn Không Script" in steps.pdf_text(certificate).replace("\n", " ") \
        or "VŨ VĂN KHÔNG SCRIPT" in steps.pdf_text(certificate)
