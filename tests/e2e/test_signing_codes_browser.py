"""Signing with one-time codes in a real headless Chromium, against the local stack: the client (who signs
first under `client_first`) asks for a code, reads it from the email in moto, mistypes it once, then signs; the
vendor's link arrives after that, the vendor locks it with five wrong codes, the operator resends, and the vendor
signs with a new link and code; the client's used link then downloads the signed original. Screenshots of each state go
to $HETONG_E2E_SHOTS (or the test's tmp dir)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import newest_link, to
from tests.e2e.test_signing_browser import ARGS, CHROMIUM
from tests.factories import contract_body

pytestmark = pytest.mark.e2e
CODE = re.compile(r"签署验证码：(\d{6})")


def _code(stack: Any, address: str, contract_no: str, count: int) -> str:
    """The code in the `count`-th code email to `address` about `contract_no`."""
    msgs = stack.wait_for_emails(
        lambda m: to(address)(m) and contract_no in m.get("subject", "") and CODE.search(m.get("subject", "")),
        count=count,
    )
    assert len(msgs) >= count, f"no code email for {address}"
    found = CODE.search(msgs[count - 1]["subject"])
    assert found is not None
    return found.group(1)


def _open(browser: Any, link: str) -> Any:
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    page.goto(link)
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    # The panels sit below the document; scrolled to, they settle before a person would click.
    page.locator("#form").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    return page


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_signers_verify_with_codes_from_email_in_order_and_a_locked_link_is_resent(stack: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("HETONG_E2E_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    _, created, _ = stack.request("POST", "/contracts", contract_body(signer_verification="email_code"))
    cid, no = created["id"], created["contract_no"]
    status, sent, _ = stack.request("POST", f"/contracts/{cid}/send", {"signing_order": "client_first"})
    assert status == 200 and sent["signing_order"] == "client_first"
    client_link = newest_link(stack, "client@example.com", no)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # ---- the client: ask, mistype once, sign
            page = _open(browser, client_link)
            page.screenshot(path=str(shots / "code-1-start.png"), full_page=False)
            page.check("#consent")
            page.fill("#signer-name", "李雷")
            page.click("#sign")
            expect(page.locator("#code-problem")).to_contain_text("Ask for a code")
            page.click("#send-code")
            expect(page.locator("#code-status")).to_contain_text("c***@example.com")
            code = _code(stack, "client@example.com", no, 1)
            page.fill("#code", _wrong(code))
            page.click("#sign")
            expect(page.locator("#code-problem")).to_contain_text("4 tries left")
            page.screenshot(path=str(shots / "code-2-wrong.png"))
            page.fill("#code", code)
            page.click("#sign")
            page.wait_for_selector("#receipt", state="visible", timeout=15000)
            receipt = page.locator("#receipt-body").inner_text()
            assert "李雷" in receipt and "c***@example.com" in receipt
            page.screenshot(path=str(shots / "code-3-signed.png"))
            page.close()

            # ---- the vendor's link goes out only now; five wrong codes lock it
            vendor_link = newest_link(stack, "vendor@example.com", no)
            page = _open(browser, vendor_link)
            page.click("#send-code")
            expect(page.locator("#code-status")).to_contain_text("v***@example.com")
            vendor_code = _code(stack, "vendor@example.com", no, 1)
            page.check("#consent")
            page.fill("#signer-name", "韩梅梅")
            for _ in range(5):
                page.fill("#code", _wrong(vendor_code))
                page.click("#sign")
                page.wait_for_timeout(300)
            expect(page.locator("#locked")).to_be_visible()
            page.screenshot(path=str(shots / "code-4-locked.png"))
            page.close()
            path = vendor_link.replace(str(stack.info["api_url"]).rstrip("/"), "")
            assert stack.request("POST", path + "/code", {}, role=None)[0] == 423

            # ---- the operator resends; the vendor signs with the new link and a new code
            assert stack.request("POST", f"/contracts/{cid}/resend", {"party": "vendor"})[0] == 200
            fresh = newest_link(stack, "vendor@example.com", no, after=1)  # the turn's email, then the resend's
            assert fresh != vendor_link
            page = _open(browser, fresh)
            page.click("#send-code")
            expect(page.locator("#code-status")).to_contain_text("v***@example.com")
            page.fill("#code", _code(stack, "vendor@example.com", no, 2))
            page.check("#consent")
            page.fill("#signer-name", "韩梅梅")
            page.click("#sign")
            page.wait_for_selector("#receipt", state="visible", timeout=15000)
            assert "active" in page.locator("#receipt-body").inner_text()
            page.close()
        finally:
            browser.close()
    _, contract, _ = stack.request("GET", f"/contracts/{cid}")
    assert contract["status"] == "active"
    assert {s["party"]: s["verification"] for s in contract["signatures"]} == {
        "client": "email_code",
        "vendor": "email_code",
    }
    _, audit, _ = stack.request("GET", f"/contracts/{cid}/audit")
    types = [e["type"] for e in audit["entries"]]
    assert types.count("SigningCodeRequested") == 3 and types.count("SigningLinkLocked") == 1
    assert audit["verified"] is True
    assert code not in str(audit) and vendor_code not in str(audit)
    # The client's link, now used, downloads the signed original; its certificate names the verification method
    from tests.e2e.test_document_pdf_stack import download, text

    status, original, headers = download(
        stack, client_link.replace(str(stack.info["api_url"]).rstrip("/"), "") + "/document.pdf"
    )
    assert status == 200 and headers["X-Signed-Original"] == "true"
    words = text(original, tmp_path)
    assert "李雷" in words and "韩梅梅" in words and "电子邮件一次性验证码" in words
