"""The receivables ledger's stories through the API, the workers and the notifier on moto: money is right in any
recording order and at any past date (docs/domain-rules.md, "Receivables ledger")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.integration.test_notices_and_amendments import sign_amendment
from tests.support import finance_messages

pytestmark = pytest.mark.integration
EFFECTIVE = date(2026, 11, 22)  # year 1 due 2026-12-22; year 2 issued 2027-11-22, due 2027-12-22
DUE1 = date(2026, 12, 22)


def pay(world: Any, cid: str, amount: str, paid_on: date, voucher: str, **extra: Any) -> Any:
    body = {"amount": amount, "paid_on": paid_on.isoformat(), "voucher_no": voucher, "method": "bank_transfer"}
    return world.ok("POST", f"/contracts/{cid}/payments", {**body, **extra}, role="finance", status=201)


def by_year(world: Any, cid: str, as_of: date | None = None) -> dict[int, dict[str, Any]]:
    return {i["year"]: i for i in world.invoices(cid, as_of)}


def events(aws: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [m for m in finance_messages(aws) if m.get("event_type") == kind]


def test_a_late_slip_recorded_after_a_later_payment_still_goes_to_year_1(world: Any) -> None:
    # Given a 120000.00 fee, 30 days to pay, 0.05 %/day, years 1 and 2 invoiced
    cid = world.active_contract()
    world.run("invoicing", date(2027, 11, 22))
    # When finance records the December payment first (paid on time for year 2) ...
    world.travel(date(2027, 12, 5))
    pay(world, cid, "120000.00", date(2027, 12, 1), "DEC-1")
    world.deliver()
    # ... and then finds the January slip (year 1, paid 14 days late)
    receipt = pay(world, cid, "120000.00", date(2027, 1, 5), "JAN-1")
    world.deliver()
    # Then the January money paid year 1 and the December money year 2, whatever the recording order
    assert [a["year"] for a in receipt["allocations"]] == [1]
    invoices = by_year(world, cid)
    assert (invoices[1]["status"], invoices[2]["status"]) == ("paid", "paid")
    assert [a["voucher_no"] for a in invoices[2]["allocations"]] == ["DEC-1"]
    # And year 1's penalty is 14 days: 120000.00 × 0.05 % × 14 = 840.00, not 20640.00
    assert invoices[1]["penalties"]["accrued"] == "840.00"
    assert invoices[2]["penalties"]["accrued"] == "0.00"
    # And finance was told the payments moved and the penalty it was told went down
    assert len(events(world.aws, "PaymentsReallocated")) == 1
    [adjusted] = events(world.aws, "PenaltyAdjusted")
    assert (adjusted["penalty_total"], adjusted["penalty_delta"]) == ("840.00", "-19800.00")
    # And as of due + 10 the fee was still owed, with 10 days of penalty, though it was paid later
    then = by_year(world, cid, DUE1 + timedelta(days=10))
    assert (then[1]["outstanding"], then[1]["penalties"]["accrued"]) == ("120000.00", "600.00")
    assert 2 not in then
    # And the penalty stays receivable until it is paid
    world.travel(date(2028, 1, 10))
    report = world.ok("GET", "/receivables?as_of=2028-01-10", role="finance")
    [row] = report["contracts"]
    assert (row["outstanding"], row["penalties_outstanding"], row["net"]) == ("0.00", "840.00", "840.00")
    receipt = pay(world, cid, "840.00", date(2028, 1, 10), "PEN-1", applies_to=[{"year": 1, "what": "late_penalty"}])
    assert receipt["penalty_allocations"] == [{"year": 1, "amount": "840.00", "penalty_outstanding": "0.00"}]
    world.travel(date(2028, 1, 11))
    assert world.ok("GET", "/receivables?as_of=2028-01-11", role="finance")["contracts"] == []
    # while the receivables of a day before it was paid still show it
    assert (
        world.ok("GET", "/receivables?as_of=2028-01-09", role="finance")["contracts"][0]["penalties_outstanding"]
        == "840.00"
    )


def test_a_notice_recorded_after_it_was_served_cancels_the_year_that_never_began(world: Any) -> None:
    cid = world.active_contract(notice_period_days=30)
    world.run("invoicing", date(2027, 11, 22))
    assert by_year(world, cid)[2]["status"] == "open"
    # When a notice served 40 days before year 2 is recorded after year 2 was invoiced
    world.travel(date(2027, 11, 25))
    served = {"by": "client", "reason_code": "convenience", "details": "经营调整", "notice_date": "2027-10-13"}
    notice = world.ok("POST", f"/contracts/{cid}/termination", served, status=201)
    assert notice["effective_date"] == "2027-11-12"
    world.deliver()
    # Then year 2's invoice is cancelled: it owes nothing, accrues nothing, is never chased
    year2 = by_year(world, cid)[2]
    assert (year2["status"], year2["outstanding"], year2["cancelled_on"]) == ("cancelled", "0.00", "2027-11-22")
    assert [m["year"] for m in events(world.aws, "InvoiceCancelled")] == [2]
    world.run("lifecycle", date(2027, 11, 25))
    assert world.contract(cid)["status"] == "terminated"
    world.run("overdue", date(2028, 3, 1))
    assert {m["year"] for m in events(world.aws, "InvoiceOverdue")} == {1}
    rows = world.ok("GET", "/receivables?as_of=2028-03-01", role="finance")["contracts"]
    assert [i["year"] for i in rows[0]["invoices"]] == [1]


@pytest.mark.parametrize("signed_at_hour", [0, 10])
def test_an_agreement_signed_on_a_years_first_day_governs_that_year(world: Any, signed_at_hour: int) -> None:
    cid = world.active_contract()
    world.travel(date(2027, 11, 15))
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"annual_fee": "150000.00"}, "reason": "服务范围扩大"},
        status=201,
    )
    world.deliver()
    start2 = date(2027, 11, 22)
    if signed_at_hour == 10:
        world.run("invoicing", start2)  # the run came first that day
    # Both parties sign on year 2's first day, at 00:30 or 10:00 in Shanghai
    world.clock.set(datetime(2027, 11, 22, signed_at_hour, 30, tzinfo=UTC) - timedelta(hours=8))
    sign_amendment(world, 1)
    world.run("invoicing", start2)
    # Then year 2 is invoiced at the new fee either way, and the contract amount agrees with the invoices
    year2 = by_year(world, cid)[2]
    assert (year2["amount"], year2["amount_in_words"]) == ("150000.00", "人民币壹拾伍万元整")
    if signed_at_hour == 10:
        assert year2["revisions"][0]["amount"] == "150000.00"
        [revised] = events(world.aws, "InvoiceRevised")
        assert (revised["previous_amount"], revised["amount"]) == ("120000.00", "150000.00")
    else:
        assert year2["revisions"] == []
    assert world.contract(cid)["contract_amount"] == "420000.00"


def test_credit_pays_the_next_year_and_a_refund_beyond_it_is_refused(world: Any) -> None:
    cid = world.active_contract()
    world.run("invoicing", EFFECTIVE)
    # When the client pays 150000.00 against a 120000.00 fee
    world.travel(date(2026, 12, 1))
    receipt = pay(world, cid, "150000.00", date(2026, 12, 1), "OVER-1")
    assert (receipt["to_credit"], receipt["credit_after"]) == ("30000.00", "30000.00")
    ledger = world.ok("GET", f"/contracts/{cid}/ledger", role="finance")
    assert ledger["balances"] == {
        "fees_outstanding": "0.00",
        "penalties_outstanding": "0.00",
        "credit": "30000.00",
        "net": "-30000.00",
    }
    # Then a refund beyond the credit is refused, naming the amount, and one within it is recorded
    world.travel(date(2027, 1, 5))
    refused = world.call(
        "POST",
        f"/contracts/{cid}/refunds",
        {"amount": "30000.01", "paid_on": "2027-01-05", "voucher_no": "RF-1", "reason": "多付退回"},
        role="finance",
    )
    assert refused.status_code == 409 and refused.json_body["error"]["field"] == "amount"
    world.ok(
        "POST",
        f"/contracts/{cid}/refunds",
        {"amount": "10000.00", "paid_on": "2027-01-05", "voucher_no": "RF-2", "reason": "多付退回"},
        role="finance",
        status=201,
    )
    # And the rest of the credit pays year 2 on its issue date (so it is paid on time)
    world.run("invoicing", date(2027, 11, 22))
    year2 = by_year(world, cid)[2]
    assert (year2["paid"], year2["outstanding"], year2["status"]) == ("20000.00", "100000.00", "partially_paid")
    [applied] = events(world.aws, "CreditApplied")
    assert (applied["year"], applied["amount"], applied["credit_after"]) == (2, "20000.00", "0.00")


def test_a_penalty_can_be_waived_up_to_what_is_outstanding(world: Any) -> None:
    cid = world.active_contract()
    world.run("invoicing", EFFECTIVE)
    world.travel(DUE1 + timedelta(days=20))
    pay(world, cid, "120000.00", DUE1 + timedelta(days=20), "LATE-1")  # penalty 1200.00
    too_much = world.call(
        "POST", f"/contracts/{cid}/penalties/1/waive", {"amount": "1200.01", "reason": "客户申请减免"}, role="finance"
    )
    assert too_much.status_code == 409 and too_much.json_body["error"]["field"] == "amount"
    waived = world.ok(
        "POST",
        f"/contracts/{cid}/penalties/1/waive",
        {"amount": "200.00", "reason": "客户申请减免"},
        role="finance",
        status=201,
    )
    assert waived["penalty_outstanding"] == "1000.00"
    penalties = by_year(world, cid)[1]["penalties"]
    assert (penalties["accrued"], penalties["waived"], penalties["outstanding"]) == ("1200.00", "200.00", "1000.00")
    # A set-off of what the vendor owes the client settles the rest
    set_off = world.ok(
        "POST",
        f"/contracts/{cid}/set-offs",
        {"year": 1, "amount": "1000.00", "reason": "乙方服务违约金抵销", "claim": "SLA-2027-01"},
        role="finance",
        status=201,
    )
    assert set_off["penalty_outstanding"] == "0.00"
    assert by_year(world, cid)[1]["penalties"]["set_off"] == "1000.00"
