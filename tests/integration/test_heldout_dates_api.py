"""Held-out-style date checks through the API and the workers on moto: the Shanghai day near midnight UTC (signing,
notices, payments, deliveries dated "today"), the worker entry points run day by day across a year boundary, and
impossible dates refused with a 400 naming the field and nothing written. Expected dates are worked out by hand
from docs/domain-rules.md in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.support import signing_link, token_of

pytestmark = pytest.mark.integration

D = date.fromisoformat


def at(world: Any, instant: str) -> None:
    world.clock.set(datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(UTC))


def signed_at(world: Any, instant: str, **terms: Any) -> str:
    """Drafted and sent two days before; the client signs an hour before `instant`, the vendor at `instant`."""
    moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    world.clock.set(moment - timedelta(days=2))
    cid = world.draft(**terms)
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    world.clock.set(moment - timedelta(hours=1))
    for who in ("client@example.com", "vendor@example.com"):
        if who.startswith("vendor"):
            world.clock.set(moment)
        token = token_of(signing_link(who))
        world.ok("POST", f"/sign/{token}", {"signer_name": "张伟", "consent": True}, role=None, status=201)
    world.deliver()
    return cid


def audit_len(world: Any, cid: str) -> int:
    return len(world.ok("GET", f"/contracts/{cid}/audit")["entries"])


def test_a_contract_signed_at_17_30_utc_on_31_march_is_in_force_from_1_april(world: Any) -> None:
    # 2026-03-31T17:30Z is 01:30 on 1 April in Shanghai: effective 2026-04-01; 1 year ends 2027-03-31.
    # Invoice issued 2026-04-01, due 45 days later: Apr 1 + 29 = Apr 30, + 16 = May 16.
    cid = signed_at(world, "2026-03-31T17:30:00Z", term_years=1, payment_due_days=45)
    contract = world.contract(cid)
    assert (contract["effective_date"], contract["end_date"]) == ("2026-04-01", "2027-03-31")
    assert world.run("invoicing", D("2026-03-31"))["invoices_issued"] == 0
    assert world.run("invoicing", D("2026-04-01"))["invoices_issued"] == 1
    [inv] = world.invoices(cid)
    assert (inv["year"], inv["issue_date"], inv["due_date"]) == (1, "2026-04-01", "2026-05-16")


def test_the_shanghai_day_counts_for_today_just_after_midnight(world: Any) -> None:
    # At 2026-12-31T16:30Z it is 00:30 on 2027-01-01 in Shanghai: a payment, a delivery and a notice dated
    # 2027-01-01 are dated today, not in the future.
    cid = signed_at(world, "2026-11-30T02:00:00Z")  # effective 2026-11-30, 3 years, 30 days' notice
    world.run("invoicing", D("2026-11-30"))
    at(world, "2026-12-31T16:30:00Z")
    pay = {"amount": "1000.00", "paid_on": "2027-01-01", "voucher_no": "V-NEWYEAR", "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{cid}/payments", pay, role="finance", status=201)
    delivery = {"period": "2026-12", "delivered_on": "2027-01-01"}
    world.ok("POST", f"/contracts/{cid}/obligations/call_results/deliveries", delivery, status=201)
    notice = {"by": "client", "reason_code": "convenience", "details": "经营调整", "notice_date": "2027-01-01"}
    # 2027-01-01 + 30 days = 2027-01-31
    assert world.ok("POST", f"/contracts/{cid}/termination", notice, status=201)["effective_date"] == "2027-01-31"
    # And 2027-01-02 is still the future there
    tomorrow = {**pay, "paid_on": "2027-01-02", "voucher_no": "V-TOMORROW"}
    resp = world.call("POST", f"/contracts/{cid}/payments", tomorrow, role="finance")
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "paid_on")


def test_the_workers_run_each_day_across_new_year_issue_and_expire_once(world: Any) -> None:
    # Effective 2025-12-31 for 1 year with payment_due_days 1: invoice issued 2025-12-31, due 2026-01-01;
    # the term ends 2026-12-30; the contract expires on 2026-12-31; overdue from 2026-01-02 (1 day: level 1).
    cid = signed_at(world, "2025-12-31T02:00:00Z", term_years=1, payment_due_days=1)
    issued: list[str] = []
    overdue: list[tuple[str, int]] = []
    for day in [D("2025-12-30") + timedelta(days=n) for n in range(5)]:
        issued += [day.isoformat()] * world.run("invoicing", day)["invoices_issued"]
        overdue.append((day.isoformat(), world.run("overdue", day)["escalated"]))
    assert issued == ["2025-12-31"]
    # due 2026-01-01: the first alert is the run of 2026-01-02, none before, none again the next day
    assert overdue == [("2025-12-30", 0), ("2025-12-31", 0), ("2026-01-01", 0), ("2026-01-02", 1), ("2026-01-03", 0)]
    [inv] = world.invoices(cid, D("2026-01-03"))
    assert (inv["issue_date"], inv["due_date"]) == ("2025-12-31", "2026-01-01")
    for day in ("2026-12-30", "2026-12-31", "2026-12-31", "2027-01-01"):
        world.run("lifecycle", D(day))
        world.run("invoicing", D(day))
    contract = world.contract(cid)
    assert contract["status"] == "expired"
    assert len(world.invoices(cid)) == 1
    types = [e["type"] for e in world.ok("GET", f"/contracts/{cid}/audit")["entries"]]
    assert types.count("ContractExpired") == 1 and types.count("InvoiceIssued") == 1
    assert types.count("InvoiceOverdue") == 1


@pytest.fixture
def live(world: Any) -> str:
    """Effective 2026-04-30 (a customer-service contract, 3 years), year 1 invoiced; today is 2026-06-01."""
    cid = signed_at(world, "2026-04-30T02:00:00Z", template="customer-service-management")
    world.run("invoicing", D("2026-04-30"))
    at(world, "2026-06-01T04:00:00Z")
    return cid


IMPOSSIBLE: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "termination", {"by": "client", "reason_code": "convenience", "details": "x",
                             "notice_date": "2027-02-29"}, "notice_date"),
    ("POST", "termination", {"by": "client", "reason_code": "convenience", "details": "x",
                             "notice_date": "2026-04-31"}, "notice_date"),
    ("POST", "termination", {"by": "client", "reason_code": "convenience", "details": "x",
                             "notice_date": "2026-04-29"}, "notice_date"),  # the day before the effective date
    ("POST", "payments", {"amount": "1.00", "paid_on": "2026-06-31", "voucher_no": "V-X",
                          "method": "bank_transfer"}, "paid_on"),
    ("POST", "refunds", {"amount": "1.00", "paid_on": "2026-02-29", "voucher_no": "V-R", "reason": "x"},
     "paid_on"),
    ("POST", "penalties/1/waive", {"amount": "1.00", "reason": "x", "on": "2026-09-31"}, "on"),
    ("POST", "set-offs", {"year": 1, "amount": "1.00", "reason": "x", "on": "2026-00-10"}, "on"),
    ("POST", "obligations/monthly_report/deliveries", {"period": "2026-05", "delivered_on": "2026-05-32"},
     "delivered_on"),
    ("POST", "obligations/monthly_report/deliveries", {"period": "2026-13", "delivered_on": "2026-05-30"},
     "period"),
    ("POST", "obligations/data_analysis/deliveries", {"period": "2026-Q5", "delivered_on": "2026-05-30"},
     "period"),
    ("POST", "incidents", {"occurred_at": "2026-02-30T10:00:00+08:00", "reported_at": "2026-05-01T10:00:00+08:00",
                           "severity": "low", "summary": "x"}, "occurred_at"),
    ("POST", "incidents", {"occurred_at": "2026-05-01T10:00:00+08:00", "reported_at": "2026-05-01T25:00:00+08:00",
                           "severity": "low", "summary": "x"}, "reported_at"),
    ("POST", "incidents", {"occurred_at": "2026-05-01T10:00:00", "reported_at": "2026-05-01T11:00:00+08:00",
                           "severity": "low", "summary": "x"}, "occurred_at"),  # no zone
]  # fmt: skip


def test_impossible_dates_are_refused_by_name_and_write_nothing(world: Any, live: str) -> None:
    # One contract for every case (each would need its own moto world otherwise): nothing written by any of them.
    before = audit_len(world, live)
    for method, tail, body, field in IMPOSSIBLE:
        role = "finance" if tail.split("/")[0] in ("payments", "refunds", "penalties", "set-offs") else "operator"
        resp = world.call(method, f"/contracts/{live}/{tail}", body, role=role)
        assert resp.status_code == 400, (tail, body, resp.body)
        assert resp.json_body["error"]["field"] == field, (tail, body, resp.json_body)
    assert audit_len(world, live) == before
    assert world.contract(live)["status"] == "active"
    for path in (
        "obligations?as_of=2026-02-29",  # 2026 is not a leap year
        "ledger?as_of=2026-04-31",
        "invoices?as_of=2026-6-1",
        "obligations?as_of=2026-13-01",
    ):
        resp = world.call("GET", f"/contracts/{live}/{path}", role="operator" if "obligations" in path else "finance")
        assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "as_of"), (path, resp.body)
    # A real leap day is a date like any other
    assert world.ok("GET", f"/contracts/{live}/obligations?as_of=2028-02-29")["as_of"] == "2028-02-29"


def test_a_withdrawal_dated_on_an_impossible_day_is_refused(world: Any, live: str) -> None:
    notice = {"by": "vendor", "reason_code": "convenience", "details": "x", "notice_date": "2026-06-01"}
    world.ok("POST", f"/contracts/{live}/termination", notice, status=201)
    before = audit_len(world, live)
    body = {"reason": "协商继续", "agreed_by": ["client", "vendor"], "withdrawn_on": "2026-06-31"}
    resp = world.call("POST", f"/contracts/{live}/termination/withdraw", body)
    assert (resp.status_code, resp.json_body["error"]["field"]) == (400, "withdrawn_on")
    assert audit_len(world, live) == before
    assert world.contract(live)["status"] == "terminating"


def test_the_worker_command_line_refuses_an_impossible_as_of(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from functions import invoicing
    from functions._runtime import cli

    monkeypatch.setattr(sys, "argv", ["functions.invoicing", "--as-of", "2027-02-29"])
    with pytest.raises(SystemExit) as stopped:
        cli("invoicing", invoicing.run)
    assert stopped.value.code == 2


def test_an_agreement_signed_on_a_years_first_day_after_its_invoice_sets_its_due_date(world: Any) -> None:
    # Effective 2026-01-31 (3 years, due 30 days). Year 2 (from 2027-01-31) is invoiced at noon that day, due
    # 2027-03-02. An agreement signed later that day sets payment_due_days 45: it is in force on year 2's first day,
    # so it governs year 2, now due 2027-01-31 + 45 = 2027-03-17 (stored as a revision, read back from moto).
    cid = signed_at(world, "2026-01-31T02:00:00Z")
    world.run("invoicing", D("2027-01-31"))
    assert [i["due_date"] for i in world.invoices(cid)] == ["2026-03-02", "2027-03-02"]
    at(world, "2027-01-31T06:00:00Z")
    body = {"changes": {"payment_due_days": 45}, "reason": "延长付款期限"}
    world.ok("POST", f"/contracts/{cid}/amendments", body, status=201)
    world.deliver()
    for who in ("client@example.com", "vendor@example.com"):
        token = token_of(signing_link(who))
        world.ok("POST", f"/sign/{token}", {"signer_name": "王芳", "consent": True}, role=None, status=201)
    world.deliver()
    year2 = world.invoices(cid)[1]
    assert (year2["issue_date"], year2["due_date"], year2["amount"]) == ("2027-01-31", "2027-03-17", "120000.00")
    assert [r["on"] for r in year2["revisions"]] == ["2027-01-31"]
    # Not overdue on 2027-03-03; 1 day overdue on 2027-03-18
    assert world.run("overdue", D("2027-03-03"))["escalated"] == 1  # year 1 (due 2026-03-02) only
    assert world.run("overdue", D("2027-03-18"))["escalated"] == 1  # year 2, level 1
    assert world.invoices(cid, D("2027-03-18"))[1]["status"] == "open"


def test_a_scheduled_run_without_a_date_works_for_the_shanghai_day(world: Any) -> None:
    # Effective 2026-01-01 for 2 years: year 2 starts 2027-01-01. A scheduled run passes no date; the worker uses
    # today in Shanghai: at 15:59Z on 2026-12-31 that is still 2026-12-31 (23:59), nothing to issue; at 16:00Z it is
    # 2027-01-01 and year 2 is issued, dated 2027-01-01 and due 2027-01-31.
    import importlib

    cid = signed_at(world, "2026-01-01T02:00:00Z", term_years=2)
    invoicing = importlib.import_module("functions.invoicing")
    at(world, "2026-12-31T15:59:00Z")
    assert invoicing.run(None)["as_of"] == "2026-12-31"
    assert [i["year"] for i in world.invoices(cid)] == [1]
    at(world, "2026-12-31T16:00:00Z")
    assert invoicing.run(None) == {"as_of": "2027-01-01", "contracts_due": 1, "invoices_issued": 1}
    year2 = world.invoices(cid)[1]
    assert (year2["issue_date"], year2["due_date"]) == ("2027-01-01", "2027-01-31")
