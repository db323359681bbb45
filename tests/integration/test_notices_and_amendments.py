"""Termination notices, expiry, renewal reminders and supplementary agreements through the API on moto."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.support import emails_to, signing_link, token_of

pytestmark = pytest.mark.integration
EFFECTIVE = date(2026, 11, 22)


def sign_amendment(world: Any, no: int) -> list[dict[str, Any]]:
    world.deliver()
    out = []
    for who in ("client@example.com", "vendor@example.com"):
        token = token_of(signing_link(who))
        page = world.ok("GET", f"/sign/{token}", role=None, headers={"Accept": "application/json"})
        assert page["subject"] == f"amendment:{no}"
        out.append(world.ok("POST", f"/sign/{token}", {"signer_name": "王芳", "consent": True}, role=None, status=201))
    world.deliver()
    return out


def test_notice_terminates_after_the_period_and_stops_invoices(world: Any) -> None:
    # Given an active contract with year 1 invoiced and unpaid
    cid = world.active_contract()
    world.run("invoicing", EFFECTIVE)
    # When the client serves a notice 11 months in, with a 30-day period that reaches into year 2
    notice_date = date(2027, 11, 1)
    world.travel(notice_date)
    notice = world.ok(
        "POST",
        f"/contracts/{cid}/termination",
        {"by": "client", "reason_code": "convenience", "details": "业务调整，提前解除合同。"},
        status=201,
    )
    assert notice["effective_date"] == "2027-12-01" and notice["contract_status"] == "terminating"
    world.deliver()
    for who in ("client@example.com", "vendor@example.com"):
        assert len([m for m in emails_to(who) if "解除合同通知书" in m["subject"]]) == 1
    # a second notice while one is pending is refused
    assert (
        world.call(
            "POST", f"/contracts/{cid}/termination", {"by": "vendor", "reason_code": "non_payment", "details": "x"}
        ).status_code
        == 409
    )
    doc = world.call("GET", f"/contracts/{cid}/document?part=notice:1")
    html = doc.body.decode() if isinstance(doc.body, bytes) else doc.body
    assert "壹拾贰万元整" in html  # the outstanding year-1 invoice is named in the notice
    # Then year 2 starts (2027-11-22) before the notice takes effect: its invoice is still issued
    assert world.run("invoicing", date(2027, 11, 22))["invoices_issued"] == 1
    # And on the effective date the lifecycle job terminates it, once
    assert world.run("lifecycle", date(2027, 11, 30))["events"] == {}
    assert world.run("lifecycle", date(2027, 12, 1))["events"] == {"ContractTerminated": 1}
    assert world.run("lifecycle", date(2027, 12, 1))["events"] == {}
    contract = world.contract(cid)
    assert contract["status"] == "terminated" and contract["notices"][0]["status"] == "effective"
    # no later invoice is ever issued; earlier ones are still chased
    assert world.run("invoicing", date(2028, 11, 22))["invoices_issued"] == 0
    assert [i["year"] for i in world.invoices(cid)] == [1, 2]
    assert world.run("overdue", date(2028, 1, 1))["overdue_invoices"] == 2
    assert world.ok("GET", f"/contracts/{cid}/audit")["verified"] is True


def test_no_invoice_for_a_year_starting_on_the_effective_date(world: Any) -> None:
    cid = world.active_contract(notice_period_days=10)
    world.run("invoicing", EFFECTIVE)
    world.travel(date(2027, 11, 12))
    world.ok(
        "POST",
        f"/contracts/{cid}/termination",
        {"by": "vendor", "reason_code": "non_payment", "details": "欠费"},
        status=201,
    )
    assert world.run("invoicing", date(2027, 11, 22))["invoices_issued"] == 0
    assert world.run("lifecycle", date(2027, 11, 22))["events"] == {"ContractTerminated": 1}


def test_withdrawn_notice_keeps_the_contract_running(world: Any) -> None:
    cid = world.active_contract()
    world.travel(date(2027, 3, 1))
    world.ok(
        "POST",
        f"/contracts/{cid}/termination",
        {"by": "client", "reason_code": "convenience", "details": "x"},
        status=201,
    )
    for agreed in (["client"], [["client"], "vendor"], "client,vendor", [{}, None]):
        bad = world.call("POST", f"/contracts/{cid}/termination/withdraw", {"reason": "继续合作", "agreed_by": agreed})
        assert bad.status_code == 400 and bad.json_body["error"]["field"] == "agreed_by"  # found by Schemathesis
    # A withdrawal is dated between the notice date and today
    for day in ("2027-02-28", "2027-03-02"):
        body = {"reason": "继续合作", "agreed_by": ["client", "vendor"], "withdrawn_on": day}
        bad = world.call("POST", f"/contracts/{cid}/termination/withdraw", body)
        assert bad.status_code == 400 and bad.json_body["error"]["field"] == "withdrawn_on", (day, bad.json_body)
    world.ok(
        "POST",
        f"/contracts/{cid}/termination/withdraw",
        {"reason": "双方协商继续合作", "agreed_by": ["client", "vendor"]},
    )
    world.deliver()
    assert len([m for m in emails_to("vendor@example.com") if "撤回" in m["subject"]]) == 1
    assert world.run("lifecycle", date(2027, 4, 1))["events"] == {}
    assert world.contract(cid)["status"] == "active"


def test_a_notice_cannot_be_withdrawn_once_it_took_effect(world: Any) -> None:
    # Given a notice that took effect on 2027-03-31 (30 days after 2027-03-01) but the job has not run yet
    cid = world.active_contract(notice_period_days=30)
    world.travel(date(2027, 3, 1))
    served = {"by": "client", "reason_code": "convenience", "details": "x"}
    world.ok("POST", f"/contracts/{cid}/termination", served, status=201)
    world.travel(date(2027, 4, 2))
    # When both parties ask to withdraw it, dated before it took effect
    body = {"reason": "继续合作", "agreed_by": ["client", "vendor"], "withdrawn_on": "2027-03-15"}
    late = world.call("POST", f"/contracts/{cid}/termination/withdraw", body)
    # Then it is refused: the contract ended on its effective date
    assert late.status_code == 409, late.json_body
    assert world.contract(cid)["notices"][0]["status"] == "served"


def test_reminders_once_then_expiry(world: Any) -> None:
    cid = world.active_contract(term_years=1)
    end = date(2027, 11, 21)
    assert world.contract(cid)["end_date"] == end.isoformat()
    assert world.run("lifecycle", end - timedelta(days=61))["events"] == {}
    assert world.run("lifecycle", end - timedelta(days=60))["events"] == {"RenewalReminder": 1}
    assert world.run("lifecycle", end - timedelta(days=45))["events"] == {}
    assert world.run("lifecycle", end - timedelta(days=30))["events"] == {"RenewalReminder": 1}
    assert world.run("lifecycle", end - timedelta(days=30))["events"] == {}
    reminders = [m for m in emails_to("client@example.com") if "续约提醒" in m["subject"]]
    assert len(reminders) == 2
    assert len([m for m in emails_to("operator@hetong.test") if "续约提醒" in m["subject"]]) == 2
    assert world.run("lifecycle", end)["events"] == {}
    assert world.run("lifecycle", end + timedelta(days=1))["events"] == {"ContractExpired": 1}
    assert world.contract(cid)["status"] == "expired"


def test_fee_amendment_mid_term_applies_to_the_next_year_only(world: Any) -> None:
    cid = world.active_contract()
    world.run("invoicing", EFFECTIVE)
    world.travel(date(2027, 5, 1))
    resp = world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"annual_fee": "150000.00"}, "reason": "业务量增加，调整服务费用"},
        status=201,
    )
    assert resp["amendment_no"] == 1 and resp["status"] == "awaiting_signatures"
    # one amendment may be pending at a time
    assert (
        world.call("POST", f"/contracts/{cid}/amendments", {"changes": {"extend_years": 1}, "reason": "x"}).status_code
        == 409
    )
    doc = world.call("GET", f"/contracts/{cid}/document?part=amendment:1")
    html = doc.body.decode() if isinstance(doc.body, bytes) else doc.body
    assert "补充协议" in html and "壹拾贰万元整" in html and "壹拾伍万元整" in html
    receipts = sign_amendment(world, 1)
    assert receipts[-1]["status"] == "effective"
    contract = world.contract(cid)
    assert contract["terms"]["annual_fee"] == "150000.00"
    assert [v["amendment_no"] for v in contract["terms_versions"]] == [None, 1]
    assert contract["terms_versions"][1]["effective_from"] == "2027-05-01"
    assert contract["contract_amount"] == "420000.00"
    world.run("invoicing", date(2027, 11, 22))
    amounts = [(i["year"], i["amount"]) for i in world.invoices(cid)]
    assert amounts == [(1, "120000.00"), (2, "150000.00")]
    # the contract as originally signed still renders the original fee
    original = world.call("GET", f"/contracts/{cid}/document")
    html = original.body.decode() if isinstance(original.body, bytes) else original.body
    assert "壹拾贰万元整" in html
    assert world.ok("GET", f"/contracts/{cid}/audit")["verified"] is True


def test_extension_adds_a_year_and_moves_expiry(world: Any) -> None:
    cid = world.active_contract(term_years=1)
    world.travel(date(2027, 6, 1))
    world.ok("POST", f"/contracts/{cid}/amendments", {"changes": {"extend_years": 1}, "reason": "续期一年"}, status=201)
    sign_amendment(world, 1)
    contract = world.contract(cid)
    assert contract["end_date"] == "2028-11-21"
    world.run("invoicing", date(2027, 11, 22))
    assert [i["year"] for i in world.invoices(cid)] == [1, 2]
    assert world.run("lifecycle", date(2027, 11, 22))["events"] == {}
    assert world.run("lifecycle", date(2028, 11, 22))["events"].get("ContractExpired") == 1


def test_declined_amendment_changes_nothing(world: Any) -> None:
    cid = world.active_contract()
    world.travel(date(2027, 2, 1))
    world.ok(
        "POST", f"/contracts/{cid}/amendments", {"changes": {"annual_fee": "90000.00"}, "reason": "降价"}, status=201
    )
    world.deliver()
    token = token_of(signing_link("vendor@example.com"))
    world.ok("POST", f"/sign/{token}/decline", {"reason": "不同意降价"}, role=None)
    contract = world.contract(cid)
    assert contract["amendments"][0]["status"] == "declined"
    assert contract["terms"]["annual_fee"] == "120000.00" and len(contract["terms_versions"]) == 1
    # the client's link for the declined amendment no longer works
    client_token = token_of(signing_link("client@example.com"))
    assert world.call(
        "POST", f"/sign/{client_token}", {"signer_name": "x", "consent": True}, role=None
    ).status_code in (409, 410)
    # and a new amendment may now be proposed
    world.ok("POST", f"/contracts/{cid}/amendments", {"changes": {"extend_years": 1}, "reason": "续期"}, status=201)


def test_bad_amendment_and_notice_input_names_the_field(world: Any) -> None:
    cid = world.active_contract()
    cases = [
        ({"changes": {"annual_fee": "-1"}, "reason": "x"}, "changes.annual_fee"),
        ({"changes": {"color": "red"}, "reason": "x"}, "changes.color"),
        ({"changes": {"extend_years": 0}, "reason": "x"}, "changes.extend_years"),
        ({"changes": {"annual_fee": "120000.00"}, "reason": "x"}, "changes"),
        ({"changes": {"annual_fee": "130000.00"}}, "reason"),
    ]
    for body, field in cases:
        resp = world.call("POST", f"/contracts/{cid}/amendments", body)
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field, (body, resp.json_body)
    for body, field in [
        ({"by": "both", "reason_code": "other", "details": "x"}, "by"),
        ({"by": "client", "reason_code": "boredom", "details": "x"}, "reason_code"),
        ({"by": "client", "reason_code": "other", "details": "x", "notice_date": "2027-02-30"}, "notice_date"),
        # tomorrow: a notice is recorded once it is served, never ahead
        ({"by": "client", "reason_code": "other", "details": "x", "notice_date": "2026-11-23"}, "notice_date"),
    ]:
        resp = world.call("POST", f"/contracts/{cid}/termination", body)
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field
    assert world.contract(cid)["status"] == "active" and world.contract(cid)["amendments"] == []
