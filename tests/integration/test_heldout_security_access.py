"""Held-out checks of who may do what and what leaks (docs/domain-rules.md "Security"): every staff route admits only
its roles (401 without a valid key or with a revoked one, 403 with the other role), the audit names the person,
Idempotency-Keys are the caller's own, the receivables CSV has no cell a spreadsheet would run, every reply carries
its headers, and signing-link material reaches no log, audit entry, alert or error message."""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from datetime import date
from typing import Any

import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.services.auth import create_api_key
from tests.factories import contract_body
from tests.integration.heldout_security import fingerprint, post, refusal, stage
from tests.support import finance_messages, sent_emails

pytestmark = pytest.mark.integration

FINANCE_ONLY = ("/payments", "/refunds", "/waive", "/set-offs")
PUBLIC = ("/sign/", "/submit/", "/verify", "/openapi.json")


def _expected(path: str, method: str) -> set[str] | None:
    """Who may call a staff route, by the public interface's table (None: not a staff route)."""
    if path.startswith(PUBLIC):
        return None
    if method == "GET":
        return {"finance"} if path == "/receivables" else {"operator", "finance"}
    return {"finance"} if path.endswith(FINANCE_ONLY) else {"operator"}


def test_every_staff_route_admits_only_its_roles_and_no_revoked_key(world: Any) -> None:
    from app import app

    st = stage(world)
    values = {"contract_id": st.active, "year": "1", "no": "1", "key": "quality_kpis", "period": "2026-11"}
    revoked = create_api_key(get_deps(), "operator", "离职员工")
    revoked_finance = create_api_key(get_deps(), "finance", "离职会计")
    for key in get_deps().repo.list_api_keys():
        if key.name in ("离职员工", "离职会计"):
            get_deps().repo.revoke_api_key(key.key_id, get_deps().now_iso())
    before = fingerprint(world.aws)
    checked = 0
    for path, methods in app.routes.items():
        for method in methods:
            allowed = _expected(path, method)
            if allowed is None:
                continue
            url = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)
            body = {} if method == "POST" else None  # a body no route accepts: nothing can be written
            for key in (None, "nope-nope-nope-nope", revoked, revoked_finance, st.token):
                headers = {} if key is None else {"Authorization": f"Bearer {key}"}
                resp = world.call(method, url, body, role=None, headers=headers)
                assert refusal(resp, (401,))["code"] == "unauthorized", (method, path, key)
            for role in ("operator", "finance"):
                resp = world.call(method, url, body, role=role)
                if role in allowed:
                    assert resp.status_code not in (401, 403), (method, path, role, resp.status_code)
                else:
                    assert refusal(resp, (403,))["code"] == "forbidden", (method, path, role)
            checked += 1
    assert checked >= 25
    assert fingerprint(world.aws) == before


def test_the_audit_names_the_person_of_each_role_by_key_id_and_name(world: Any) -> None:
    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    deps = get_deps()
    liu = create_api_key(deps, "finance", "刘会计")
    chen = create_api_key(deps, "operator", "陈经理")
    ids = {k.name: k.key_id for k in deps.repo.list_api_keys()}
    payment = {"amount": "100.00", "paid_on": "2026-11-22", "voucher_no": "YH-A", "method": "bank_transfer"}
    assert world.call("POST", f"/contracts/{cid}/payments", payment, role=None, headers=_bearer(liu)).status_code == 201
    incident = {
        "occurred_at": "2026-11-22T09:00:00+08:00",
        "reported_at": "2026-11-22T09:30:00+08:00",
        "severity": "low",
        "summary": "短暂中断",
    }
    assert (
        world.call("POST", f"/contracts/{cid}/incidents", incident, role=None, headers=_bearer(chen)).status_code == 201
    )
    audit = world.ok("GET", f"/contracts/{cid}/audit", role="finance")
    by = {e["type"]: e["by"] for e in audit["entries"]}
    assert by["PaymentReceived"] == {"kind": "staff", "role": "finance", "key_id": ids["刘会计"], "name": "刘会计"}
    assert by["IncidentReported"] == {"kind": "staff", "role": "operator", "key_id": ids["陈经理"], "name": "陈经理"}
    assert audit["verified"] is True


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_idempotency_keys_are_the_callers_own_and_a_retry_writes_nothing_twice(world: Any) -> None:
    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    deps = get_deps()
    wang, zhou = create_api_key(deps, "finance", "王会计"), create_api_key(deps, "finance", "周会计")
    key = {"Idempotency-Key": "slip-2026-11-22-0001"}
    payment = {"amount": "100.00", "paid_on": "2026-11-22", "voucher_no": "YH-1", "method": "bank_transfer"}
    url = f"/contracts/{cid}/payments"
    # Given Wang recorded a payment with an Idempotency-Key
    first = world.call("POST", url, payment, role=None, headers={**_bearer(wang), **key})
    assert first.status_code == 201
    entries = len(world.ok("GET", f"/contracts/{cid}/audit")["entries"])
    # When Wang's client retries it: the first reply, nothing written again
    again = world.call("POST", url, payment, role=None, headers={**_bearer(wang), **key})
    assert (again.status_code, again.json_body) == (201, first.json_body)
    assert len(world.ok("GET", f"/contracts/{cid}/audit")["entries"]) == entries
    # When Wang reuses the key for another slip: refused, nothing written
    before = fingerprint(world.aws)
    other = {**payment, "amount": "200.00", "voucher_no": "YH-2"}
    err = refusal(world.call("POST", url, other, role=None, headers={**_bearer(wang), **key}), (422,))
    assert err["field"] == "Idempotency-Key"
    # When Zhou sends the same key and body: Zhou's own call (the voucher is taken), not Wang's reply
    err = refusal(world.call("POST", url, payment, role=None, headers={**_bearer(zhou), **key}), (409,))
    assert err["field"] == "voucher_no"
    # and Zhou's own slip under the same key is recorded as Zhou's
    mine = world.call("POST", url, other, role=None, headers={**_bearer(zhou), **key})
    assert mine.status_code == 201 and mine.json_body["voucher_no"] == "YH-2"
    assert fingerprint(world.aws) != before
    items = world.ok("GET", url, role="finance")["items"]
    assert sorted(p["voucher_no"] for p in items) == ["YH-1", "YH-2"]
    # An operator with the same key on its own route is not confused with either
    resp = world.call("POST", f"/contracts/{cid}/invoices/1/void", {"reason": "开错"}, headers=key)
    assert resp.status_code in (200, 409), resp.body


HOSTILE_NAMES = ["=1+1公司", "-2+3公司", "@SUM(A1)公司", "+86公司", "\t=cmd|'/C calc'!A0", "\r=1", "＝1公司"]


def test_no_csv_cell_starts_with_a_formula_trigger_and_negative_amounts_stay_readable(world: Any) -> None:
    # Given active contracts whose clients are named like formulas, one of them overpaid
    ids = []
    for name in HOSTILE_NAMES:
        body = contract_body()
        body["client"]["name"] = name
        resp = world.call("POST", "/contracts", body)
        if resp.status_code == 400:  # a name with a tab or CR is refused outright (no control characters)
            assert resp.json_body["error"]["field"] == "client.name" and name.startswith(("\t", "\r"))
            continue
        ids.append(resp.json_body["id"])
        world.sign_both(ids[-1])
    world.run("invoicing", date(2026, 11, 22))
    overpay = {"amount": "120100.00", "paid_on": "2026-11-22", "voucher_no": "YH-OVER", "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{ids[0]}/payments", overpay, role="finance", status=201)
    # When finance exports receivables as CSV
    resp = world.call("GET", "/receivables?as_of=2026-11-30&format=csv", role="finance")
    assert resp.status_code == 200 and "text/csv" in resp.headers["Content-Type"]
    text = resp.body.decode("utf-8") if isinstance(resp.body, bytes) else resp.body
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    # Then no cell at all starts with = + - @ TAB or CR (fullwidth forms included)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")), (row, cell)
    # and the overpaid contract's net is the readable, summable (100.00) — the JSON still says -100.00
    header, overpaid = rows[0], next(r for r in rows if r[2] == "'=1+1公司")
    assert overpaid[header.index("net")] == "(100.00)"
    assert overpaid[header.index("credit")] == "100.00"
    report = world.ok("GET", "/receivables?as_of=2026-11-30", role="finance")
    assert next(r for r in report["contracts"] if r["client"] == "=1+1公司")["net"] == "-100.00"


def _headers(resp: Any) -> dict[str, str]:
    return {k.lower(): str(v) for k, v in resp.headers.items()}


def _assert_html_safe(resp: Any) -> None:
    h = _headers(resp)
    assert "text/html" in h["content-type"], h
    directives = {d.split()[0]: d for d in (p.strip() for p in h["content-security-policy"].split(";")) if d}
    script = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "*" not in script, script
    assert h["x-content-type-options"] == "nosniff" and h["cache-control"] == "no-store"


def test_staff_json_errors_and_html_pages_carry_their_headers(world: Any) -> None:
    st = stage(world)
    # Staff JSON, a success and each kind of refusal
    for resp in (
        world.call("GET", f"/contracts/{st.active}"),
        world.call("POST", "/contracts", {"template": "x"}),
        world.call("POST", f"/contracts/{st.active}/payments", {}, role="operator"),
        world.call("GET", "/contracts", role=None),
        world.call("POST", f"/contracts/{st.active}/send", {}),
        post(world, f"/contracts/{st.active}/refunds", "finance", {"reason": "\ud800"}),
    ):
        h = _headers(resp)
        assert h["cache-control"] == "no-store" and h["x-content-type-options"] == "nosniff", (resp.status_code, h)
        assert "application/json" in h["content-type"]
    # HTML: the signing page, its error page, the submit page's error page, the verify page, a document
    for path, role in (
        (f"/sign/{st.token}", None),
        ("/sign/" + "A" * 43, None),
        ("/submit/" + "A" * 43, None),
        ("/verify", None),
        ("/verify?c=HT-0000-NOPE", None),
        (f"/contracts/{st.active}/document", "operator"),
    ):
        resp = world.call("GET", path, role=role, headers={"Accept": "text/html"})
        assert resp.status_code < 500, path
        _assert_html_safe(resp)


def test_signing_link_material_reaches_no_log_audit_alert_or_error(
    world: Any, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)  # what Lambda keeps (botocore's DEBUG wire logs are not ours)
    for name in ("botocore", "boto3", "urllib3", "moto"):
        logging.getLogger(name).setLevel(logging.WARNING)
    st = stage(world)
    cid = st.awaiting
    # A whole life: codes, a wrong code, a resend, a near-miss token, signing, an amendment sent, a decline
    world.ok("POST", f"/sign/{st.token}/code", {}, role=None, status=201)
    wrong = world.call(
        "POST", f"/sign/{st.token}", {"signer_name": "张伟", "consent": True, "code": "000000"}, role=None
    )
    near = st.token[:-1] + ("A" if st.token[-1] != "A" else "B")
    errors = [wrong, world.call("GET", f"/sign/{near}", role=None, headers={"Accept": "application/json"})]
    errors.append(world.call("POST", f"/sign/{near}", {"signer_name": "张伟", "consent": True}, role=None))
    errors.append(world.call("GET", f"/sign/{near}/document.pdf", role=None))
    errors.append(world.call("GET", f"/submit/{near}", role=None, headers={"Accept": "application/json"}))
    world.ok("POST", f"/contracts/{cid}/resend", {"party": "vendor"})
    world.deliver()
    world.run("lifecycle", date(2026, 11, 26))  # reminders
    world.run("lifecycle", date(2026, 12, 30))  # links expire unsigned
    world.ok(
        "POST", f"/contracts/{st.active}/amendments", {"changes": {"extend_years": 1}, "reason": "续期"}, status=201
    )
    world.deliver()
    links = {m for e in sent_emails() for m in re.findall(r"/(?:sign|submit)/([A-Za-z0-9_\-.~]{20,})", e["body"])}
    assert len(links) >= 4
    secrets = links | _token_ids(world.aws)
    # Then no token or token id is in the logs, the audit, the finance topic or any error reply
    logged = caplog.text + capsys.readouterr().out
    audit = json.dumps([world.ok("GET", f"/contracts/{c}/audit") for c in (cid, st.active)])
    alerts = json.dumps(finance_messages(world.aws))
    replies = json.dumps([r.body.decode("utf-8", "replace") if isinstance(r.body, bytes) else r.body for r in errors])
    for where, text in (("logs", logged), ("audit", audit), ("alerts", alerts), ("errors", replies)):
        leaked = [s[:8] for s in secrets if s in text]
        assert not leaked, (where, leaked)
    assert all(r.status_code in (404, 410, 422) for r in errors), [r.status_code for r in errors]


def _token_ids(aws: dict[str, Any]) -> set[str]:
    import boto3

    table = boto3.resource("dynamodb", region_name="us-east-1").Table(aws["tables"]["MainTable"]["name"])
    items = table.scan()["Items"]
    return {str(i[k]) for i in items for k in ("token_id", "revoked_token_id") if k in i}
