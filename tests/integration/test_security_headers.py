"""Response headers: every HTML page has a CSP without 'unsafe-inline' scripts (the signing page's script runs
under a per-response nonce), nosniff, no referrer and no framing; staff and signer replies are never cached."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import signing_link, token_of

pytestmark = pytest.mark.integration


def _header(resp: Any, name: str) -> str:
    return str({k.lower(): v for k, v in resp.headers.items()}.get(name.lower(), ""))


def _directives(resp: Any) -> dict[str, str]:
    policy = _header(resp, "content-security-policy")
    return {d.split()[0]: d for d in (p.strip() for p in policy.split(";")) if d}


def assert_safe_html(resp: Any) -> dict[str, str]:
    assert "text/html" in _header(resp, "content-type")
    csp = _directives(resp)
    assert "default-src 'none'" in csp.values(), csp
    assert "'unsafe-inline'" not in csp.get("script-src", csp["default-src"]), csp
    assert "'unsafe-eval'" not in csp.get("script-src", ""), csp
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert _header(resp, "x-content-type-options") == "nosniff"
    assert _header(resp, "referrer-policy") == "no-referrer"
    assert _header(resp, "cache-control") == "no-store"
    return csp


def test_the_contract_document_is_served_with_a_script_free_policy(world: Any) -> None:
    cid = world.draft()
    for part in ("", "?part=contract"):
        resp = world.call("GET", f"/contracts/{cid}/document{part}", role="finance")
        assert resp.status_code == 200
        assert assert_safe_html(resp)["script-src"] == "script-src 'none'"


def test_the_signing_page_runs_only_its_own_script_under_a_fresh_nonce(world: Any) -> None:
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    token = token_of(signing_link("client@example.com"))
    nonces = []
    for _ in range(2):
        resp = world.call("GET", f"/sign/{token}", role=None, headers={"Accept": "text/html"})
        assert resp.status_code == 200
        csp = assert_safe_html(resp)
        [nonce] = re.findall(r"^script-src 'nonce-([A-Za-z0-9_-]{20,})'$", csp["script-src"])
        body = resp.body.decode() if isinstance(resp.body, bytes) else resp.body
        assert re.findall(r"<script[^>]*>", body) == [f'<script nonce="{nonce}">']  # the one script, nonced
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", body)  # no inline event handlers either
        nonces.append(nonce)
    assert nonces[0] != nonces[1]
    # The signer's JSON (names, emails) is not cached either
    resp = world.call("GET", f"/sign/{token}", role=None, headers={"Accept": "application/json"})
    assert resp.status_code == 200 and _header(resp, "cache-control") == "no-store"


def test_error_pages_carry_the_same_headers(world: Any) -> None:
    resp = world.call("GET", "/sign/" + "A" * 43, role=None, headers={"Accept": "text/html"})
    assert resp.status_code == 404
    assert assert_safe_html(resp)["script-src"] == "script-src 'none'"


@pytest.mark.parametrize(
    ("path", "role", "status"),
    [
        ("/contracts", "operator", 200),
        ("/contracts", "finance", 200),
        ("/contracts", None, 401),
        ("/receivables", "finance", 200),
        ("/receivables?format=csv", "finance", 200),
        ("/receivables", "operator", 403),
        ("/contracts/nope", "operator", 404),
    ],
)
def test_staff_replies_are_never_cached_or_sniffed(world: Any, path: str, role: str | None, status: int) -> None:
    resp = world.call("GET", path, role=role)
    assert resp.status_code == status
    assert _header(resp, "cache-control") == "no-store"
    assert _header(resp, "x-content-type-options") == "nosniff"
    assert _header(resp, "referrer-policy") == "no-referrer"
