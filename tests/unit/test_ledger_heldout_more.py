"""More held-out style ledger scenarios: zero days to pay, a void with fee and penalty paid toward it, refunds out of
the oldest credit first, designations where nothing is owed, a waiver then the payment of the rest. Hand-computed
from docs/domain-rules.md ("Receivables ledger"); the arithmetic is in the comments."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.api import money_requests as mq
from chalicelib.api.body import parse
from chalicelib.domain.errors import Conflict
from chalicelib.services import payments
from tests.unit.conftest import FINANCE, Office, shanghai
from tests.unit.ledger_heldout_support import Desk, clause
from tests.unit.test_ledger_heldout_payments import FEE, contract_31st

D = date.fromisoformat


@pytest.fixture
def desk(office: Office) -> Desk:
    return Desk(office)


def test_zero_days_to_pay_makes_the_issue_date_the_due_date(office: Office, desk: Desk) -> None:
    # Effective 2027-10-31, fee 12,345.67, due the day it is issued, 0.05 %/day
    cid = office.activate(
        D("2027-10-31"), annual_fee="12345.67", payment_due_days=0, late_penalty=clause("daily_pct", "0.05")
    )
    office.run_invoicing(D("2027-10-31"))
    office.at(D("2027-11-01"))
    inv = desk.invoices(cid, D("2027-10-31"))[1]
    assert (inv["due_date"], inv["overdue"]) == ("2027-10-31", False)
    # one day: 12,345.67 × 0.05 % = 6.172835 → 6.17
    assert desk.invoices(cid, D("2027-11-01"))[1]["penalties"]["accrued"] == "6.17"
    # 20,000.00 paid on 11-01: the fee, its 6.17, and 7,648.16 credit (20,000 − 12,345.67 − 6.17)
    receipt = desk.pay(cid, "20000.00", D("2027-11-01"), "Z-1")
    assert (receipt["to_credit"], receipt["penalties_outstanding_after"]) == ("7648.16", "0.00")
    # Year 2 (2028-10-31, due the same day) takes the credit on its issue date: 4,697.51 overdue from 11-01
    office.run_invoicing(D("2028-10-31"))
    office.at(D("2028-11-10"))
    inv = desk.invoices(cid, D("2028-10-31"))[2]
    assert (inv["paid"], inv["outstanding"], inv["overdue"]) == ("7648.16", "4697.51", False)
    # 10 days (11-01..11-10) × 4,697.51 × 0.05 % = 23.48755 → 23.49
    assert desk.invoices(cid, D("2028-11-10"))[2]["penalties"]["accrued"] == "23.49"


def test_a_void_releases_fee_and_penalty_money_to_credit_from_its_day(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    desk.pay(cid, "50000.00", D("2027-03-03"), "V-1")
    desk.pay(cid, "49.38", D("2027-03-03"), "V-2", applies_to=[(1, "late_penalty")])  # due + 1's one day
    office.at(shanghai(D("2027-03-20"), 16))
    payments.void_invoice(office.deps, cid, 1, "开票错误", FINANCE)
    office.at(D("2027-04-01"))
    # The day before the void: 48,765.43 owed; penalty 1 day on 98,765.43 + 16 days (03-04..03-19) on 48,765.43
    #   = 98,765.43 + 780,246.88 = 879,012.31 × 0.05 % = 439.506155 → 439.51, of which 49.38 paid → 390.13
    before = desk.invoices(cid, D("2027-03-19"))[1]
    assert (before["outstanding"], before["penalties"]["accrued"], before["penalties"]["outstanding"]) == (
        "48765.43",
        "439.51",
        "390.13",
    )
    # From the void: nothing owed, no penalty, 50,049.38 credit
    after = desk.invoices(cid, D("2027-03-20"))[1]
    assert (after["status"], after["outstanding"], after["penalties"]["accrued"]) == ("void", "0.00", "0.00")
    assert desk.balances(cid, D("2027-03-20")) == {
        "fees_outstanding": "0.00",
        "penalties_outstanding": "0.00",
        "credit": "50049.38",
        "net": "-50049.38",
    }
    [voided] = desk.told(cid, "InvoiceVoided")
    assert voided["paid"] == "50000.00"
    # Year 2 takes the credit on 2028-01-31: 98,765.43 − 50,049.38 = 48,716.05
    office.run_invoicing(D("2028-01-31"))
    assert desk.invoices(cid, D("2028-01-31"))[2]["outstanding"] == "48716.05"


def test_a_refund_takes_the_oldest_payments_credit_first(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    desk.pay(cid, "99765.43", D("2027-02-01"), "OLD")  # 1,000.00 over
    desk.pay(cid, "500.00", D("2027-02-02"), "NEW")  # all credit
    desk.refund(cid, "1200.00", D("2027-02-03"), "RF-1")
    office.at(D("2027-02-10"))
    facts = {f.get("voucher_no"): f for f in desk.ledger(cid, D("2027-02-10"))["facts"]}
    # 1,200 out of OLD's 1,000 first, then 200 of NEW's 500
    assert (facts["OLD"]["credit"], facts["NEW"]["credit"]) == ("0.00", "300.00")
    assert desk.balances(cid, D("2027-02-10"))["credit"] == "300.00"
    assert desk.balances(cid, D("2027-02-02"))["credit"] == "1500.00"  # the day before the refund
    # A second refund beyond the 300.00 left is refused, naming the amount
    with pytest.raises(Conflict) as refused:
        desk.refund(cid, "300.01", D("2027-02-10"), "RF-2")
    assert refused.value.field == "amount"


def test_a_designation_where_nothing_is_owed_follows_the_order(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    # Designated to year 1's penalty before the fee is due: nothing is owed there, so the fee takes it
    receipt = desk.pay(cid, "1000.00", D("2027-02-15"), "EARLY-PEN", applies_to=[(1, "late_penalty")])
    assert [(a["year"], a["amount"]) for a in receipt["allocations"]] == [(1, "1000.00")]
    assert receipt["penalty_allocations"] == []
    # 97,765.43 overdue from 03-03; 5 days: 97,765.43 × 0.05 % × 5 = 244.413575 → 244.41
    office.at(D("2027-03-07"))
    assert desk.invoices(cid, D("2027-03-07"))[1]["penalties"]["accrued"] == "244.41"


def test_a_waiver_then_a_payment_of_the_rest_settles_the_contract(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    desk.pay(cid, FEE, D("2027-03-22"), "LATE-20")
    # 20 days: 49.382715 × 20 = 987.6543 → 987.65
    office.at(D("2027-04-01"))
    assert desk.invoices(cid, D("2027-04-01"))[1]["penalties"]["accrued"] == "987.65"
    # A waiver beyond what is outstanding is refused; 487.65 waived, 500.00 paid
    with pytest.raises(Conflict):
        desk.waive(cid, 1, "987.66", D("2027-04-01"))
    desk.waive(cid, 1, "487.65", D("2027-04-01"))
    receipt = desk.pay(cid, "500.00", D("2027-04-02"), "PEN-REST")
    assert receipt["penalty_allocations"] == [{"year": 1, "amount": "500.00", "penalty_outstanding": "0.00"}]
    office.at(D("2027-04-03"))
    pen = desk.invoices(cid, D("2027-04-03"))[1]["penalties"]
    assert (pen["accrued"], pen["waived"], pen["paid"], pen["outstanding"]) == ("987.65", "487.65", "500.00", "0.00")
    assert desk.row(cid, D("2027-04-02")) is None
    row = desk.row(cid, D("2027-04-01"))
    assert row is not None and row["penalties_outstanding"] == "500.00"
    # The waiver was told to finance
    [waived] = desk.told(cid, "PenaltyWaived")
    assert (waived["amount"], waived["penalty_outstanding"]) == ("487.65", "500.00")


def test_penalties_round_half_up_once_at_the_end(office: Office, desk: Desk) -> None:
    # Fee 10,010.00 effective 2027-01-31 (due 2027-03-02): one day at 0.05 % = 5.005 → 5.01 (half up, not to even)
    daily = office.activate(D("2027-01-31"), annual_fee="10010.00", late_penalty=clause("daily_pct", "0.05"))
    # contract_pct 0.05 % of 3 × 10,010.00 = 30,030.00 → 15.015 → 15.02
    one_off = office.activate(D("2027-01-31"), annual_fee="10010.00", late_penalty=clause("contract_pct", "0.05"))
    office.run_invoicing(D("2027-01-31"))
    office.at(D("2027-03-10"))
    assert desk.invoices(daily, D("2027-03-03"))[1]["penalties"]["accrued"] == "5.01"
    # three days: 15.015 → 15.02 (three rounded days would be 15.03)
    assert desk.invoices(daily, D("2027-03-05"))[1]["penalties"]["accrued"] == "15.02"
    assert desk.invoices(one_off, D("2027-03-03"))[1]["penalties"]["accrued"] == "15.02"
    assert desk.invoices(one_off, D("2027-03-10"))[1]["penalties"]["accrued"] == "15.02"


def test_contract_pct_a_fee_paid_in_full_on_due_plus_one_was_unpaid_that_day(office: Office, desk: Desk) -> None:
    # Read like daily_pct's "a payment dated d stops accrual from d + 1": on due + 1 the fee was still unpaid when
    # the day began, so the one-off charge applies: 3 × 98,765.43 = 296,296.29 × 2 % = 5,925.9258 → 5,925.93
    cid = contract_31st(office, late_penalty=clause("contract_pct", "2"))
    receipt = desk.pay(cid, FEE, D("2027-03-03"), "DUE-PLUS-1")
    assert receipt["allocations"][0]["status"] == "paid"
    office.at(D("2027-04-01"))
    assert desk.invoices(cid, D("2027-04-01"))[1]["penalties"]["outstanding"] == "5925.93"
    assert [p["penalty_total"] for p in desk.told(cid, "PenaltyAssessed")] == ["5925.93"]


def test_a_set_off_settles_its_years_fee_then_its_penalty_then_the_order(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    office.run_invoicing(D("2028-01-31"))
    desk.pay(cid, "90000.00", D("2027-03-12"), "PART")  # year 1: 8,765.43 left after 10 days late
    office.at(D("2028-02-10"))
    # Year 1 as of 2028-02-10: 10 days on 98,765.43 (987,654.30) + 335 days (2027-03-13..2028-02-10) on 8,765.43
    #   (2,936,419.05) = 3,924,073.35 × 0.05 % = 1,962.036675 → 1,962.04
    assert desk.invoices(cid, D("2028-02-10"))[1]["penalties"]["accrued"] == "1962.04"

    # A set-off of 20,000.00 on year 1 that day settles its fee 8,765.43, its penalty 1,962.04, and follows the
    # order with the rest (not capped by what year 1 owes): year 2's fee takes 20,000 − 8,765.43 − 1,962.04 = 9,272.53
    body = {"year": 1, "amount": "20000.00", "reason": "服务违约金抵销", "on": "2028-02-10"}
    reply = payments.record_set_off(office.deps, cid, parse(mq.SetOffRequest, body).command(), FINANCE)
    assert reply["placed"] == [
        {"year": 1, "what": "fee", "amount": "8765.43"},
        {"year": 1, "what": "late_penalty", "amount": "1962.04"},
        {"year": 2, "what": "fee", "amount": "9272.53"},
    ]
    inv = desk.invoices(cid, D("2028-02-10"))
    assert (inv[1]["status"], inv[1]["penalties"]["set_off"], inv[1]["penalties"]["outstanding"]) == (
        "paid",
        "1962.04",
        "0.00",
    )
    assert [a["by"] for a in inv[1]["allocations"]] == ["payment", "set_off"]
    assert inv[2]["outstanding"] == "89492.90"  # 98,765.43 − 9,272.53


def test_receivables_totals_add_the_contracts_rows(office: Office, desk: Desk) -> None:
    late = contract_31st(office)  # unpaid
    credit = contract_31st(office)
    desk.pay(credit, "100000.00", D("2027-02-01"), "CR")  # 1,234.57 credit
    settled = contract_31st(office)
    # A slip dated on the due date, typed in later: settled all along, so never listed from its day on
    desk.pay(settled, FEE, D("2027-03-02"), "ON-DUE", record_on=D("2027-04-20"))
    office.at(D("2027-04-20"))
    report = desk.receivables(D("2027-04-01"))  # due + 30 for the unpaid one: 0–30 bucket
    rows = {r["contract_id"]: r for r in report["contracts"]}
    assert set(rows) == {late, credit}
    # unpaid: 98,765.43 overdue 30 days, penalty 49.382715 × 30 = 1,481.4814 → 1,481.48
    assert (rows[late]["0-30"], rows[late]["penalties_outstanding"], rows[late]["net"]) == (
        FEE,
        "1481.48",
        "100246.91",
    )
    assert (rows[credit]["credit"], rows[credit]["net"]) == ("1234.57", "-1234.57")
    # totals: outstanding 98,765.43; penalties 1,481.48; credit 1,234.57; net 100,246.91 − 1,234.57 = 99,012.34
    totals = report["totals"]
    assert (totals["outstanding"], totals["penalties_outstanding"], totals["credit"], totals["net"]) == (
        FEE,
        "1481.48",
        "1234.57",
        "99012.34",
    )
    # Before the slip's day the settled contract owed its fee, not yet due
    row = desk.row(settled, D("2027-03-01"))
    assert row is not None and row["not_yet_due"] == FEE


def test_an_agreement_on_a_years_first_day_revises_a_fee_credit_already_paid(office: Office, desk: Desk) -> None:
    cid = contract_31st(office)
    desk.pay(cid, "120000.00", D("2027-02-10"), "OVER")  # 21,234.57 credit
    office.run_invoicing(D("2028-01-31"))  # year 2 takes it: 77,530.86 left
    assert desk.invoices(cid, D("2028-01-31"))[2]["outstanding"] == "77530.86"
    # The same day both parties sign an agreement lowering the fee to 20,000.00: it governs year 2, whose invoice
    # is revised; the credit pays the revised 20,000.00 and 1,234.57 stays credit
    office.amend(cid, D("2028-01-31"), annual_fee="20000.00")
    office.at(D("2028-03-15"))
    inv = desk.invoices(cid, D("2028-03-15"))[2]
    assert (inv["amount"], inv["original_amount"], inv["paid"], inv["status"]) == (
        "20000.00",
        FEE,
        "20000.00",
        "paid",
    )
    assert (inv["due_date"], inv["penalties"]["accrued"]) == ("2028-03-01", "0.00")
    assert desk.balances(cid, D("2028-01-31"))["credit"] == "1234.57"
    [revised] = desk.told(cid, "InvoiceRevised")
    assert (revised["previous_amount"], revised["amount"], revised["outstanding"]) == (FEE, "20000.00", "0.00")
