"""Drafting, reading and auditing contracts through the API on moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.factories import contract_body

pytestmark = pytest.mark.integration


def post(api: Any, path: str, body: Any, key: str | None, raw: bytes | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return api.http.post(path, headers=headers, body=raw if raw is not None else json.dumps(body))


def get(api: Any, path: str, key: str | None) -> Any:
    return api.http.get(path, headers={"Authorization": f"Bearer {key}"} if key else {})


def count(api: Any, key: str) -> int:
    return len(get(api, "/contracts?limit=100", key).json_body["items"])


def test_draft_read_document_and_audit(api: Any, keys: dict[str, str]) -> None:
    # Given an operator key, when the outbound-call contract is drafted
    resp = post(api, "/contracts", contract_body(), keys["operator"])
    assert resp.status_code == 201, resp.body
    created = resp.json_body
    assert created["status"] == "draft"
    assert created["contract_no"].startswith("HT-")
    assert len(created["document_sha256"]) == 64
    # Then it is listed, readable by finance too, and its document shows the fee in 大写
    assert count(api, keys["finance"]) == 1
    one = get(api, f"/contracts/{created['id']}", keys["finance"]).json_body
    assert one["terms"]["annual_fee"] == "120000.00"
    assert one["contract_amount"] == "360000.00"
    doc = get(api, f"/contracts/{created['id']}/document", keys["operator"])
    assert doc.status_code == 200
    html = doc.body.decode() if isinstance(doc.body, bytes) else doc.body
    assert "壹拾贰万元整" in html
    assert "北京云帆科技有限公司" in html
    # And the audit chain verifies
    audit = get(api, f"/contracts/{created['id']}/audit", keys["operator"]).json_body
    assert audit["verified"] is True
    assert [e["type"] for e in audit["entries"]] == ["ContractDrafted"]


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("client"), "client"),
        (lambda b: b["terms"].update(annual_fee="-5"), "terms.annual_fee"),
        (lambda b: b["terms"].update(annual_fee="abc"), "terms.annual_fee"),
        (lambda b: b["terms"].update(annual_fee=120000.5), "terms.annual_fee"),
        (lambda b: b["terms"].update(term_years=0), "terms.term_years"),
        (lambda b: b["terms"].update(term_years=100), "terms.term_years"),
        (lambda b: b["client"].update(credit_code="91110105MA01ABCD10"), "client.credit_code"),
        (lambda b: b["vendor"].update(email="not-an-email"), "vendor.email"),
        (lambda b: b.update(template="lease"), "template"),
        (lambda b: b["terms"]["late_penalty"].update(mode="weekly"), "terms.late_penalty.mode"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(api: Any, keys: dict[str, str], mutate: Any, field: str) -> None:
    body = contract_body()
    mutate(body)
    resp = post(api, "/contracts", body, keys["operator"])
    assert resp.status_code == 400, resp.body
    assert resp.json_body["error"]["field"] == field
    assert count(api, keys["operator"]) == 0


def test_not_json_and_huge_bodies_are_refused(api: Any, keys: dict[str, str]) -> None:
    resp = post(api, "/contracts", None, keys["operator"], raw=b"{not json")
    assert resp.status_code == 400
    assert resp.json_body["error"]["field"] == "body"
    resp = post(api, "/contracts", None, keys["operator"], raw=b'{"x": "' + b"a" * (1024 * 1024) + b'"}')
    assert resp.status_code == 413
    assert resp.json_body["error"]["field"] == "body"
    assert count(api, keys["operator"]) == 0


def test_keys_and_roles(api: Any, keys: dict[str, str]) -> None:
    assert post(api, "/contracts", contract_body(), None).status_code == 401
    assert post(api, "/contracts", contract_body(), "wrong").status_code == 401
    assert post(api, "/contracts", contract_body(), keys["finance"]).status_code == 403
    assert get(api, "/contracts", None).status_code == 401
    assert count(api, keys["operator"]) == 0
    assert api.http.get("/openapi.json").json_body["openapi"].startswith("3.")
