"""The signing page under its nonce CSP in a real Chromium: its own script runs (decline works end to end), an
injected inline script does not, and the browser reports no other policy violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.helpers import newest_link
from tests.e2e.test_signing_browser import ARGS, CHROMIUM
from tests.factories import contract_body

pytestmark = pytest.mark.e2e


def test_the_signing_page_works_under_its_csp_and_refuses_injected_script(stack: Any, tmp_path: Any) -> None:
    from playwright.sync_api import sync_playwright

    _, created, _ = stack.request("POST", "/contracts", contract_body())
    cid, no = created["id"], created["contract_no"]
    stack.request("POST", f"/contracts/{cid}/send")
    link = newest_link(stack, "client@example.com", no)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            console: list[str] = []
            page.on("console", lambda m: console.append(m.text))
            page.on("dialog", lambda d: d.accept("价格不合适，见 https://evil.example/x"))
            response = page.goto(link)
            assert response is not None
            [scripts] = [d for d in response.headers["content-security-policy"].split(";") if "script-src" in d]
            assert "'nonce-" in scripts and "'unsafe-inline'" not in scripts
            page.wait_for_load_state("networkidle")
            # The page's own script and styles raise no violation (a favicon 403 is the browser's own request)
            assert not [line for line in console if "Content Security Policy" in line], console
            # A script injected without the nonce is refused by the browser
            page.evaluate(
                "() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
                " document.body.appendChild(s); }"
            )
            assert page.evaluate("() => window.pwned === undefined")
            assert any("Content Security Policy" in line for line in console), console
            # The page's own script still does its work: decline with a reason (scrolled there first and settled:
            # a click while the page scrolls lands elsewhere)
            page.locator("#decline").scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            page.click("#decline")
            page.wait_for_selector("#receipt", state="visible", timeout=15000)
            assert "已拒签" in page.locator("#receipt-body").inner_text()
            page.screenshot(path=str(tmp_path / "declined.png"), full_page=False)
        finally:
            browser.close()
    _, contract, _ = stack.request("GET", f"/contracts/{cid}")
    assert contract["status"] == "declined"


def test_the_local_stack_records_the_peer_address_and_forwarded_for_apart(stack: Any) -> None:
    """devstack/api.py gives the connection's peer as identity.sourceIp, as API Gateway would."""
    from devstack.client import token_of

    _, created, _ = stack.request("POST", "/contracts", contract_body())
    stack.request("POST", f"/contracts/{created['id']}/send")
    token = token_of(newest_link(stack, "vendor@example.com", created["contract_no"]))
    status, reply, headers = stack.request(
        "POST",
        f"/sign/{token}",
        {"signer_name": "韩梅梅", "consent": True},
        role=None,
        headers={"X-Forwarded-For": "6.6.6.6"},
    )
    assert status == 201, reply
    assert reply["receipt"]["ip_address"] == "127.0.0.1"  # the peer of this connection
    assert reply["receipt"]["forwarded_for"] == "6.6.6.6"
    assert headers["Cache-Control"] == "no-store" and headers["X-Content-Type-Options"] == "nosniff"


def test_raw_hostile_requests_to_the_local_stack_get_no_5xx(stack: Any) -> None:
    """Bytes no HTTP client library would send: invalid UTF-8 and controls in the path, a huge header."""
    import socket
    from urllib.parse import urlparse

    url = urlparse(stack.api)
    requests = [
        b"GET /sign/\xff\xfe\xc0\xaf HTTP/1.1\r\n",
        b"GET /contracts?limit=\xb2 HTTP/1.1\r\n",
        b"POST /sign/" + b"A" * 43 + b"/decline HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 15\r\n",
        b"GET /sign/" + b"A" * 43 + b" HTTP/1.1\r\nX-Forwarded-For: " + b"1" * 60000 + b"\r\n",
    ]
    bodies = [b"", b"", b'{"reason": "\xff"}', b""]
    for head, body in zip(requests, bodies, strict=True):
        with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
            conn.sendall(head + b"Host: local\r\nConnection: close\r\n\r\n" + body)
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
        status = int(reply.split(b" ", 2)[1])
        assert 400 <= status < 500, (head[:60], reply[:300])
