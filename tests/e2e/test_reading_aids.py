"""Reading aids for residents who struggle with a small screen (issue 24): «Nghe» reads
the question and its choices aloud with the phone's own Vietnamese voice (here a stubbed
speechSynthesis), «Chữ lớn» makes every resident page's text 125% or 150%."""
from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e import steps
from tests.e2e.pages import PHONE
from tests.e2e.test_accessibility import AXE, AXE_TAGS, RUN_AXE, SIDEWAYS
from tests.e2e.test_phone import RESIDENT_PAGES

# The phone's speech engine, recording what it is asked to say; `voices` are its voices.
SPEECH_STUB = """(() => {
  const voices = %s;
  const said = [];
  let cancelled = 0;
  const engine = {speaking: false, pending: false, paused: false,
    getVoices: () => voices,
    speak: (u) => said.push({text: u.text, lang: u.lang, voice: u.voice && u.voice.lang}),
    cancel: () => { cancelled += 1; },
    addEventListener() {}, removeEventListener() {}};
  Object.defineProperty(window, "speechSynthesis", {value: engine, configurable: true});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  window.speech = {said, cancelled: () => cancelled};
})();"""
VIETNAMESE = [{"lang": "vi-VN", "name": "Tiếng Việt", "voiceURI": "vi", "localService": True}]
ENGLISH_ONLY = [{"lang": "en-US", "name": "English", "voiceURI": "en", "localService": True}]


def _question_page(new_context, signed_in, site, voices):
    context = new_context(storage_state=signed_in("resident_midway"))
    context.add_init_script(script=SPEECH_STUB % json.dumps(voices))
    page = context.new_page()
    fetched = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(f"/thi/{site.people.midway_attempt_id}/cau/6")
    return page, fetched


def test_listen_reads_the_question_and_its_choices_in_vietnamese(new_context, signed_in,
                                                                 site):
    page, fetched = _question_page(new_context, signed_in, site, VIETNAMESE)
    listen = page.get_by_role("button", name=re.compile("^Nghe"))
    expect(listen).to_be_visible()
    assert not [url for url in fetched if "listen.js" in url]  # nothing loaded until a tap
    listen.click()
    page.wait_for_function("() => window.speech.said.length === 1")
    said = page.evaluate("window.speech.said[0]")
    assert said["lang"] == "vi-VN" and said["voice"] == "vi-VN", said
    question = page.locator("#step legend").inner_text().strip()
    assert said["text"].startswith(question), said
    for choice in page.locator("#step .choices label").all_inner_texts():
        assert choice.strip() in said["text"], (choice, said)
    assert len([url for url in fetched if "listen.js" in url]) == 1

    # Moving on stops the voice; the next question offers «Nghe» again, and the answer
    # step itself carried nothing of it.
    cancelled = page.evaluate("window.speech.cancelled()")
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        steps.answer_and_go_on(page, 0)
    assert b"Nghe" not in answered.value.body() and b"listen" not in answered.value.body()
    expect(page.locator("#step .progress")).to_contain_text("Câu 7/")
    assert page.evaluate("window.speech.cancelled()") > cancelled
    expect(listen).to_be_visible()


def test_no_listen_button_without_a_vietnamese_voice(new_context, signed_in, site):
    page, fetched = _question_page(new_context, signed_in, site, ENGLISH_ONLY)
    expect(page.locator("#step legend")).to_be_visible()
    page.wait_for_load_state("load")
    expect(page.locator("#step .listen")).to_have_count(0)
    assert not [url for url in fetched if "listen.js" in url]


def test_larger_text_with_a_plain_link_without_javascript(new_context, signed_in, site):
    page = new_context(java_script_enabled=False,
                       storage_state=signed_in("resident_midway")).new_page()
    question = f"/thi/{site.people.midway_attempt_id}/cau/6"
    page.goto(question)
    html = page.locator("html")
    for link, size in (("Chữ lớn", "chu-125"), ("Chữ lớn hơn", "chu-150"),
                       ("Chữ thường", None)):
        page.get_by_role("link", name=link, exact=True).click()
        expect(page).to_have_url(re.compile(re.escape(question) + "$"))  # back where it was
        if size:
            expect(html).to_have_class(size)
        else:
            expect(html).not_to_have_class(re.compile("chu-"))
    page.goto("/the-le")  # remembered on every page
    page.get_by_role("link", name="Chữ lớn", exact=True).click()
    page.goto("/")
    expect(html).to_have_class("chu-125")


@pytest.mark.parametrize("size", ["125", "150"])
def test_larger_text_pages_pass_axe_and_fit_360_px(new_context, signed_in, site, size):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --no-audit --no-fund` (`make test` does).")
    cookie = {"name": "chu", "value": size, "url": site.base_url}
    found, sideways = {}, {}
    for main in RESIDENT_PAGES:
        state = dict(signed_in(main.who)) if main.who else {"cookies": [], "origins": []}
        context = new_context(storage_state=state, viewport=PHONE)
        context.add_cookies([cookie])
        context.add_init_script(path=AXE)
        page = context.new_page()
        response = page.goto(main.path(site.people))
        assert response.status == 200, main.name
        expect(page.locator("html")).to_have_class(f"chu-{size}")
        violations = page.evaluate(RUN_AXE, AXE_TAGS)
        if violations:
            found[main.name] = violations
        measured = page.evaluate(SIDEWAYS)
        if measured["scrollWidth"] > measured["width"] + 1 or measured["wide"]:
            sideways[main.name] = measured
        context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    assert not sideways, json.dumps(sideways, ensure_ascii=False, indent=1)
