"""The web page as an officer uses it: Debian's Chromium driven by Playwright against a real
`tdkt serve` over the real corpus (the session server of test_api.py).

Screenshots go to pytest's tmp folder, or to $TDKT_SCREENSHOTS when set (to look at them).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from test_api import QUESTION, search_ready, tdkt_server  # noqa: F401  (session fixtures)

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BADGE_CLASSES = {"ok", "expired", "notyet", "unknown"}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing (scripts/setup.sh installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    d = Path(os.environ.get("TDKT_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


def new_page(browser, width: int, height: int):
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_default_timeout(30_000)
    return ctx, page, errors


def ask(page, question: str) -> None:
    page.fill("#question", question)
    page.click("#ask-btn")
    page.wait_for_selector("#result:not([hidden])", timeout=300_000)


def highlighted(page):
    page.wait_for_selector(".prov.hl", state="visible")
    return page.locator(".prov.hl")


def overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


# ───────────────────────────────── without the model ─────────────────────────────────

def test_deep_link_opens_the_viewer_at_the_provision(browser, tdkt_server, shots):
    pid = "152/2025/NĐ-CP#d25.k1.a"
    ctx, page, errors = new_page(browser, 1280, 800)
    try:
        page.goto(f"{tdkt_server.url}/?p={quote(pid, safe='')}")
        hl = highlighted(page)
        assert hl.count() == 1 and hl.get_attribute("id") == pid
        from playwright.sync_api import expect

        expect(hl).to_be_in_viewport()
        assert "152/2025/NĐ-CP" in page.inner_text("#doc-short")
        crumbs = page.inner_text("#crumbs")
        assert "Chương" in crumbs and "Điều 25" in crumbs and "Khoản 1" in crumbs and "Điểm a" in crumbs
        assert page.locator("#doc-short .badge.ok").count() == 1
        page.screenshot(path=str(shots / "deeplink-1280x800.png"))
        # Clicking another clause moves the highlight and the URL.
        other = "152/2025/NĐ-CP#d25.k2"
        page.locator(f'[id="{other}"] > .own').click()
        assert highlighted(page).get_attribute("id") == other
        assert quote(other, safe="") in page.url or other in page.url
        # Back to the library, then browser-back returns to the clause.
        page.click("#viewer-back")
        page.wait_for_selector("#library:not([hidden])")
        page.go_back()
        assert highlighted(page).get_attribute("id") == other
        assert not errors, errors
    finally:
        ctx.close()


def test_deep_link_to_a_missing_provision_says_so(browser, tdkt_server):
    ctx, page, errors = new_page(browser, 1280, 800)
    try:
        page.goto(f"{tdkt_server.url}/?p={quote('06/2022/QH15#d999', safe='')}")
        page.wait_for_selector("#doc-body .error")
        assert "Không tìm thấy 06/2022/QH15#d999" in page.inner_text("#doc-body .error")
        page.goto(f"{tdkt_server.url}/?p={quote('15/2025/TT-BNV#d1', safe='')}")
        page.wait_for_selector("#doc-body .error")
        assert "chưa có trong kho văn bản" in page.inner_text("#doc-body .error")
    finally:
        ctx.close()


def test_filters_list_the_held_documents(browser, tdkt_server):
    ctx, page, errors = new_page(browser, 1280, 800)
    try:
        page.goto(tdkt_server.url + "/")
        page.wait_for_selector("#doc-options input[type=checkbox]", state="attached")
        assert page.locator("#doc-options input[type=checkbox]").count() == 11
        page.click("#filters summary")
        page.check('#doc-options input[value="06/2022/QH15"]')
        assert "1 văn bản" in page.inner_text("#filter-summary")
        page.fill("#as-of", "2023-06-01")
        page.dispatch_event("#as-of", "change")
        page.wait_for_function("document.querySelector('#filter-summary').textContent.includes('01/06/2023')")
        # The library lists the held documents with badges, and the ones the corpus lacks apart.
        assert page.locator("#doc-list .d-no").count() == 11
        assert "chưa có trong kho" in page.inner_text("#doc-list")
        # An empty question is refused on the page, with a Vietnamese message.
        page.fill("#question", "   ")
        page.click("#ask-btn")
        page.wait_for_selector("#status.error")
        assert "nhập câu hỏi" in page.inner_text("#status")
        assert not errors, errors
    finally:
        ctx.close()


def test_phone_width_has_no_horizontal_scroll(browser, tdkt_server, shots):
    ctx, page, errors = new_page(browser, 375, 812)
    try:
        page.goto(f"{tdkt_server.url}/?p={quote('86/2025/QĐ-UBND#quy-dinh/d3.k1.b', safe='')}")
        hl = highlighted(page)
        assert hl.get_attribute("id") == "86/2025/QĐ-UBND#quy-dinh/d3.k1.b"
        assert "Quy định ban hành kèm theo" in page.inner_text("#crumbs")
        width, _ = overflow(page)
        assert width <= 375, f"scrollWidth {width} > 375"
        page.screenshot(path=str(shots / "deeplink-375x812.png"))
        page.goto(tdkt_server.url + "/")
        page.click("#filters summary")
        page.wait_for_selector("#doc-options input[type=checkbox]")
        assert overflow(page)[0] <= 375
        page.screenshot(path=str(shots / "home-375x812.png"), full_page=True)
    finally:
        ctx.close()


# ───────────────────────────────── with the model ─────────────────────────────────

@pytest.mark.slow
def test_ask_then_open_the_cited_clause(browser, search_ready, shots):
    from playwright.sync_api import expect

    ctx, page, errors = new_page(browser, 1280, 800)
    try:
        page.goto(search_ready.url + "/")
        ask(page, QUESTION)
        page.wait_for_selector(".citation")
        assert page.locator("#abstained").is_hidden()
        first = page.locator(".citation").first
        badge = first.locator(".badge")
        assert set(badge.get_attribute("class").split()) & BADGE_CLASSES
        assert badge.inner_text() in ("còn hiệu lực", "hết hiệu lực", "chưa có hiệu lực", "không rõ hiệu lực")
        assert page.locator("#answer a.cite-ref").count() >= 1
        # The law's Điều 23 is cited; its badge is green on 2026-11-22.
        law = page.locator('.citation[data-pid^="06/2022/QH15#d23"]').first
        expect(law).to_be_visible()
        assert "ok" in law.locator(".badge").get_attribute("class")
        pid = law.get_attribute("data-pid")
        n = law.get_attribute("id").split("-")[1]
        page.click(f'#answer a.cite-ref[data-n="{n}"]')
        hl = highlighted(page)
        assert hl.get_attribute("id") == pid
        expect(hl).to_be_in_viewport()
        assert "06/2022/QH15" in page.inner_text("#doc-short")
        assert "Điều 23" in page.inner_text("#crumbs") and "Chương II" in page.inner_text("#crumbs")
        assert "p=" in page.url and "q=" in page.url
        if (w := page.locator("#warnings")).is_visible():
            assert w.inner_text().strip()
        page.screenshot(path=str(shots / "answer-1280x800.png"))
        assert overflow(page)[0] <= 1280
        # The page reloaded from its URL shows the same answer and the same clause.
        page.reload()
        page.wait_for_selector(".citation")
        assert highlighted(page).get_attribute("id") == pid
        assert not errors, errors
    finally:
        ctx.close()


@pytest.mark.slow
def test_phone_answer_and_viewer(browser, search_ready, shots):
    ctx, page, errors = new_page(browser, 375, 812)
    try:
        page.goto(search_ready.url + "/")
        ask(page, QUESTION)
        page.wait_for_selector(".citation")
        page.screenshot(path=str(shots / "answer-375x812.png"))
        assert overflow(page)[0] <= 375
        page.locator(".citation button").first.click()
        hl = highlighted(page)
        assert hl.get_attribute("id") == page.locator(".citation").first.get_attribute("data-pid")
        assert overflow(page)[0] <= 375
        page.screenshot(path=str(shots / "viewer-375x812.png"))
        assert not errors, errors
    finally:
        ctx.close()


@pytest.mark.slow
def test_abstains_visibly(browser, search_ready, shots):
    ctx, page, errors = new_page(browser, 1280, 800)
    try:
        page.goto(search_ready.url + "/")
        ask(page, "Thủ tục đăng ký kết hôn với người nước ngoài cần giấy tờ gì?")
        page.wait_for_selector("#abstained:not([hidden])")
        assert "Không tìm thấy căn cứ trong kho văn bản" in page.inner_text("#abstained")
        assert page.locator(".citation").count() == 0
        page.screenshot(path=str(shots / "abstained-1280x800.png"))
    finally:
        ctx.close()
