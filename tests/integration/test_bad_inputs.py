"""A catalogue of bad inputs per route: each gets a 4xx naming the field, and nothing is written."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tests.factories import contract_body
from tests.support import signing_link, token_of

pytestmark = pytest.mark.integration

INJECTION = ["'; DROP TABLE contracts; --", "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x}", "\u0000"]


def contract_with(path: list[str], value: Any) -> dict[str, Any]:
    body = contract_body()
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


DRAFT_CASES: list[tuple[list[str], Any, str]] = [
    (["template"], None, "template"),
    (["template"], "客户服务", "template"),
    (["client"], "a string", "client"),
    (["client", "name"], "", "client.name"),
    (["client", "name"], "甲" * 201, "client.name"),
    (["client", "name"], 42, "client.name"),
    (["client", "name"], "ACME\u0000Ltd", "client.name"),
    (["client", "credit_code"], "91110105MA01ABCD1", "client.credit_code"),
    (["client", "credit_code"], "91110105MA01ABCDI3", "client.credit_code"),
    (["client", "credit_code"], "９１１１０１０５ＭＡ０１ＡＢＣＤ１３", "client.credit_code"),
    (["vendor", "email"], "vendor@", "vendor.email"),
    (["vendor", "phone"], "call me", "vendor.phone"),
    (["vendor", "address"], KeyError, "vendor.address"),
    (["terms"], [], "terms"),
    (["terms", "services"], [], "terms.services"),
    (["terms", "services"], ["ok", ""], "terms.services[1]"),
    (["terms", "services"], ["x"] * 51, "terms.services"),
    (["terms", "term_years"], "3", "terms.term_years"),
    (["terms", "term_years"], True, "terms.term_years"),
    (["terms", "term_years"], 3.5, "terms.term_years"),
    (["terms", "term_years"], -1, "terms.term_years"),
    (["terms", "annual_fee"], "0", "terms.annual_fee"),
    (["terms", "annual_fee"], "1e5", "terms.annual_fee"),
    (["terms", "annual_fee"], "120000.001", "terms.annual_fee"),
    (["terms", "annual_fee"], "NaN", "terms.annual_fee"),
    (["terms", "annual_fee"], "99999999999999999.00", "terms.annual_fee"),
    (["terms", "annual_fee"], "１２００００", "terms.annual_fee"),
    (["terms", "payment_due_days"], 366, "terms.payment_due_days"),
    (["terms", "breach_penalty_pct"], "101", "terms.breach_penalty_pct"),
    (["terms", "breach_penalty_pct"], "-1", "terms.breach_penalty_pct"),
    (["terms", "late_penalty"], None, "terms.late_penalty"),
    (["terms", "late_penalty", "rate_pct"], "0", "terms.late_penalty.rate_pct"),
    (["terms", "late_penalty", "rate_pct"], "5", "terms.late_penalty.rate_pct"),  # 5 % a day is not a rate
    (["terms", "late_penalty", "cap_pct"], "abc", "terms.late_penalty.cap_pct"),
    (["terms", "notice_period_days"], 0, "terms.notice_period_days"),
    (["terms", "dispute_resolution"], {"method": "arbitration"}, "terms.dispute_resolution.body"),
    (["terms", "dispute_resolution"], {"method": "duel"}, "terms.dispute_resolution.method"),
    (["terms", "signing_place"], "", "terms.signing_place"),
]


def audit_len(world: Any, cid: str) -> int:
    return len(world.ok("GET", f"/contracts/{cid}/audit")["entries"])


@pytest.mark.parametrize(("path", "value", "field"), DRAFT_CASES)
def test_draft_contract(world: Any, path: list[str], value: Any, field: str) -> None:
    resp = world.call("POST", "/contracts", contract_with(path, value))
    assert resp.status_code == 400, (path, value, resp.body)
    assert resp.json_body["error"]["field"] == field
    assert world.ok("GET", "/contracts")["items"] == []


@pytest.mark.parametrize("text", INJECTION)
def test_injection_strings_are_data_not_code(world: Any, text: str) -> None:
    body = contract_with(["client", "name"], f"北京{text}公司")
    resp = world.call("POST", "/contracts", body)
    if "\u0000" in text:
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == "client.name"
        return
    assert resp.status_code == 201
    html = world.call("GET", f"/contracts/{resp.json_body['id']}/document").body
    html = html.decode() if isinstance(html, bytes) else html
    assert "<script>alert(1)</script>" not in html
    assert "49" not in html.split("{{7*7}}")[0][-5:] if "{{7*7}}" in text else True


def test_bodies_that_are_not_objects(world: Any) -> None:
    for raw in (b"", b"null", b"[]", b'"text"', b"42", b"{", '{"a": "\ud800"}'.encode("utf-8", "surrogatepass")):
        resp = world.api.http.post(
            "/contracts",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {world.keys['operator']}"},
            body=raw,
        )
        assert 400 <= resp.status_code < 500 and resp.json_body["error"]["field"] in ("body", "template"), raw
    assert world.ok("GET", "/contracts")["items"] == []


PAYMENT_CASES: list[tuple[dict[str, Any], str]] = [
    ({"amount": None}, "amount"),
    ({"amount": 100}, None),  # an integer amount is fine: 100.00
    ({"amount": 100.5}, "amount"),
    ({"amount": "0.00"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": "1.001"}, "amount"),
    ({"paid_on": "2027-02-30"}, "paid_on"),
    ({"paid_on": "2026-1-5"}, "paid_on"),
    ({"paid_on": "2099-01-01"}, "paid_on"),
    ({"paid_on": "2026-11-01"}, "paid_on"),  # before the contract took effect
    ({"voucher_no": ""}, "voucher_no"),
    ({"voucher_no": "凭证一号"}, "voucher_no"),
    ({"voucher_no": "V" * 65}, "voucher_no"),
    ({"voucher_no": "V-1'; --"}, "voucher_no"),
    ({"method": "bitcoin"}, "method"),
]


def test_record_payment(world: Any) -> None:
    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    base = {"amount": "1000.00", "paid_on": "2026-11-22", "voucher_no": "V-BASE", "method": "bank_transfer"}
    before = audit_len(world, cid)
    for n, (change, field) in enumerate(PAYMENT_CASES):
        body = {**base, "voucher_no": f"V-{n}", **change}
        resp = world.call("POST", f"/contracts/{cid}/payments", body, role="finance")
        if field is None:
            assert resp.status_code == 201, resp.body
            before += 1
            continue
        assert 400 <= resp.status_code < 500 and resp.json_body["error"].get("field") == field, (change, resp.body)
        assert audit_len(world, cid) == before
    draft = world.draft()
    resp = world.call("POST", f"/contracts/{draft}/payments", base, role="finance")
    assert resp.status_code == 409


def test_sign_and_decline_bodies(world: Any) -> None:
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    token = token_of(signing_link("client@example.com"))
    before = audit_len(world, cid)
    for body, field in [
        ({}, "signer_name"),
        ({"signer_name": "", "consent": True}, "signer_name"),
        ({"signer_name": "名" * 101, "consent": True}, "signer_name"),
        ({"signer_name": "李雷\n", "consent": "true"}, "consent"),
        ({"signer_name": "李雷", "consent": 1}, "consent"),
        ({"signer_name": "李雷", "consent": True, "document_sha256": 5}, "document_sha256"),
        ({"signer_name": "李雷", "consent": True, "document_sha256": "not a hash"}, "document_sha256"),
        ({"signer_name": "李雷", "consent": True, "document_sha256": "0" * 63}, "document_sha256"),
        ({"signer_name": "李雷", "consent": True, "document_sha256": "A" * 64}, "document_sha256"),
        ({"signer_name": "李雷", "consent": True, "document_sha256": "0" * 64 + "\n"}, "document_sha256"),
    ]:
        resp = world.call("POST", f"/sign/{token}", body, role=None)
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field, (body, resp.body)
    stale = world.call(
        "POST", f"/sign/{token}", {"signer_name": "李雷", "consent": True, "document_sha256": "0" * 64}, role=None
    )
    assert stale.status_code == 409 and stale.json_body["error"]["field"] == "document_sha256"
    for body in ({}, {"reason": ""}, {"reason": "x" * 1001}):
        resp = world.call("POST", f"/sign/{token}/decline", body, role=None)
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == "reason"
    for bad in ("x", "A" * 43 + "!", "../../etc/passwd", "%00"):
        # no such link (404), or a path no route matches (403, as API Gateway answers)
        assert world.call("POST", f"/sign/{bad}", {"signer_name": "x", "consent": True}, role=None).status_code in (
            403,
            404,
        )
    assert audit_len(world, cid) == before


def test_query_parameters(world: Any) -> None:
    cid = world.draft()
    for path, field in [
        (f"/contracts/{cid}/invoices?as_of=2027-02-30", "as_of"),
        ("/contracts?status=happy", "status"),
        ("/contracts?limit=abc", "limit"),
        ("/contracts?limit=0", "limit"),
        ("/contracts?limit=1000", "limit"),
        ("/contracts?cursor=%%%", "cursor"),
    ]:
        resp = world.call("GET", path)
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field, (path, resp.body)
    for path, field in [("/receivables?as_of=2026-13-01", "as_of"), ("/receivables?format=xml", "format")]:
        resp = world.call("GET", path, role="finance")
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field
    assert world.call("GET", "/contracts/does-not-exist").status_code == 404
    assert world.call("POST", f"/contracts/{cid}/invoices/abc/void", {"reason": "x"}).status_code == 400
    assert json.loads(world.call("GET", f"/contracts/{cid}").body)["status"] == "draft"


def test_hostile_bodies_and_parameters_are_4xx_never_5xx(world: Any) -> None:
    # Given a drafted contract and a client that sends what no honest one would
    cid = world.draft()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {world.keys['operator']}"}
    before = audit_len(world, cid)
    for raw in (
        b"[" * 30000 + b"]" * 30000,  # nesting under the size limit that would blow the parser's stack
        b'{"reason": ' + b"9" * 5000 + b"}",  # a 5,000-digit number
        b'{"reason": 1e99999}',
        b'{"reason": NaN}',
    ):
        resp = world.api.http.post(f"/contracts/{cid}/void", headers=headers, body=raw)
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == "body", raw[:40]
    # Unicode digits pass str.isdigit() but are not numbers here
    for path, field in [("/contracts?limit=²", "limit"), ("/contracts?limit=١٠", "limit")]:
        resp = world.call("GET", path)
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field, (path, resp.body)
    resp = world.call("POST", f"/contracts/{cid}/amendments/¹/void", {"reason": "x"})
    assert resp.status_code == 400 and resp.json_body["error"]["field"] == "no"
    # Control characters in free text are refused by field (line breaks too: tests/unit/test_security_free_text.py)
    resp = world.call("POST", f"/contracts/{cid}/void", {"reason": "作废\x1b[2J"})
    assert resp.status_code == 400 and resp.json_body["error"]["field"] == "reason"
    # A field the API does not know is refused by name, never dropped
    resp = world.call("POST", f"/contracts/{cid}/void", {"reason": "作废", "reasn": "typo"})
    assert resp.status_code == 400 and resp.json_body["error"]["field"] == "reasn"
    resp = world.call("POST", f"/contracts/{cid}/send", {"signing_ordr": "any"})
    assert resp.status_code == 400 and resp.json_body["error"]["field"] == "signing_ordr"
    assert audit_len(world, cid) == before
    assert world.call("POST", f"/contracts/{cid}/void", {"reason": "条款需重拟，另行起草"}).status_code == 200


def test_send_takes_no_body_or_an_empty_object(world: Any) -> None:
    first, second = world.draft(), world.draft()
    assert world.call("POST", f"/contracts/{first}/send").status_code == 200
    assert world.call("POST", f"/contracts/{second}/send", {}).status_code == 200


def test_a_contract_amount_beyond_what_daxie_can_write_is_refused_by_name(world: Any) -> None:
    # 500,000,000,000.00 a year for 30 years is 15,000,000,000,000.00: above 9,999,999,999,999.99
    body = contract_body(annual_fee="500000000000.00", term_years=30)
    resp = world.call("POST", "/contracts", body)
    assert resp.status_code == 400 and resp.json_body["error"]["field"] == "terms.annual_fee", resp.body
    assert world.ok("GET", "/contracts")["items"] == []
    # And an agreement that would take an existing contract there is refused the same way, changing nothing
    cid = world.active_contract(annual_fee="400000000000.00", term_years=20)  # 8e12: fits
    for changes, field in (
        ({"annual_fee": "500000000000.00"}, "changes.annual_fee"),
        ({"extend_years": 10}, "changes.extend_years"),
    ):
        resp = world.call("POST", f"/contracts/{cid}/amendments", {"changes": changes, "reason": "调整"})
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field, resp.body
    assert world.contract(cid)["amendments"] == []
