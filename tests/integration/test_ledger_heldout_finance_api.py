"""Held-out style ledger scenarios through the HTTP API on moto, as finance sees them: payments with `applies_to`,
the invoices, ledger and receivables views (JSON and CSV) as of every boundary, bad money input refused naming
the field, and the finance topic. Expected figures are hand-computed from docs/domain-rules.md ("Receivables
ledger"); the arithmetic is in the comments."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from tests.support import finance_messages

pytestmark = pytest.mark.integration
D = date.fromisoformat
FEE = "98765.43"
# Effective 2027-01-31, fee 98,765.43, 30 days to pay, 0.05 %/day, 3 years: year 1 due 2027-03-02.
TERMS = {"annual_fee": FEE, "payment_due_days": 30, "late_penalty": {"mode": "daily_pct", "rate_pct": "0.05"}}


def pay(world: Any, cid: str, amount: str, on: str, voucher: str, status: int = 201, **extra: Any) -> Any:
    world.travel(max(D(on), world.today))
    body = {"amount": amount, "paid_on": on, "voucher_no": voucher, "method": "bank_transfer", **extra}
    return world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=status)


def refused(world: Any, cid: str, body: dict[str, Any]) -> dict[str, Any]:
    full = {"amount": "100.00", "paid_on": "2027-03-03", "voucher_no": "BAD-1", "method": "bank_transfer", **body}
    resp = world.call("POST", f"/contracts/{cid}/payments", full, role="finance")
    assert resp.status_code == 400, (resp.status_code, resp.body)
    return dict(resp.json_body["error"])


@pytest.fixture
def contract(world: Any) -> str:
    world.travel(D("2027-01-31"))
    cid = str(world.active_contract(**TERMS))
    world.run("invoicing", D("2027-01-31"))
    return cid


def receivable(world: Any, cid: str, as_of: str) -> dict[str, Any] | None:
    report = world.ok("GET", f"/receivables?as_of={as_of}", role="finance")
    rows = [r for r in report["contracts"] if r["contract_id"] == cid]
    return rows[0] if rows else None


def test_payments_penalty_and_credit_through_the_api(world: Any, contract: str) -> None:
    cid = contract
    # 50,000.00 on due + 1
    receipt = pay(world, cid, "50000.00", "2027-03-03", "HO-1")
    assert receipt["allocations"] == [
        {"year": 1, "amount": "50000.00", "status": "partially_paid", "outstanding": "48765.43"}
    ]
    # The rest on 03-12, designated to the fee
    pay(world, cid, "48765.43", "2027-03-12", "HO-2", applies_to=[{"year": 1, "what": "fee"}])
    # 1 day on 98,765.43 + 9 days on 48,765.43 = 537,654.30 × 0.05 % = 268.82715 → 268.83
    [inv] = world.invoices(cid, D("2027-03-12"))
    assert (inv["status"], inv["penalties"]["accrued"], inv["penalties"]["outstanding"]) == ("paid", "268.83", "268.83")
    assert [(a["voucher_no"], a["amount"]) for a in inv["allocations"]] == [("HO-1", "50000.00"), ("HO-2", "48765.43")]
    # As of the due date and the day before the first payment: untouched, not overdue
    [on_due] = world.invoices(cid, D("2027-03-02"))
    assert (on_due["paid"], on_due["overdue"], on_due["penalties"]["accrued"]) == ("0.00", False, "0.00")
    # 300.00 undesignated on 04-30: 268.83 to the penalty, 31.17 credit
    receipt = pay(world, cid, "300.00", "2027-04-30", "HO-3")
    assert receipt["penalty_allocations"] == [{"year": 1, "amount": "268.83", "penalty_outstanding": "0.00"}]
    assert (receipt["to_credit"], receipt["credit_after"]) == ("31.17", "31.17")
    ledger = world.ok("GET", f"/contracts/{cid}/ledger?as_of=2027-04-30", role="finance")
    assert ledger["balances"] == {
        "fees_outstanding": "0.00",
        "penalties_outstanding": "0.00",
        "credit": "31.17",
        "net": "-31.17",
    }
    assert [f["type"] for f in ledger["facts"]] == ["fee", "payment", "payment", "payment"]
    assert ledger["facts"][3]["placed"] == [{"year": 1, "what": "late_penalty", "amount": "268.83"}]
    # Receivables: the day before, the penalty alone; that day, the credit alone
    row = receivable(world, cid, "2027-04-29")
    assert row is not None
    assert (row["outstanding"], row["penalties_outstanding"], row["credit"], row["net"]) == (
        "0.00",
        "268.83",
        "0.00",
        "268.83",
    )
    row = receivable(world, cid, "2027-04-30")
    assert row is not None and (row["penalties_outstanding"], row["credit"], row["net"]) == ("0.00", "31.17", "-31.17")
    # Due + 1 in the aging: 0–30, with 49.38 of penalty
    row = receivable(world, cid, "2027-03-03")
    assert row is not None
    assert (row["0-30"], row["overdue"], row["penalties_outstanding"]) == ("48765.43", "48765.43", "49.38")


def test_the_receivables_csv_carries_the_same_figures(world: Any, contract: str) -> None:
    cid = contract
    pay(world, cid, "50000.00", "2027-03-03", "CSV-1")
    world.travel(D("2027-04-15"))
    resp = world.call("GET", "/receivables?as_of=2027-04-15&format=csv", role="finance")
    assert resp.status_code == 200
    text = resp.body.decode("utf-8") if isinstance(resp.body, bytes) else resp.body
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    header, body = rows[0], rows[1]
    assert len(rows) == 2  # the header and the one contract: the totals are the JSON's
    cell = dict(zip(header, body, strict=True))
    # 48,765.43 overdue 44 days (03-03..04-15) → 31–60;
    # penalty: 98,765.43 + 43 × 48,765.43 (2,096,913.49) = 2,195,678.92 × 0.05 % = 1,097.83946 → 1,097.84
    assert cell["31-60"] == "48765.43"
    assert cell["penalties_outstanding"] == "1097.84"
    assert cell["net"] == "49863.27"  # 48,765.43 + 1,097.84


def test_bad_money_input_is_refused_naming_the_field(world: Any, contract: str) -> None:
    cid = contract
    world.travel(D("2027-03-10"))
    assert "applies_to[0].year" in str(refused(world, cid, {"applies_to": [{"year": 4, "what": "fee"}]}))
    assert "applies_to" in str(refused(world, cid, {"applies_to": [{"year": 1, "what": "interest"}]}))
    assert "paid_on" in str(refused(world, cid, {"paid_on": "2027-01-30"}))  # before the effective date
    assert "paid_on" in str(refused(world, cid, {"paid_on": "2027-03-11"}))  # in the future
    assert "amount" in str(refused(world, cid, {"amount": "100.001"}))
    assert "amount" in str(refused(world, cid, {"amount": "0.00"}))
    resp = world.call("GET", f"/contracts/{cid}/invoices?as_of=2027-02-30", role="finance")
    assert resp.status_code == 400 and "as_of" in str(resp.json_body)
    # Nothing was written
    assert world.ok("GET", f"/contracts/{cid}/ledger", role="finance")["balances"]["fees_outstanding"] == FEE


def test_overpayment_is_accepted_as_credit_and_finance_is_told(world: Any, contract: str) -> None:
    cid = contract
    receipt = pay(world, cid, "100000.00", "2027-02-15", "OVER")
    # 100,000.00 − 98,765.43 = 1,234.57 credit
    assert (receipt["to_credit"], receipt["outstanding_after"]) == ("1234.57", "0.00")
    world.deliver()
    [told] = [m for m in finance_messages(world.aws) if m.get("event_type") == "PaymentReceived"]
    assert (told["amount"], told["to_credit"]) == ("100000.00", "1234.57")
    # Year 2 (2028-01-31) is paid 1,234.57 from the credit on its issue date
    world.run("invoicing", D("2028-01-31"))
    year2 = {i["year"]: i for i in world.invoices(cid, D("2028-01-31"))}[2]
    assert (year2["paid"], year2["outstanding"], year2["due_date"]) == ("1234.57", "97530.86", "2028-03-01")
    applied = [m for m in finance_messages(world.aws) if m.get("event_type") == "CreditApplied"]
    assert [(m["amount"], m["credit_after"]) for m in applied] == [("1234.57", "0.00")]


def finance(world: Any, kind: str) -> list[dict[str, Any]]:
    return [m for m in finance_messages(world.aws) if m.get("event_type") == kind]


def test_the_overdue_job_tells_finance_once_per_level_even_when_rerun(world: Any, contract: str) -> None:
    cid = contract
    for day in ("2027-03-03", "2027-03-03", "2027-03-17", "2027-04-01", "2027-04-01", "2027-03-17"):
        world.run("overdue", D(day))
    assert [(m["year"], m["level"]) for m in finance(world, "InvoiceOverdue")] == [(1, 1), (1, 15), (1, 30)]
    # 49.382715 a day: 1 → 49.38; 15 → 740.740725 → 740.74; 30 → 1,481.4814 → 1,481.48
    assert [(m["penalty_total"], m["penalty_delta"]) for m in finance(world, "PenaltyAssessed")] == [
        ("49.38", "49.38"),
        ("740.74", "691.36"),
        ("1481.48", "740.74"),
    ]
    # A slip for the whole fee dated 03-07 (due + 5), found on 04-02: 5 days → 246.913575 → 246.91
    world.travel(D("2027-04-02"))
    pay(world, cid, FEE, "2027-03-07", "FOUND")
    world.deliver()
    assert [(m["penalty_total"], m["penalty_delta"]) for m in finance(world, "PenaltyAdjusted")] == [
        ("246.91", "-1234.57")
    ]
    [inv] = world.invoices(cid, D("2027-04-02"))
    assert (inv["penalties"]["accrued"], inv["penalties"]["assessed"]) == ("246.91", "246.91")


def test_a_late_invoicing_run_moves_a_payment_recorded_before_it_to_the_new_fee(world: Any, contract: str) -> None:
    cid = contract
    pay(world, cid, FEE, "2027-03-12", "Y1")  # 10 days late: 493.83
    # Year 2 (2028-01-31) not issued yet; 400.00 paid 2028-02-05 pays year 1's penalty for now
    world.travel(D("2028-02-10"))
    pay(world, cid, "400.00", "2028-02-05", "FEB")
    world.run("invoicing", D("2028-02-10"))
    # Issued late, year 2 is the fee issued by 02-05: the 400.00 goes to it, year 1's penalty is owed again
    by_year = {i["year"]: i for i in world.invoices(cid, D("2028-02-10"))}
    assert (by_year[2]["paid"], by_year[2]["outstanding"]) == ("400.00", "98365.43")
    assert by_year[1]["penalties"]["outstanding"] == "493.83"
    assert len(finance(world, "PaymentsReallocated")) == 1
    # The overdue job's alert at due + 1 (2028-03-02): 98,365.43 × 0.05 % = 49.182715 → 49.18
    world.run("overdue", D("2028-03-02"))
    [alert] = [m for m in finance(world, "InvoiceOverdue") if m["year"] == 2]
    assert (alert["outstanding"], alert["penalty_accrued"]) == ("98365.43", "49.18")
