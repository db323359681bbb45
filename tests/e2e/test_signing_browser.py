"""The signing page in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from tests.e2e.helpers import newest_link
from tests.factories import contract_body

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_open_link_from_email_tick_consent_type_name_sign(stack: Any, tmp_path: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    status, created, _ = stack.request("POST", "/contracts", contract_body())
    cid, no = created["id"], created["contract_no"]
    stack.request("POST", f"/contracts/{cid}/send")
    links = {who: newest_link(stack, f"{who}@example.com", no) for who in ("client", "vendor")}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for who, name in (("client", "李雷"), ("vendor", "韩梅梅")):
                page = browser.new_page()
                page.goto(links[who])
                # The page settles (CJK fonts swap in) before a person would click; a click during reflow can land
                # on another element.
                page.wait_for_load_state("networkidle")
                page.evaluate("document.fonts.ready.then(() => true)")
                assert no in page.title()
                assert "壹拾贰万元整" in page.locator("#annual-fee").inner_text()
                # Signing without consent is refused on the page
                page.fill("#signer-name", name)
                page.click("#sign")
                expect(page.locator("#problem")).to_contain_text("consent", ignore_case=True)
                page.check("#consent")
                page.click("#sign")
                page.wait_for_selector("#receipt", state="visible", timeout=15000)
                receipt = page.locator("#receipt-body").inner_text()
                assert name in receipt and no in receipt
                assert "Asia/Shanghai" in receipt and "+08:00" in receipt and ("甲方" in receipt or "乙方" in receipt)
                page.screenshot(path=str(tmp_path / f"signed-{who}.png"))
                page.close()
        finally:
            browser.close()
    status, contract, _ = stack.request("GET", f"/contracts/{cid}")
    assert contract["status"] == "active"
    # A used link now shows the error page, not the form
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(links["client"])
        assert "already been used" in page.locator("#error-message").inner_text()
        browser.close()
