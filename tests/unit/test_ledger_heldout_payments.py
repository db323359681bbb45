"""Held-out style ledger scenarios: amounts with cents, other rates, due days and year starts than the seeds, payments
on every boundary, partial, same-day and designated payments, credit, and penalties left after the fee is paid.
Every expectation is computed by hand from docs/domain-rules.md ("Receivables ledger"); the arithmetic is in the
comments. Figures are read from the API's own response builders (invoices, ledger, receivables)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.errors import Conflict
from tests.unit.conftest import Office
from tests.unit.ledger_heldout_support import Desk, clause

D = date.fromisoformat
FEE = "98765.43"


@pytest.fixture
def desk(office: Office) -> Desk:
    return Desk(office)


def contract_31st(office: Office, **terms: object) -> str:
    """Effective 2027-01-31 (a 31st), fee 98,765.43, 30 days to pay, 0.05 %/day, no cap, 3 years.
    Year 1: issued 2027-01-31, due 2027-01-31 + 30 = 2027-03-02 (February 2027 has 28 days).
    Year 2: issued 2028-01-31, due 2028-03-01 (February 2028 has 29 days)."""
    terms = {"annual_fee": FEE, "payment_due_days": 30, "late_penalty": clause("daily_pct", "0.05"), **terms}
    cid = office.activate(D("2027-01-31"), **terms)
    office.run_invoicing(D("2027-01-31"))
    return cid


# ---- dates -------------------------------------------------------------------------------------------------
def test_a_fee_of_a_year_starting_on_the_31st_is_due_30_days_later_across_february(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    office.run_invoicing(D("2028-01-31"))
    inv = desk.invoices(cid, D("2028-01-31"))
    assert (inv[1]["issue_date"], inv[1]["due_date"]) == ("2027-01-31", "2027-03-02")
    assert (inv[2]["issue_date"], inv[2]["due_date"]) == ("2028-01-31", "2028-03-01")
    assert (inv[1]["amount"], inv[1]["amount_in_words"]) == ("98765.43", "人民币玖万捌仟柒佰陆拾伍元肆角叁分")


def test_the_invoice_views_at_the_issue_day_the_due_day_and_due_plus_one(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    office.at(D("2027-04-01"))
    # The day before the issue date nothing is listed
    assert desk.invoices(cid, D("2027-01-30")) == {}
    for day in (D("2027-01-31"), D("2027-03-02")):  # issue day, due day: owed, not overdue, no penalty
        inv = desk.invoices(cid, day)[1]
        assert (inv["outstanding"], inv["overdue"], inv["days_overdue"]) == (FEE, False, 0)
        assert inv["penalties"]["accrued"] == "0.00"
    # due + 1: one day on 98,765.43 × 0.05 % = 49.382715 → 49.38
    inv = desk.invoices(cid, D("2027-03-03"))[1]
    assert (inv["overdue"], inv["days_overdue"], inv["penalties"]["accrued"]) == (True, 1, "49.38")
    # due + 10, rounded once at the end: 49.382715 × 10 = 493.82715 → 493.83 (not 49.38 × 10 = 493.80)
    assert desk.invoices(cid, D("2027-03-12"))[1]["penalties"]["accrued"] == "493.83"


def test_the_aging_buckets_at_their_boundaries(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    office.at(D("2027-07-01"))
    due = D("2027-03-02")
    # days overdue → bucket: 30 → 0–30, 31 → 31–60, 60 → 31–60, 61 → 61–90, 90 → 61–90, 91 → 90+
    for days, bucket in ((30, "0-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"), (91, "90+")):
        row = desk.row(cid, due + timedelta(days=days))
        assert row is not None
        assert row[bucket] == FEE, (days, row)
        assert row["overdue"] == FEE and row["not_yet_due"] == "0.00"
    # 91 days: 49.382715 × 91 = 4493.827065 → 4493.83; 31 days: 1530.864165 → 1530.86
    assert desk.row(cid, due + timedelta(days=91))["penalties_outstanding"] == "4493.83"  # type: ignore[index]
    assert desk.row(cid, due + timedelta(days=31))["penalties_outstanding"] == "1530.86"  # type: ignore[index]
    # On the due date itself the fee is not yet due
    row = desk.row(cid, due)
    assert row is not None and (row["not_yet_due"], row["overdue"], row["net"]) == (FEE, "0.00", FEE)


# ---- partial payments, payments on boundaries, the penalty left after the fee -------------------------------
def test_a_partial_payment_on_due_plus_one_still_accrues_that_day_on_the_whole_fee(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    desk.pay(cid, "50000.00", D("2027-03-03"), "P-1")
    desk.pay(cid, "48765.43", D("2027-03-12"), "P-2")
    office.at(D("2027-04-30"))
    # The day before the payment: nothing paid yet
    before = desk.invoices(cid, D("2027-03-02"))[1]
    assert (before["paid"], before["outstanding"], before["status"]) == ("0.00", FEE, "open")
    # On the payment's day: 50,000 paid, 48,765.43 left, and day 03-03 accrued on 98,765.43 → 49.38
    on = desk.invoices(cid, D("2027-03-03"))[1]
    assert (on["paid"], on["outstanding"], on["status"]) == ("50000.00", "48765.43", "partially_paid")
    assert on["penalties"]["accrued"] == "49.38"
    # As of 03-12: 1 day (03-03) on 98,765.43 + 9 days (03-04..03-12) on 48,765.43
    #   = 98,765.43 + 438,888.87 = 537,654.30 × 0.05 % = 268.82715 → 268.83
    at_12 = desk.invoices(cid, D("2027-03-12"))[1]
    assert (at_12["status"], at_12["outstanding"], at_12["penalties"]["accrued"]) == ("paid", "0.00", "268.83")
    # The fee is paid, accrual stopped at the last payment: still 268.83 a month later, and still receivable
    later = desk.invoices(cid, D("2027-04-30"))[1]
    assert (later["penalties"]["accrued"], later["penalties"]["outstanding"]) == ("268.83", "268.83")
    row = desk.row(cid, D("2027-04-30"))
    assert row is not None
    assert (row["outstanding"], row["penalties_outstanding"], row["credit"], row["net"]) == (
        "0.00",
        "268.83",
        "0.00",
        "268.83",
    )
    # The payment that settled the fee late told finance the final penalty
    assert [(p["penalty_total"], p["penalty_delta"]) for p in desk.told(cid, "PenaltyAssessed")] == [
        ("268.83", "268.83")
    ]


def test_a_payment_on_the_due_date_is_on_time_and_one_a_day_later_is_not(office: Office, desk: Desk) -> None:
    on_time = contract_31st(office)
    desk.pay(on_time, FEE, D("2027-03-02"), "ON-DUE")
    late = contract_31st(office)
    desk.pay(late, FEE, D("2027-03-03"), "DUE-PLUS-1")
    office.at(D("2027-06-01"))
    # Paid on the due date: never overdue, no penalty, nothing receivable
    assert desk.invoices(on_time, D("2027-06-01"))[1]["penalties"]["accrued"] == "0.00"
    assert desk.row(on_time, D("2027-06-01")) is None
    # Paid on due + 1: exactly one day, 49.38, which stays owed
    inv = desk.invoices(late, D("2027-06-01"))[1]
    assert (inv["status"], inv["days_overdue"], inv["penalties"]["accrued"]) == ("paid", 0, "49.38")
    row = desk.row(late, D("2027-06-01"))
    assert row is not None and (row["outstanding"], row["penalties_outstanding"]) == ("0.00", "49.38")


def test_money_after_the_fee_goes_to_the_penalty_then_to_credit_which_pays_next_years_fee_on_issue(
    office: Office, desk: Desk
) -> None:
    cid = contract_31st(office)
    desk.pay(cid, "50000.00", D("2027-03-03"), "P-1")
    desk.pay(cid, "48765.43", D("2027-03-12"), "P-2")
    # 300.00 undesignated: no fee owed → year 1's penalty 268.83 → 31.17 credit
    receipt = desk.pay(cid, "300.00", D("2027-04-30"), "P-3")
    assert receipt["penalty_allocations"] == [{"year": 1, "amount": "268.83", "penalty_outstanding": "0.00"}]
    assert (receipt["to_credit"], receipt["credit_after"]) == ("31.17", "31.17")
    # Until year 2 the contract holds credit: listed, net = 0 + 0 − 31.17
    office.at(D("2028-01-30"))
    assert desk.balances(cid, D("2028-01-30")) == {
        "fees_outstanding": "0.00",
        "penalties_outstanding": "0.00",
        "credit": "31.17",
        "net": "-31.17",
    }
    row = desk.row(cid, D("2028-01-30"))
    assert row is not None and (row["credit"], row["net"]) == ("31.17", "-31.17")
    # Year 2 (issued 2028-01-31) is paid from the credit on its issue date: 98,765.43 − 31.17 = 98,734.26
    office.run_invoicing(D("2028-01-31"))
    inv = desk.invoices(cid, D("2028-01-31"))[2]
    assert (inv["paid"], inv["outstanding"], inv["status"]) == ("31.17", "98734.26", "partially_paid")
    assert [a["voucher_no"] for a in inv["allocations"]] == ["P-3"]
    [applied] = desk.told(cid, "CreditApplied")
    assert (applied["amount"], applied["fee_outstanding"], applied["credit_after"]) == ("31.17", "98734.26", "0.00")
    assert desk.balances(cid, D("2028-01-31"))["credit"] == "0.00"
    # and a penalty paid in full is not receivable any more; the day before year 2 the row showed only credit
    assert desk.row(cid, D("2028-01-31"))["net"] == "98734.26"  # type: ignore[index]


def test_an_overpayment_becomes_credit_and_a_refund_beyond_it_is_refused(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    # 120,000.00 for 98,765.43: 21,234.57 credit
    receipt = desk.pay(cid, "120000.00", D("2027-02-10"), "OVER-1")
    assert (receipt["to_credit"], receipt["outstanding_after"]) == ("21234.57", "0.00")
    with pytest.raises(Conflict) as refused:
        desk.refund(cid, "21234.58", D("2027-02-11"), "RF-1")
    assert refused.value.field == "amount"
    desk.refund(cid, "1234.57", D("2027-02-11"), "RF-2")
    # 21,234.57 − 1,234.57 = 20,000.00; year 2: 98,765.43 − 20,000.00 = 78,765.43 left
    assert desk.balances(cid, D("2027-02-11"))["credit"] == "20000.00"
    assert desk.balances(cid, D("2027-02-10"))["credit"] == "21234.57"  # the day before the refund
    office.run_invoicing(D("2028-01-31"))
    inv = desk.invoices(cid, D("2028-01-31"))[2]
    assert (inv["paid"], inv["outstanding"]) == ("20000.00", "78765.43")


# ---- rates, caps, modes ------------------------------------------------------------------------------------
def contract_30th(office: Office, late: dict[str, object]) -> str:
    """Effective 2027-05-30, 10 days to pay (due 2027-06-09), fee 98,765.43, 3 years."""
    cid = office.activate(D("2027-05-30"), annual_fee=FEE, payment_due_days=10, late_penalty=late)
    office.run_invoicing(D("2027-05-30"))
    return cid


def test_three_tenths_pct_a_day_is_capped_at_ten_pct_of_the_unpaid_fee(office: Office, desk: Desk) -> None:
    cid = contract_30th(office, clause("daily_pct", "0.3", "10"))
    office.at(D("2027-12-01"))
    inv = desk.invoices(cid, D("2027-06-09"))[1]
    assert inv["due_date"] == "2027-06-09" and inv["penalties"]["accrued"] == "0.00"
    # A day: 98,765.43 × 0.3 % = 296.29629; 33 days = 9,777.77757 → 9,777.78 (below the cap)
    assert desk.invoices(cid, D("2027-07-12"))[1]["penalties"]["accrued"] == "9777.78"
    # 34 days = 10,074.07 > cap 10 % × 98,765.43 = 9,876.543 → 9,876.54, and it stays there
    assert desk.invoices(cid, D("2027-07-13"))[1]["penalties"]["accrued"] == "9876.54"
    assert desk.invoices(cid, D("2027-12-01"))[1]["penalties"]["accrued"] == "9876.54"


def test_the_cap_is_measured_on_what_was_unpaid_at_the_end_of_the_due_date(office: Office, desk: Desk) -> None:
    cid = contract_30th(office, clause("daily_pct", "0.3", "10"))
    # 18,765.43 paid on the due date leaves 80,000.00 overdue: 240.00 a day, cap 8,000.00
    desk.pay(cid, "18765.43", D("2027-06-09"), "ON-DUE")
    desk.pay(cid, "80000.00", D("2027-07-19"), "LATE")  # due + 40
    office.at(D("2027-09-01"))
    assert desk.invoices(cid, D("2027-07-12"))[1]["penalties"]["accrued"] == "7920.00"  # 33 × 240
    assert desk.invoices(cid, D("2027-07-13"))[1]["penalties"]["accrued"] == "8000.00"  # 34 × 240 = 8160 → cap
    inv = desk.invoices(cid, D("2027-09-01"))[1]
    assert (inv["status"], inv["penalties"]["accrued"], inv["penalties"]["outstanding"]) == (
        "paid",
        "8000.00",
        "8000.00",
    )
    # A waiver of 1,000.00 and 7,000.00 designated to the penalty settle it
    desk.waive(cid, 1, "1000.00", D("2027-09-01"))
    receipt = desk.pay(cid, "7000.00", D("2027-09-02"), "PEN", applies_to=[(1, "late_penalty")])
    assert receipt["penalty_allocations"] == [{"year": 1, "amount": "7000.00", "penalty_outstanding": "0.00"}]
    assert desk.row(cid, D("2027-09-02")) is None
    row = desk.row(cid, D("2027-09-01"))
    assert row is not None and (row["penalties"], row["penalties_outstanding"]) == ("8000.00", "7000.00")


def test_contract_pct_is_charged_once_on_the_contract_amount(office: Office, desk: Desk) -> None:
    cid = contract_30th(office, clause("contract_pct", "2"))
    office.at(D("2028-03-01"))
    # contract amount = 3 × 98,765.43 = 296,296.29; × 2 % = 5,925.9258 → 5,925.93, once
    assert desk.invoices(cid, D("2027-06-09"))[1]["penalties"]["accrued"] == "0.00"
    assert desk.invoices(cid, D("2027-06-10"))[1]["penalties"]["accrued"] == "5925.93"
    assert desk.invoices(cid, D("2028-03-01"))[1]["penalties"]["accrued"] == "5925.93"
    # A partial payment after due + 1 changes nothing of it
    desk.pay(cid, "50000.00", D("2027-07-01"), "PART", record_on=D("2028-03-01"))
    assert desk.invoices(cid, D("2028-03-01"))[1]["penalties"]["accrued"] == "5925.93"


def test_contract_pct_with_a_cap_is_capped_on_the_unpaid_amount(office: Office, desk: Desk) -> None:
    capped = contract_30th(office, clause("contract_pct", "2", "5"))
    paid_some = contract_30th(office, clause("contract_pct", "2", "5"))
    desk.pay(paid_some, "50000.00", D("2027-06-01"), "BEFORE-DUE")
    office.at(D("2027-08-01"))
    # cap 5 % × 98,765.43 = 4,938.2715 → 4,938.27 < 5,925.93
    assert desk.invoices(capped, D("2027-08-01"))[1]["penalties"]["accrued"] == "4938.27"
    # 48,765.43 unpaid on the due date: 5 % = 2,438.2715 → 2,438.27
    assert desk.invoices(paid_some, D("2027-08-01"))[1]["penalties"]["accrued"] == "2438.27"


def test_contract_pct_paid_in_full_on_the_due_date_owes_nothing(office: Office, desk: Desk) -> None:
    cid = contract_30th(office, clause("contract_pct", "2"))
    desk.pay(cid, FEE, D("2027-06-09"), "ON-DUE")
    office.at(D("2027-08-01"))
    assert desk.invoices(cid, D("2027-08-01"))[1]["penalties"]["accrued"] == "0.00"
    assert desk.row(cid, D("2027-08-01")) is None


# ---- 29 February, other due days, payments before an issue date ---------------------------------------------
def contract_leap(office: Office) -> str:
    """Effective 2028-02-29, fee 50,000.00, 15 days to pay, 0.1 %/day. Year 1 issued 2028-02-29 due 2028-03-15;
    year 2 issued 2029-02-28 (no 29th) due 2029-03-15; year 3 issued 2030-02-28 due 2030-03-15."""
    return office.activate(
        D("2028-02-29"), annual_fee="50000.00", payment_due_days=15, late_penalty=clause("daily_pct", "0.1")
    )


def test_a_leap_day_contract_and_a_payment_before_the_next_issue_date(office: Office, desk: Desk) -> None:
    cid = contract_leap(office)
    office.run_invoicing(D("2028-02-29"))
    desk.pay(cid, "50000.00", D("2028-03-15"), "Y1")
    # 60,000.00 paid before year 2 is issued: all credit until 2029-02-28
    receipt = desk.pay(cid, "60000.00", D("2029-01-10"), "ADVANCE")
    assert (receipt["allocations"], receipt["to_credit"]) == ([], "60000.00")
    office.run_invoicing(D("2029-02-28"))
    office.run_invoicing(D("2030-02-28"))
    office.at(D("2030-04-01"))
    inv = desk.invoices(cid, D("2030-04-01"))
    assert [(i["issue_date"], i["due_date"]) for i in inv.values()] == [
        ("2028-02-29", "2028-03-15"),
        ("2029-02-28", "2029-03-15"),
        ("2030-02-28", "2030-03-15"),
    ]
    # The day before year 2: 60,000 credit; on its issue date 50,000 pays it, 10,000 stays
    assert desk.balances(cid, D("2029-02-27"))["credit"] == "60000.00"
    assert (inv[2]["status"], inv[2]["penalties"]["accrued"]) == ("paid", "0.00")
    assert desk.balances(cid, D("2029-02-28"))["credit"] == "10000.00"
    # Year 3 takes the 10,000: 40,000 overdue from 2030-03-16; as of 03-25, 10 days × 40,000 × 0.1 % = 400.00
    assert (inv[3]["paid"], inv[3]["outstanding"]) == ("10000.00", "40000.00")
    assert desk.invoices(cid, D("2030-03-25"))[3]["penalties"]["accrued"] == "400.00"
    assert desk.invoices(cid, D("2028-03-16"))[1]["penalties"]["accrued"] == "0.00"  # paid on its due date


def test_a_designation_to_a_fee_not_yet_issued_is_credit_until_it_is(office: Office, desk: Desk) -> None:
    cid = contract_leap(office)
    office.run_invoicing(D("2028-02-29"))
    desk.pay(cid, "50000.00", D("2028-03-01"), "Y1")
    # Designated to year 2's fee, paid before it is issued: nothing owed there on its date → credit
    receipt = desk.pay(cid, "5000.00", D("2028-06-01"), "FOR-Y2", applies_to=[(2, "fee")])
    assert (receipt["allocations"], receipt["to_credit"]) == ([], "5000.00")
    office.run_invoicing(D("2029-02-28"))
    office.at(D("2029-03-01"))
    inv = desk.invoices(cid, D("2029-03-01"))[2]
    assert (inv["paid"], inv["outstanding"]) == ("5000.00", "45000.00")


# ---- several payments on one day, designations -------------------------------------------------------------
def two_overdue_years(office: Office) -> str:
    """Effective 2025-12-31, fee 10,000.00, 30 days, 0.1 %/day. Year 1 due 2026-01-30, year 2 issued 2026-12-31
    due 2027-01-30; both unpaid. As of 2027-02-09: year 1 375 days overdue (365 + 10), penalty
    10,000 × 0.1 % × 375 = 3,750.00; year 2 10 days, 100.00."""
    cid = office.activate(
        D("2025-12-31"), annual_fee="10000.00", payment_due_days=30, late_penalty=clause("daily_pct", "0.1")
    )
    office.run_invoicing(D("2026-12-31"))
    return cid


SAME_DAY = D("2027-02-09")
PAYMENTS = {
    "A": ("500.00", [(2, "late_penalty")]),
    "B": ("12000.00", []),
    "C": ("3000.00", [(1, "late_penalty")]),
}


@pytest.mark.parametrize("order", ["ABC", "CBA", "BAC"])
def test_three_payments_on_one_day_in_any_recorded_order(office: Office, desk: Desk, order: str) -> None:
    cid = two_overdue_years(office)
    for name in order:
        amount, designation = PAYMENTS[name]
        desk.pay(cid, amount, SAME_DAY, f"SD-{name}", applies_to=designation)
    office.at(D("2027-03-01"))
    # owed 20,000 + 3,750 + 100 = 23,850; paid 15,500 → 8,350 = year 2 fee 7,600 + year 1 penalty 750
    # (A: 100 to year 2's penalty, the rest to fees, oldest first; C: 3,000 to year 1's penalty; B: the fees)
    assert desk.balances(cid, SAME_DAY) == {
        "fees_outstanding": "7600.00",
        "penalties_outstanding": "750.00",
        "credit": "0.00",
        "net": "8350.00",
    }
    inv = desk.invoices(cid, SAME_DAY)
    assert (inv[1]["status"], inv[1]["penalties"]["accrued"], inv[1]["penalties"]["outstanding"]) == (
        "paid",
        "3750.00",
        "750.00",
    )
    assert (inv[2]["outstanding"], inv[2]["penalties"]["accrued"], inv[2]["penalties"]["paid"]) == (
        "7600.00",
        "100.00",
        "100.00",
    )
    # Ten days later year 2 has accrued on 7,600 from 02-10: 7,600 × 0.1 % × 10 = 76.00 more
    later = desk.invoices(cid, D("2027-02-19"))
    assert (later[2]["penalties"]["accrued"], later[2]["penalties"]["outstanding"]) == ("176.00", "76.00")
    assert later[1]["penalties"]["accrued"] == "3750.00"
    assert desk.balances(cid, D("2027-02-19"))["net"] == "8426.00"  # 7,600 + 750 + 76
    # The day before, nothing of it was paid
    assert desk.balances(cid, D("2027-02-08"))["fees_outstanding"] == "20000.00"


def test_an_undesignated_payment_pays_a_fee_not_yet_due_before_an_old_penalty(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    desk.pay(cid, FEE, D("2027-03-12"), "LATE")  # 10 days late: 493.83 penalty left
    office.run_invoicing(D("2028-01-31"))
    # 1,000.00 on 2028-02-01: fees issued by then first (year 2, not due until 03-01), penalties only after
    receipt = desk.pay(cid, "1000.00", D("2028-02-01"), "Y2-PART")
    assert [(a["year"], a["amount"]) for a in receipt["allocations"]] == [(2, "1000.00")]
    assert receipt["penalty_allocations"] == []
    assert receipt["penalties_outstanding_after"] == "493.83"
    # Designated to year 1's penalty instead, the same money goes there first
    receipt = desk.pay(cid, "600.00", D("2028-02-01"), "Y1-PEN", applies_to=[(1, "late_penalty")])
    assert receipt["penalty_allocations"] == [{"year": 1, "amount": "493.83", "penalty_outstanding": "0.00"}]
    # the rest (106.17) follows the order: year 2's fee
    assert [(a["year"], a["amount"]) for a in receipt["allocations"]] == [(2, "106.17")]
    assert desk.invoices(cid, D("2028-02-01"))[2]["outstanding"] == "97659.26"  # 98,765.43 − 1,106.17


# ---- the invoicing job running late, after payments dated on or after the new fee's issue date ---------------
def test_a_late_invoicing_run_places_earlier_recorded_payments_on_the_new_fee(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    desk.pay(cid, FEE, D("2027-03-12"), "Y1")  # 10 days late: 493.83 of penalty
    # The invoicing job did not run on 2028-01-31. Finance records 400.00 paid on 2028-02-05: with no year 2 fee
    # known yet it pays year 1's penalty (no credit is left over)
    receipt = desk.pay(cid, "400.00", D("2028-02-05"), "FEB", record_on=D("2028-02-10"))
    assert receipt["penalty_allocations"] == [{"year": 1, "amount": "400.00", "penalty_outstanding": "93.83"}]
    # The job catches up on 2028-02-10 and issues year 2 (dated 2028-01-31, due 2028-03-01): by the rule the
    # 400.00 of 02-05 goes to the fees issued by then first — year 2's — and year 1's penalty is owed again
    office.run_invoicing(D("2028-02-10"))
    inv = desk.invoices(cid, D("2028-02-10"))
    assert (inv[2]["paid"], inv[2]["outstanding"], inv[2]["status"]) == ("400.00", "98365.43", "partially_paid")
    assert inv[1]["penalties"]["outstanding"] == "493.83"
    # The cache the overdue job reads says the same
    cached = {i.year: i for i in office.invoices(cid)}[2]
    assert (cached.status, str(cached.paid)) == ("partially_paid", "400.00")
    # finance was told the 400.00 moved
    [moved] = desk.told(cid, "PaymentsReallocated")
    [move] = moved["moves"]
    assert move["before"] == [{"year": 1, "what": "late_penalty", "amount": "400.00"}]
    assert move["after"] == [{"year": 2, "what": "fee", "amount": "400.00"}]
    # and the alert of due + 1 carries the ledger's figures: 98,365.43 × 0.05 % = 49.182715 → 49.18
    office.run_overdue(D("2028-03-02"))
    [alert] = [a for a in desk.told(cid, "InvoiceOverdue") if a["year"] == 2]
    assert (alert["outstanding"], alert["penalty_accrued"]) == ("98365.43", "49.18")
    # No credit was applied to it: the 400.00 was never credit
    assert desk.told(cid, "CreditApplied") == []


def test_a_payment_recorded_on_a_years_first_day_before_the_run_goes_to_the_new_fee(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    desk.pay(cid, FEE, D("2027-03-12"), "Y1")  # 10 days late: 493.83 of penalty, still owed
    # On 2028-01-31, before that day's invoicing run, finance records 400.00 paid that day: year 1's penalty for now
    desk.pay(cid, "400.00", D("2028-01-31"), "JAN31", record_on=D("2028-01-31"))
    office.run_invoicing(D("2028-01-31"))
    # Year 2 was issued that day: the fees issued by the payment's date come first, so year 2 takes the 400.00
    cached = {i.year: i for i in office.invoices(cid)}[2]
    assert (cached.status, str(cached.paid)) == ("partially_paid", "400.00")
    assert desk.invoices(cid, D("2028-01-31"))[2]["outstanding"] == "98365.43"
    assert desk.invoices(cid, D("2028-01-31"))[1]["penalties"]["outstanding"] == "493.83"
