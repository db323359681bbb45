"""Held-out-style ledger scenarios through the use cases (Office: the services on the in-memory fakes): a
supplementary agreement revising a year already invoiced and paid from credit, a termination recorded after the
year it cancels was paid, an operator's void, a backdated slip lowering a penalty finance was told, waivers,
set-offs and refunds. Amounts in cents, 0.07 %/day, 20 days to pay, years starting on 31 January. Expected figures
are computed by hand from docs/domain-rules.md ("Receivables ledger"); recording the same facts in another order
must give the same figures on every day, and finance is told each thing once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api import money_requests as mq
from chalicelib.api import requests as rq
from chalicelib.domain.errors import Conflict, IllegalTransition, NotFound, ValidationError
from chalicelib.domain.ledger import Ledger
from chalicelib.services import ledger as ledgers
from chalicelib.services import lifecycle, payments, receivables
from chalicelib.services.notifications import MessageBuilder
from tests.factories import command
from tests.unit.conftest import FINANCE, OPERATOR, Office, shanghai

D = date.fromisoformat
M = Decimal
FEE = "98765.43"
TERMS: dict[str, Any] = {
    "annual_fee": FEE,
    "payment_due_days": 20,
    "late_penalty": {"mode": "daily_pct", "rate_pct": "0.07", "cap_pct": None},
    "term_years": 3,
    "notice_period_days": 45,
}
Y1, Y2, Y3 = D("2026-01-31"), D("2027-01-31"), D("2028-01-31")  # due 20 days later: 02-20 of each year


def start(office: Office) -> str:
    cid = office.activate(effective=Y1, **TERMS)
    office.run_invoicing(Y1)
    return cid


def ledger(office: Office, cid: str, as_of: str) -> Ledger:
    return ledgers.view(office.repo.load_ledger(cid), D(as_of))


def figures(office: Office, cid: str, as_of: str) -> dict[str, Any]:
    lg = ledger(office, cid, as_of)
    return {
        "fees": {
            y: (st.amount, st.due_on, st.status, st.paid, st.outstanding, st.penalty_accrued, st.penalty_outstanding)
            for y, st in lg.fees.items()
        },
        "balances": (lg.fees_outstanding, lg.penalties_outstanding, lg.credit, lg.net),
        "placed": {sid: lg.placed(sid) for sid in sorted(lg.sources) if sid.startswith("payment:")},
    }


def row(lg: Ledger, year: int) -> tuple[str, ...]:
    st = lg.fees[year]
    return (str(st.amount), st.due_on.isoformat(), st.status, str(st.paid), str(st.outstanding))


def told(office: Office, cid: str, kind: str) -> list[dict[str, Any]]:
    return [e.payload for e in office.repo.events(kind, cid)]


def waive(office: Office, cid: str, year: int, amount: str, on: str) -> dict[str, Any]:
    from chalicelib.api.body import parse

    cmd = parse(mq.WaivePenaltyRequest, {"amount": amount, "reason": "客户申请减免", "on": on}).command(year)
    return payments.waive_penalty(office.deps, cid, cmd, FINANCE)


def set_off(office: Office, cid: str, year: int, amount: str, on: str) -> dict[str, Any]:
    body = {"year": year, "amount": amount, "reason": "乙方服务违约金抵销", "on": on}
    return payments.record_set_off(office.deps, cid, command(mq.SetOffRequest, body), FINANCE)


def refund(office: Office, cid: str, amount: str, paid_on: str, voucher: str) -> dict[str, Any]:
    body = {"amount": amount, "paid_on": paid_on, "voucher_no": voucher, "reason": "多付退回"}
    return payments.record_refund(office.deps, cid, command(mq.RefundRequest, body), FINANCE)


def serve_notice_recorded_on(office: Office, cid: str, notice_date: str, today: date) -> None:
    """A notice served on `notice_date` and recorded on `today` (later)."""
    office.at(shanghai(today, 11))
    body = {"by": "client", "reason_code": "convenience", "details": "经营调整", "notice_date": notice_date}
    lifecycle.serve_notice(office.deps, cid, command(rq.ServeNoticeRequest, body), OPERATOR)


# ---- a supplementary agreement revises a year already paid from credit -------------------------------------------
def _revised_year_2(office: Office, payments_first: bool) -> str:
    cid = start(office)
    office.pay(cid, FEE, D("2026-02-10"), "Y1-1")

    def prepay() -> None:
        office.pay(cid, "60000.00", D("2027-01-20"), "PRE-1")
        office.pay(cid, "38765.43", D("2027-01-25"), "PRE-2")

    if payments_first:
        prepay()
    office.run_invoicing(Y2)
    office.amend(cid, Y2, annual_fee="90000.00")  # both sign at 10:00 on year 2's first day, after the run
    if not payments_first:
        office.at(shanghai(D("2027-02-01")))
        prepay()
    office.run_invoicing(Y3)
    return cid


REVISION_DAYS = ["2027-01-30", "2027-01-31", "2027-02-21", "2028-01-30", "2028-01-31", "2028-02-21"]


def test_an_agreement_on_year_2s_first_day_revises_its_fee_and_releases_the_newest_credit(office: Office) -> None:
    cid = _revised_year_2(office, payments_first=True)
    # The day before year 2: 98765.43 of credit
    assert ledger(office, cid, "2027-01-30").credit == M("98765.43")
    # On its first day: issued at 98765.43 and paid from credit, then revised to 90000.00 (due stays
    # max(2027-02-20, 2027-01-31 + 20) = 2027-02-20); the 8765.43 excess is released newest money first: PRE-2
    on = ledger(office, cid, "2027-01-31")
    assert row(on, 2) == ("90000.00", "2027-02-20", "paid", "90000.00", "0.00")
    assert on.placed("payment:PRE-1") == {(2, "fee"): M("60000.00")}
    assert on.placed("payment:PRE-2") == {(2, "fee"): M("30000.00")}
    assert (on.credit, on.net) == (M("8765.43"), M("-8765.43"))
    assert ledger(office, cid, "2027-02-21").fees[2].penalty_accrued == M("0.00")
    # Year 3 is issued at the agreement's 90000.00 and takes the 8765.43: 81234.57 left
    y3 = ledger(office, cid, "2028-01-31")
    assert row(y3, 3) == ("90000.00", "2028-02-20", "partially_paid", "8765.43", "81234.57")
    # Finance is told once of the revision and once that PRE-2 moved
    [revised] = told(office, cid, "InvoiceRevised")
    assert (revised["previous_amount"], revised["amount"], revised["paid"]) == (FEE, "90000.00", "90000.00")
    [moved] = told(office, cid, "PaymentsReallocated")
    assert [m["source"] for m in moved["moves"]] == ["payment:PRE-2"]
    assert moved["credit_after"] == "8765.43"
    assert [c["amount"] for c in told(office, cid, "CreditApplied")] == [FEE, "8765.43"]
    # A rerun of the jobs changes nothing twice
    office.run_invoicing(Y3)
    office.run_overdue(D("2028-02-21"))
    assert len(told(office, cid, "PaymentsReallocated")) == 1
    assert len(told(office, cid, "InvoiceRevised")) == 1


def test_the_revision_gives_the_same_figures_whether_the_prepayments_were_recorded_before_or_after() -> None:
    first, later = Office(), Office()
    a, b = _revised_year_2(first, True), _revised_year_2(later, False)
    for day in REVISION_DAYS:
        assert figures(first, a, day) == figures(later, b, day), day
    # Recorded after the revision, the prepayments never moved: nothing to reallocate
    assert told(later, b, "PaymentsReallocated") == []


# ---- a termination recorded after the year it cancels was paid ---------------------------------------------------
def _terminated_before_year_3(office: Office, notice_first: bool) -> str:
    cid = start(office)
    office.pay(cid, FEE, D("2026-02-10"), "Y1")
    office.run_invoicing(Y2)
    office.pay(cid, FEE, D("2027-02-15"), "Y2")
    office.run_invoicing(Y3)
    if notice_first:
        serve_notice_recorded_on(office, cid, "2027-12-10", D("2028-02-03"))
        office.pay(cid, FEE, D("2028-02-05"), "Y3")
    else:
        office.pay(cid, FEE, D("2028-02-05"), "Y3")
        serve_notice_recorded_on(office, cid, "2027-12-10", D("2028-02-10"))
    return cid


TERMINATION_DAYS = ["2028-01-30", "2028-01-31", "2028-02-04", "2028-02-05", "2028-03-31"]


def test_a_notice_recorded_late_cancels_the_paid_year_3_and_its_money_becomes_credit(office: Office) -> None:
    cid = _terminated_before_year_3(office, notice_first=False)
    # Served 2027-12-10, 45 days' notice: takes effect 2028-01-24, before year 3's first day (2028-01-31)
    assert office.contract(cid).notices[-1].effective_date == D("2028-01-24")
    assert set(ledger(office, cid, "2028-01-30").fees) == {1, 2}
    first = ledger(office, cid, "2028-01-31")
    assert (first.fees[3].status, first.fees[3].outstanding, first.fees[3].cancelled_on) == ("cancelled", 0, Y3)
    # Y3's 98765.43 finds nothing owed on 2028-02-05 (years 1 and 2 paid on time): all credit
    paid = ledger(office, cid, "2028-02-05")
    assert (paid.fees_outstanding, paid.penalties_outstanding, paid.credit, paid.net) == (
        M("0.00"),
        M("0.00"),
        M(FEE),
        M("-" + FEE),
    )
    assert paid.placed("payment:Y3") == {}
    [cancelled] = told(office, cid, "InvoiceCancelled")
    assert (cancelled["year"], cancelled["on"], cancelled["paid"]) == (3, "2028-01-31", FEE)
    # The client's cancellation notice says what was paid and that it goes to other amounts or credit
    [event] = office.repo.events("InvoiceCancelled", cid)
    [mail] = [m.email for m in MessageBuilder(office.settings, "https://hetong.test").build(event) if m.email]
    assert "已支付的款项将依约抵充其他欠款或作为预收款" in mail.text and "98,765.43" in mail.text
    [moved] = told(office, cid, "PaymentsReallocated")
    assert moved["moves"] == [
        {"source": "payment:Y3", "before": [{"year": 3, "what": "fee", "amount": FEE}], "after": []}
    ]
    # The lifecycle job terminates it without cancelling or moving anything a second time
    office.run_lifecycle(D("2028-02-11"))
    assert office.contract(cid).status == "terminated"
    assert (len(told(office, cid, "InvoiceCancelled")), len(told(office, cid, "PaymentsReallocated"))) == (1, 1)


def test_the_cancellation_gives_the_same_figures_whether_the_notice_or_the_payment_was_recorded_first() -> None:
    first, later = Office(), Office()
    a, b = _terminated_before_year_3(first, True), _terminated_before_year_3(later, False)
    for day in TERMINATION_DAYS:
        assert figures(first, a, day) == figures(later, b, day), day
    assert told(first, a, "PaymentsReallocated") == []  # the payment never sat on year 3


def test_a_refund_is_at_most_the_credit_on_its_date_and_nothing_is_written_beyond_it(office: Office) -> None:
    cid = _terminated_before_year_3(office, notice_first=False)
    office.at(shanghai(D("2028-02-12")))
    written = len(office.repo.get_audit(cid))
    # 98765.44 is a cent beyond the credit; on 2028-02-04 there was no credit at all
    for amount, paid_on in (("98765.44", "2028-02-12"), ("0.01", "2028-02-04")):
        with pytest.raises(Conflict) as refused:
            refund(office, cid, amount, paid_on, "RF-X")
        assert refused.value.field == "amount"
    assert len(office.repo.get_audit(cid)) == written
    done = refund(office, cid, "50000.00", "2028-02-12", "RF-1")
    assert done["credit_after"] == "48765.43"
    assert ledger(office, cid, "2028-02-11").credit == M(FEE)
    assert ledger(office, cid, "2028-02-12").credit == M("48765.43")
    [told_refund] = told(office, cid, "RefundRecorded")
    assert (told_refund["amount"], told_refund["credit_after"]) == ("50000.00", "48765.43")


# ---- a backdated slip lowers a penalty finance was told; waivers and set-offs -------------------------------------
def test_a_backdated_slip_lowers_the_penalty_told_once_then_a_waiver_and_a_set_off_settle_it(office: Office) -> None:
    cid = start(office)
    # The overdue job on 2026-03-22, 30 days after the due date: 98765.43 × 0.07 % × 30 = 2074.07403 → 2074.07
    office.run_overdue(D("2026-03-22"))
    [assessed] = told(office, cid, "PenaltyAssessed")
    assert (assessed["penalty_total"], assessed["penalty_delta"]) == ("2074.07", "2074.07")
    # A slip paid 2026-02-25 is recorded the next day: 5 days late, 98765.43 × 0.07 % × 5 = 345.679005 → 345.68
    office.at(shanghai(D("2026-03-23")))
    office.pay(cid, FEE, D("2026-02-25"), "SLIP-1")
    [adjusted] = told(office, cid, "PenaltyAdjusted")
    assert (adjusted["penalty_total"], adjusted["penalty_delta"]) == ("345.68", "-1728.39")
    # the day before the slip: 4 days, 98765.43 × 0.07 % × 4 = 276.543204 → 276.54, the fee still owed
    before = ledger(office, cid, "2026-02-24").fees[1]
    assert (before.penalty_accrued, before.outstanding) == (M("276.54"), M(FEE))
    # Later runs of the overdue job tell nothing more
    office.run_overdue(D("2026-03-23"))
    office.run_overdue(D("2026-04-30"))
    assert (len(told(office, cid, "PenaltyAssessed")), len(told(office, cid, "PenaltyAdjusted"))) == (1, 1)
    # A waiver beyond what is outstanding is refused naming `amount`, and nothing is written
    written = len(office.repo.get_audit(cid))
    with pytest.raises(Conflict) as refused:
        waive(office, cid, 1, "345.69", "2026-03-23")
    assert refused.value.field == "amount" and len(office.repo.get_audit(cid)) == written
    assert waive(office, cid, 1, "45.68", "2026-03-23")["penalty_outstanding"] == "300.00"
    # A set-off of 500.00 for year 1: its fee is paid, so 300.00 settles its penalty and 200.00 is credit
    office.at(shanghai(D("2026-03-24")))
    off = set_off(office, cid, 1, "500.00", "2026-03-24")
    assert (off["penalty_outstanding"], off["placed"]) == (
        "0.00",
        [{"year": 1, "what": "late_penalty", "amount": "300.00"}],
    )
    after = ledger(office, cid, "2026-03-24")
    assert (after.penalties_outstanding, after.credit, after.net) == (M("0.00"), M("200.00"), M("-200.00"))
    assert (after.fees[1].penalty_waived, after.fees[1].penalty_paid) == (M("45.68"), M("300.00"))
    assert ledger(office, cid, "2026-03-23").net == M("300.00")
    # Year 2 takes the 200.00 on its issue date: 98565.43 left
    office.run_invoicing(Y2)
    assert row(ledger(office, cid, "2027-01-31"), 2)[3:] == ("200.00", "98565.43")


# ---- an operator's void -------------------------------------------------------------------------------------------
def test_a_void_releases_what_was_paid_even_a_slip_recorded_after_it_and_credit_pays_year_2(office: Office) -> None:
    cid = start(office)
    office.pay(cid, "50000.00", D("2026-02-10"), "PART-1")
    office.at(shanghai(D("2026-03-01")))
    payments.void_invoice(office.deps, cid, 1, "开票信息错误", OPERATOR)
    # After the void a slip paid 2026-02-25 turns up
    office.at(shanghai(D("2026-03-05")))
    office.pay(cid, "10000.00", D("2026-02-25"), "PART-2")
    # The day before the void: 60000.00 paid, 38765.43 owed; penalty 5 days on 48765.43 and 3 on 38765.43:
    # (243827.15 + 116296.29) × 0.07 % = 252.086408 → 252.09
    before = ledger(office, cid, "2026-02-28")
    assert row(before, 1) == (FEE, "2026-02-20", "partially_paid", "60000.00", "38765.43")
    assert before.fees[1].penalty_accrued == M("252.09")
    # From the void date year 1 owes nothing, accrues nothing; both payments are credit
    void = ledger(office, cid, "2026-03-01")
    assert (void.fees[1].status, void.fees[1].outstanding, void.fees[1].penalty_accrued) == ("void", 0, 0)
    assert (void.credit, void.net) == (M("60000.00"), M("-60000.00"))
    [voided] = told(office, cid, "InvoiceVoided")
    assert (voided["paid"], voided["on"]) == ("50000.00", "2026-03-01")
    assert len(told(office, cid, "PaymentsReallocated")) == 1  # the void moved PART-1; PART-2 was never placed
    # Year 2 takes the 60000.00 on its issue date, oldest payment first: 38765.43 left, no reallocation told
    office.run_invoicing(Y2)
    y2 = ledger(office, cid, "2027-01-31")
    assert row(y2, 2) == (FEE, "2027-02-20", "partially_paid", "60000.00", "38765.43")
    assert y2.placed("payment:PART-1") == {(2, "fee"): M("50000.00")}
    [applied] = told(office, cid, "CreditApplied")
    assert (applied["amount"], applied["fee_outstanding"], applied["credit_after"]) == ("60000.00", "38765.43", "0.00")
    assert len(told(office, cid, "PaymentsReallocated")) == 1
    # Receivables: on 2026-02-28 38765.43 overdue 8 days (0–30) with 252.09 of penalty, net 39017.52; from the
    # void on, the contract is listed for its credit alone
    [due] = receivables.receivables(office.deps, D("2026-02-28"))["contracts"]
    assert (due["overdue"], due["0-30"], due["penalties_outstanding"], due["net"]) == (
        "38765.43",
        "38765.43",
        "252.09",
        "39017.52",
    )
    [credit] = receivables.receivables(office.deps, D("2026-03-01"))["contracts"]
    assert (credit["outstanding"], credit["credit"], credit["net"], credit["invoices"]) == (
        "0.00",
        "60000.00",
        "-60000.00",
        [],
    )
    # A second void of the same year is refused and changes nothing
    with pytest.raises(IllegalTransition):
        payments.void_invoice(office.deps, cid, 1, "再次作废", OPERATOR)


def test_a_late_notice_cancelling_an_overdue_year_tells_finance_its_penalty_went_to_zero_once(office: Office) -> None:
    cid = start(office)
    office.pay(cid, FEE, D("2026-02-10"), "Y1")
    office.run_invoicing(Y2)
    office.pay(cid, FEE, D("2027-02-15"), "Y2")
    office.run_invoicing(Y3)
    # 10 days overdue on 2028-03-01: 98765.43 × 0.07 % × 10 = 691.35801 → 691.36
    office.run_overdue(D("2028-03-01"))
    assert [p["penalty_total"] for p in told(office, cid, "PenaltyAssessed")] == ["691.36"]
    serve_notice_recorded_on(office, cid, "2027-12-10", D("2028-03-02"))  # effective 2028-01-24
    [adjusted] = told(office, cid, "PenaltyAdjusted")
    assert (adjusted["year"], adjusted["penalty_total"], adjusted["penalty_delta"]) == (3, "0.00", "-691.36")
    # As of the day told, and any day, year 3 owes nothing; year 3 is never chased again
    assert ledger(office, cid, "2028-03-01").net == M("0.00")
    office.run_overdue(D("2028-03-05"))
    office.run_lifecycle(D("2028-03-05"))
    assert (len(told(office, cid, "PenaltyAdjusted")), len(told(office, cid, "InvoiceOverdue"))) == (1, 1)


def test_a_set_off_beyond_its_years_fee_and_penalty_pays_the_older_matured_fee_then_credit(office: Office) -> None:
    cid = start(office)
    office.pay(cid, "90000.00", D("2026-02-10"), "Y1")  # year 1 owes 8765.43 from its due date
    office.run_invoicing(Y2)
    office.at(shanghai(D("2027-03-05")))
    off = set_off(office, cid, 2, "110000.00", "2027-03-02")
    # Year 2, 10 days overdue: 691.36 (98765.43 × 0.07 % × 10); year 1: 8765.43 × 0.07 % × 375 days = 2300.93.
    # 110000.00 → year 2's fee 98765.43, its penalty 691.36, year 1's matured fee 8765.43, year 1's penalty
    # 1777.78 (110000.00 − 108222.22): year 1's penalty 2300.93 − 1777.78 = 523.15 left, no credit
    assert off["placed"] == [
        {"year": 1, "what": "fee", "amount": "8765.43"},
        {"year": 1, "what": "late_penalty", "amount": "1777.78"},
        {"year": 2, "what": "fee", "amount": FEE},
        {"year": 2, "what": "late_penalty", "amount": "691.36"},
    ]
    lg = ledger(office, cid, "2027-03-05")
    assert (lg.fees_outstanding, lg.penalties_outstanding, lg.credit) == (M("0.00"), M("523.15"), M("0.00"))
    assert ledger(office, cid, "2027-03-01").fees_outstanding == M("107530.86")  # 8765.43 + 98765.43


@pytest.mark.parametrize(
    ("notice_date", "takes_effect", "year_3"),
    [
        ("2027-12-17", "2028-01-31", "cancelled"),  # 2027-12-17 + 45 days: on year 3's first day → cancelled
        ("2027-12-18", "2028-02-01", "open"),  # a day later: year 3 is the year it ends in, whole and owed
    ],
)
def test_a_notice_taking_effect_on_a_years_first_day_cancels_it_and_a_day_later_does_not(
    office: Office, notice_date: str, takes_effect: str, year_3: str
) -> None:
    cid = start(office)
    office.pay(cid, FEE, D("2026-02-10"), "Y1")
    office.run_invoicing(Y2)
    office.pay(cid, FEE, D("2027-02-15"), "Y2")
    office.run_invoicing(Y3)
    serve_notice_recorded_on(office, cid, notice_date, D("2028-02-01"))
    assert office.contract(cid).notices[-1].effective_date == D(takes_effect)
    st = ledger(office, cid, "2028-03-01").fees[3]
    # Whole: 98765.43 owed from 2028-02-20, 10 days by 2028-03-01: 691.35801 → 691.36
    expected = ("cancelled", M("0.00"), M("0.00")) if year_3 == "cancelled" else ("open", M(FEE), M("691.36"))
    assert (st.status, st.outstanding, st.penalty_accrued) == expected
    assert len(told(office, cid, "InvoiceCancelled")) == (1 if year_3 == "cancelled" else 0)


# ---- a revision's excess flows on to an older year -----------------------------------------------------------------
def _designated_then_revised(office: Office, payment_first: bool) -> str:
    cid = start(office)  # year 1 never paid
    office.run_invoicing(Y2)

    def pay_year_2() -> None:
        body = {
            "amount": FEE,
            "paid_on": "2027-01-31",
            "voucher_no": "Y2-FOR-2",
            "method": "bank_transfer",
            "applies_to": [{"year": 2, "what": "fee"}],
        }
        payments.record_payment(office.deps, cid, command(mq.RecordPaymentRequest, body), FINANCE)

    if payment_first:
        office.at(shanghai(Y2, 8))
        pay_year_2()
    office.amend(cid, Y2, annual_fee="90000.00")
    if not payment_first:
        office.at(shanghai(D("2027-02-03")))
        pay_year_2()
    office.run_overdue(D("2027-02-10"))
    return cid


def test_a_revision_releases_a_designated_payments_excess_to_the_older_overdue_year(office: Office) -> None:
    cid = _designated_then_revised(office, payment_first=True)
    # Year 2 revised to 90000.00 on its first day: the payment pays 90000.00 where designated and the other
    # 8765.43 goes to year 1, matured (due 2026-02-20)
    lg = ledger(office, cid, "2027-01-31")
    assert lg.placed("payment:Y2-FOR-2") == {(1, "fee"): M("8765.43"), (2, "fee"): M("90000.00")}
    assert row(lg, 1)[3:] == ("8765.43", "90000.00")
    assert row(lg, 2) == ("90000.00", "2027-02-20", "paid", "90000.00", "0.00")
    # Year 1's penalty: 345 days on 98765.43 (2026-02-21 … 2027-01-31) = 23851.851345 → 23851.85, and by
    # 2027-02-10 ten more on 90000.00: (34074073.35 + 900000.00) × 0.07 % = 24481.851345 → 24481.85
    assert lg.fees[1].penalty_accrued == M("23851.85")
    assert ledger(office, cid, "2027-02-10").fees[1].penalty_accrued == M("24481.85")
    [moved] = told(office, cid, "PaymentsReallocated")
    assert moved["moves"] == [
        {
            "source": "payment:Y2-FOR-2",
            "before": [{"year": 2, "what": "fee", "amount": FEE}],
            "after": [
                {"year": 1, "what": "fee", "amount": "8765.43"},
                {"year": 2, "what": "fee", "amount": "90000.00"},
            ],
        }
    ]


def test_the_designated_payment_and_the_revision_give_the_same_figures_in_either_order() -> None:
    first, later = Office(), Office()
    a, b = _designated_then_revised(first, True), _designated_then_revised(later, False)
    for day in ["2027-01-30", "2027-01-31", "2027-02-10", "2027-03-31"]:
        assert figures(first, a, day) == figures(later, b, day), day
    assert told(later, b, "PaymentsReallocated") == []
    # The overdue job told the same penalty of year 1 either way
    assert [p["penalty_total"] for p in told(first, a, "PenaltyAssessed")] == ["24481.85"]
    assert [p["penalty_total"] for p in told(later, b, "PenaltyAssessed")] == ["24481.85"]


# ---- waivers, payments and a refund recorded in different orders -------------------------------------------------
def _recorded_in_order(office: Office, order: str) -> str:
    cid = start(office)
    office.at(shanghai(D("2026-03-25")))
    steps = {
        "slip": lambda: office.pay(cid, FEE, D("2026-03-02"), "SLIP"),
        "waiver": lambda: waive(office, cid, 1, "91.36", "2026-03-10"),
        "over": lambda: office.pay(cid, "1000.00", D("2026-03-15"), "OVER"),
    }
    for step in order.split():
        steps[step]()
    refund(office, cid, "400.00", "2026-03-20", "RF-400")  # recorded last: only then is the credit there
    return cid


@pytest.mark.parametrize("order", ["over waiver slip", "waiver over slip"])
def test_waiver_payments_and_refund_give_the_same_figures_in_any_recording_order(order: str) -> None:
    reference, other = Office(), Office()
    a, b = _recorded_in_order(reference, "slip waiver over"), _recorded_in_order(other, order)
    for day in ["2026-03-01", "2026-03-02", "2026-03-10", "2026-03-15", "2026-03-20", "2027-01-31"]:
        assert figures(reference, a, day) == figures(other, b, day), day
    # SLIP pays the fee 10 days late: 98765.43 × 0.07 % × 10 = 691.36; 91.36 waived; OVER pays the other 600.00
    # and leaves 400.00 of credit, refunded on 2026-03-20
    st = ledger(reference, a, "2026-03-20").fees[1]
    assert (st.penalty_accrued, st.penalty_waived, st.penalty_paid, st.penalty_outstanding) == (
        M("691.36"),
        M("91.36"),
        M("600.00"),
        M("0.00"),
    )
    assert ledger(reference, a, "2026-03-19").credit == M("400.00")
    assert ledger(reference, a, "2026-03-20").net == M("0.00")
    # Recorded after OVER, the slip moved OVER from the fee to the penalty and credit: told once
    [moved] = told(other, b, "PaymentsReallocated")
    assert moved["moves"][0]["source"] == "payment:OVER"
    assert told(reference, a, "PaymentsReallocated") == []


# ---- contract_pct and the contract amount an agreement changes ---------------------------------------------------
def test_contract_pct_counts_the_agreement_only_for_years_falling_due_after_it(office: Office) -> None:
    terms = {**TERMS, "late_penalty": {"mode": "contract_pct", "rate_pct": "1.5", "cap_pct": None}}
    cid = office.activate(effective=Y1, **terms)
    office.run_invoicing(Y1)
    office.run_invoicing(Y2)
    office.amend(cid, Y2, annual_fee="90000.00")
    # Year 1, unpaid on 2026-02-21: 3 × 98765.43 = 296296.29 × 1.5 % = 4444.44435 → 4444.44
    # Year 2, unpaid on 2027-02-21: 98765.43 + 90000.00 + 90000.00 = 278765.43 × 1.5 % = 4181.48145 → 4181.48
    lg = ledger(office, cid, "2027-02-21")
    assert (lg.fees[1].penalty_accrued, lg.fees[2].penalty_accrued) == (M("4444.44"), M("4181.48"))
    assert ledger(office, cid, "2027-02-20").fees[2].penalty_accrued == M("0.00")
    assert lg.net == M("98765.43") + M("90000.00") + M("4444.44") + M("4181.48")


def test_a_vouchers_number_is_one_across_payments_and_refunds_and_waivers_are_dated_within_the_year(
    office: Office,
) -> None:
    cid = start(office)
    office.pay(cid, "100000.00", D("2026-02-10"), "V-100")  # 1234.57 credit
    office.at(shanghai(D("2026-02-12")))
    refund(office, cid, "234.57", "2026-02-11", "RF-100")
    with pytest.raises(Conflict) as dup:
        office.pay(cid, "10.00", D("2026-02-12"), "RF-100")
    assert dup.value.field == "voucher_no"
    with pytest.raises(Conflict) as dup_refund:
        refund(office, cid, "10.00", "2026-02-12", "V-100")
    assert dup_refund.value.field == "voucher_no"
    assert ledger(office, cid, "2026-02-12").credit == M("1000.00")  # 1234.57 − 234.57
    # A waiver dated before its year was issued names `on`; a year never issued is not found
    with pytest.raises(ValidationError) as early:
        waive(office, cid, 1, "1.00", "2026-01-30")
    assert early.value.field == "on"
    with pytest.raises(NotFound):
        waive(office, cid, 2, "1.00", "2026-02-12")


# ---- a late invoicing run ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("paid", "left", "penalty"),
    [
        # FEB-1 settles year 1's penalty (the contract is settled since 2027-02-01); 10 days on 98074.07 =
        # 686.51849 → 686.52
        ("691.36", "98074.07", "686.52"),
        # FEB-1 pays 500.00 of it (191.36 still owed: the contract is receivable now); 10 days on 98265.43 =
        # 687.85801 → 687.86
        ("500.00", "98265.43", "687.86"),
    ],
)
def test_a_late_invoicing_run_places_money_paid_since_the_years_first_day_on_its_fee(
    office: Office, paid: str, left: str, penalty: str
) -> None:
    cid = start(office)
    office.pay(cid, FEE, D("2026-03-02"), "Y1-LATE")  # 10 days late: 98765.43 × 0.07 % × 10 = 691.36
    # Year 2 began 2027-01-31 but the invoicing job is down until 2027-02-05; meanwhile a payment of 2027-02-01
    office.pay(cid, paid, D("2027-02-01"), "FEB-1")
    assert ledger(office, cid, "2027-02-01").placed("payment:FEB-1") == {(1, "late_penalty"): M(paid)}
    office.run_invoicing(D("2027-02-05"))
    # Year 2's fee is owed from 2027-01-31, so FEB-1 (dated after it) pays that fee first (fees before penalties)
    # and year 1's penalty is owed again in full
    lg = ledger(office, cid, "2027-02-05")
    assert lg.placed("payment:FEB-1") == {(2, "fee"): M(paid)}
    assert row(lg, 2) == (FEE, "2027-02-20", "partially_paid", paid, left)
    assert lg.penalties_outstanding == M("691.36")
    moved_told = told(office, cid, "PaymentsReallocated")
    assert told(office, cid, "CreditApplied") == []  # FEB-1 was never credit
    # The stored invoice says the same, so the overdue job charges year 2's penalty on what it really owes
    [inv2] = [i for i in office.invoices(cid) if i.year == 2]
    assert (inv2.status, inv2.paid) == ("partially_paid", M(paid))
    office.run_overdue(D("2027-03-02"))
    assert [p["penalty_total"] for p in told(office, cid, "PenaltyAssessed") if p["year"] == 2] == [penalty]
    assert [m["moves"][0]["source"] for m in moved_told] == ["payment:FEB-1"]


def test_a_void_after_the_day_finance_was_told_a_penalty_tells_finance_it_is_gone(office: Office) -> None:
    cid = start(office)
    # Told on 2026-03-02, 10 days late: 98765.43 × 0.07 % × 10 = 691.35801 → 691.36
    office.run_overdue(D("2026-03-02"))
    [assessed] = told(office, cid, "PenaltyAssessed")
    assert assessed["penalty_total"] == "691.36"
    # The operator voids the invoice a week later: from that day year 1 owes nothing, penalty included
    office.at(shanghai(D("2026-03-09")))
    payments.void_invoice(office.deps, cid, 1, "开票信息错误", OPERATOR)
    assert ledger(office, cid, "2026-03-09").fees[1].penalty_accrued == 0
    [adjusted] = told(office, cid, "PenaltyAdjusted")
    assert (adjusted["penalty_total"], adjusted["penalty_delta"], adjusted["as_of"]) == (
        "0.00",
        "-691.36",
        "2026-03-09",
    )
    assert adjusted["why"] == "invoice of year 1 voided"
    # Later runs of the overdue job tell nothing more (the invoice is no longer open)
    office.run_overdue(D("2026-04-30"))
    assert (len(told(office, cid, "PenaltyAssessed")), len(told(office, cid, "PenaltyAdjusted"))) == (1, 1)


def test_a_payment_dated_after_the_day_told_tells_no_adjustment(office: Office) -> None:
    cid = start(office)
    office.run_overdue(D("2026-03-02"))
    office.at(shanghai(D("2026-03-09")))
    office.pay(cid, FEE, D("2026-03-05"), "SLIP-LATE")
    # accrual ran to 03-05 (13 days): 898.77 ≥ what finance was told; nothing lowered, nothing to adjust
    assert ledger(office, cid, "2026-03-09").fees[1].penalty_accrued == M("898.77")
    assert told(office, cid, "PenaltyAdjusted") == []
