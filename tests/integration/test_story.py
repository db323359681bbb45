"""A contract's life through the API, the workers and the notifier, on moto."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.support import emails_to, sent_emails

pytestmark = pytest.mark.integration


def test_sign_invoice_pay_overdue(world: Any) -> None:
    # Given a drafted outbound-call contract sent for signature
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    # When both parties sign through the links in their emails
    world.sign_both_after_send = None
    from tests.support import signing_link, token_of

    client_token = token_of(signing_link("client@example.com"))
    vendor_token = token_of(signing_link("vendor@example.com"))
    page = world.ok("GET", f"/sign/{client_token}", role=None, headers={"Accept": "application/json"})
    assert page["party"] == "client" and page["annual_fee_in_words"] == "人民币壹拾贰万元整"
    first = world.ok("POST", f"/sign/{client_token}", {"signer_name": "李雷", "consent": True}, role=None, status=201)
    assert first["status"] == "awaiting_signatures"
    # the same signing resent gets the same reply; another request on the used token is refused; neither changes
    # anything
    retry = world.call("POST", f"/sign/{client_token}", {"signer_name": "李雷", "consent": True}, role=None)
    assert (retry.status_code, retry.json_body) == (201, first)
    assert (
        world.call("POST", f"/sign/{client_token}", {"signer_name": "李四", "consent": True}, role=None).status_code
        == 410
    )
    second = world.ok(
        "POST", f"/sign/{vendor_token}", {"signer_name": "韩梅梅", "consent": True}, role=None, status=201
    )
    assert second["status"] == "active"
    assert second["effective_date"] == "2026-11-22"
    world.deliver()
    contract = world.contract(cid)
    assert contract["status"] == "active" and contract["end_date"] == "2029-11-21"
    in_force = [m for m in emails_to("client@example.com") if "合同已生效" in m["subject"]]
    assert len(in_force) == 1
    # Then the invoicing job issues year 1 once, however often it runs
    eff = date(2026, 11, 22)
    assert world.run("invoicing", eff)["invoices_issued"] == 1
    assert world.run("invoicing", eff)["invoices_issued"] == 0
    invoices = world.invoices(cid)
    assert [(i["year"], i["amount"], i["due_date"]) for i in invoices] == [(1, "120000.00", "2026-12-22")]
    # And 40 days after the due date the daily penalty is 2400.00, with one alert per level
    due = date(2026, 12, 22)
    for day in (1, 1, 15, 30, 40, 40):
        world.run("overdue", due + timedelta(days=day))
    inv = world.invoices(cid, due + timedelta(days=40))[0]
    assert inv["penalties"]["accrued"] == "2400.00"
    assert inv["alert_levels_sent"] == [1, 15, 30]
    overdue_letters = [m for m in emails_to("client@example.com") if "催款函" in m["subject"]]
    assert len(overdue_letters) == 3
    # When finance records a part payment and then the rest
    world.travel(due + timedelta(days=41))
    pay = world.ok(
        "POST",
        f"/contracts/{cid}/payments",
        {"amount": "20000.00", "paid_on": "2027-02-01", "voucher_no": "V-001", "method": "bank_transfer"},
        role="finance",
        status=201,
    )
    assert pay["allocations"][0]["status"] == "partially_paid"
    dup = world.call(
        "POST",
        f"/contracts/{cid}/payments",
        {"amount": "20000.00", "paid_on": "2027-02-01", "voucher_no": "V-001", "method": "bank_transfer"},
        role="finance",
    )
    assert dup.status_code == 409 and dup.json_body["error"]["field"] == "voucher_no"
    # the rest, one cent more than the fee: the fee is paid, the cent goes to its penalty (docs/domain-rules.md)
    world.ok(
        "POST",
        f"/contracts/{cid}/payments",
        {"amount": "100000.01", "paid_on": "2027-02-01", "voucher_no": "V-002", "method": "bank_transfer"},
        role="finance",
        status=201,
    )
    world.deliver()
    inv = world.invoices(cid, date(2027, 3, 1))[0]
    assert inv["status"] == "paid" and inv["outstanding"] == "0.00"
    # 41 days at 0.05 % of 120000 = 2460.00, frozen at payment
    assert inv["penalties"]["accrued"] == "2460.00"
    assert inv["penalties"]["assessed"] == "2460.00"
    # a fully paid invoice is never alerted again
    before = len(sent_emails())
    world.run("overdue", due + timedelta(days=95))
    assert len(sent_emails()) == before
    audit = world.ok("GET", f"/contracts/{cid}/audit")
    assert audit["verified"] is True, audit["problems"]


def test_receivables_buckets_and_csv(world: Any) -> None:
    # Given year 1 of 120000.00 due 2026-12-22, a daily 0.05 % penalty, nothing paid
    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    # When finance reads receivables 40 days after the due date
    report = world.ok("GET", "/receivables?as_of=2027-01-31", role="finance")
    row = next(r for r in report["contracts"] if r["contract_id"] == cid)
    # Then the invoice sits in the 31–60 bucket with its accrued penalty
    assert row["31-60"] == "120000.00" and row["0-30"] == "0.00" and row["overdue"] == "120000.00"
    assert row["penalties"] == "2400.00"
    assert report["totals"]["31-60"] == "120000.00"
    # and before the due date it is outstanding but not overdue
    early = world.ok("GET", "/receivables?as_of=2026-12-01", role="finance")
    assert early["totals"]["not_yet_due"] == "120000.00" and early["totals"]["overdue"] == "0.00"
    csv = world.call("GET", "/receivables?as_of=2027-01-31&format=csv", role="finance")
    assert csv.status_code == 200 and "text/csv" in csv.headers["Content-Type"]
    text = csv.body.decode("utf-8") if isinstance(csv.body, bytes) else csv.body
    assert text.startswith("\ufeff")  # BOM, so Excel shows the Chinese names
    assert text.lstrip("\ufeff").startswith("contract_id,contract_no,client,status,outstanding,")
    assert "北京云帆科技有限公司" in text and "120000.00" in text
    # a full payment leaves only the late penalty on the report (40 days × 60.00)
    world.travel(date(2027, 1, 31))
    world.ok(
        "POST",
        f"/contracts/{cid}/payments",
        {"amount": "120000.00", "paid_on": "2027-01-31", "voucher_no": "V-R1", "method": "bank_transfer"},
        role="finance",
        status=201,
    )
    after = world.ok("GET", "/receivables?as_of=2027-01-31", role="finance")
    [row] = [r for r in after["contracts"] if r["contract_id"] == cid]
    assert (row["outstanding"], row["penalties_outstanding"]) == ("0.00", "2400.00")
