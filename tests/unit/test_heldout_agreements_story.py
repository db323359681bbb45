"""Held-out-style scenarios for supplementary agreements (补充协议), termination notices (解除合同通知书) and the
contract's lifecycle (expiry, renewal reminders), with their own fees (cents), rates and dates.

Every expected date and figure is worked out by hand in the comment beside it from
docs/domain-rules.md ("Supplementary agreements", "Termination notices", "Receivables ledger": revisions and
cancellations). Nothing is copied from the code's output."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api import requests as rq
from chalicelib.domain.errors import Conflict, IllegalTransition, TokenRejected
from chalicelib.services import lifecycle
from chalicelib.services.notifications import Delivery, MessageBuilder
from tests.factories import command
from tests.fakes import DictOnce, FakeMailer, FakePublisher
from tests.unit.conftest import OPERATOR, Office, shanghai
from tests.unit.ledger_heldout_support import Desk

D = date.fromisoformat


def days(first: str, last: str) -> list[date]:
    start, end = D(first), D(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def notice(office: Office, cid: str, on: date, by: str, reason: str, recorded: date | None = None) -> Any:
    office.at(shanghai(recorded or on, 14))
    body = {"by": by, "reason_code": reason, "details": "依约解除", "notice_date": on.isoformat()}
    return lifecycle.serve_notice(office.deps, cid, command(rq.ServeNoticeRequest, body), OPERATOR)


def withdraw(office: Office, cid: str, on: date) -> None:
    office.at(shanghai(on, 15))
    body = {"reason": "双方协商继续履行", "agreed_by": ["client", "vendor"], "withdrawn_on": on.isoformat()}
    lifecycle.withdraw_notice(office.deps, cid, command(rq.WithdrawNoticeRequest, body), OPERATOR)


def invoice_rows(desk: Desk, cid: str, as_of: date) -> list[tuple[int, str, str, str, str]]:
    """(year, issue, due, amount, status) of each invoice as of `as_of`."""
    return [
        (i["year"], i["issue_date"], i["due_date"], i["amount"], i["status"])
        for i in desk.invoices(cid, as_of).values()
    ]


def sweep(office: Office, first: str, last: str) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for day in days(first, last):
        office.run_invoicing(day)
        for event, n in office.run_lifecycle(day)["events"].items():
            seen += [(day.isoformat(), event)] * n
    return seen


# ---- a fee lowered on a year's first day after that year was invoiced and paid --------------------------------
def test_leap_day_fee_lowered_on_year_twos_first_day_after_it_was_paid_then_a_vendor_notice(office: Office) -> None:
    # Effective 2024-02-29, 5 years, 123,456.78 a year, due 7 days, 90 days' notice. Year 2 starts 2025-02-28
    # (no 29 Feb in 2025), issued that morning at 123,456.78 due 2025-03-07 and paid in full the same day.
    # The agreement lowering the fee to 98,765.43 is signed that afternoon: it is in force on year 2's first day,
    # so year 2 is revised to 98,765.43 (due: the later of 2025-03-07 and 2025-02-28 + 7 = 2025-03-07) and the
    # excess 123,456.78 - 98,765.43 = 24,691.35 becomes credit (预收).
    desk = Desk(office)
    cid = office.activate(
        D("2024-02-29"), term_years=5, annual_fee="123456.78", payment_due_days=7, notice_period_days=90
    )
    office.run_invoicing(D("2024-02-29"))
    desk.pay(cid, "123456.78", D("2024-03-01"), "V-1")
    office.run_invoicing(D("2025-02-28"))
    desk.pay(cid, "123456.78", D("2025-02-28"), "V-2")
    office.amend(cid, D("2025-02-28"), annual_fee="98765.43")
    assert invoice_rows(desk, cid, D("2025-02-28")) == [
        (1, "2024-02-29", "2024-03-07", "123456.78", "paid"),
        (2, "2025-02-28", "2025-03-07", "98765.43", "paid"),
    ]
    assert desk.balances(cid, D("2025-02-28"))["credit"] == "24691.35"
    revised = desk.told(cid, "InvoiceRevised")
    assert [(r["year"], r["previous_amount"], r["amount"], r["due_date"]) for r in revised] == [
        (2, "123456.78", "98765.43", "2025-03-07")
    ]
    # 合同金额 = 123,456.78 + 4 x 98,765.43 = 123,456.78 + 395,061.72 = 518,518.50
    assert office.contract(cid).contract_amount == Decimal("518518.50")
    # Year 3 (2026-02-28) is issued at 98,765.43 due 2026-03-07; the credit pays 24,691.35 of it on its issue
    # date, leaving 74,074.08.
    office.run_invoicing(D("2026-02-28"))
    year3 = desk.invoices(cid, D("2026-02-28"))[3]
    assert (year3["amount"], year3["due_date"], year3["outstanding"]) == ("98765.43", "2026-03-07", "74074.08")
    assert [c["amount"] for c in desk.told(cid, "CreditApplied")] == ["24691.35"]
    # The vendor serves a notice for non-payment on 2026-06-01: 90 days later is 2026-08-30 (Jun 1 + 29 = Jun 30,
    # + 31 = Jul 31, + 30 = Aug 30), mid-year 3. Year 3 stays whole and collectible; year 4 (2027-02-28) is never
    # issued. The notice lists year 3's 74,074.08 as outstanding.
    served = notice(office, cid, D("2026-06-01"), "vendor", "non_payment").notices[0]
    assert served.effective_date == D("2026-08-30")
    html = office.repo.get_document(cid, "notice:1").html
    assert "74,074.08" in html and "人民币柒万肆仟零柒拾肆元零捌分" in html
    assert sweep(office, "2026-08-28", "2027-03-01") == [("2026-08-30", "ContractTerminated")]
    contract = office.contract(cid)
    assert (contract.status, contract.closed_on) == ("terminated", D("2026-08-30"))
    assert [i["year"] for i in desk.invoices(cid, D("2027-03-01")).values()] == [1, 2, 3]
    # Year 3's late penalty keeps running: 0.05 % a day of 74,074.08 = 37.03704; overdue from 2026-03-08; as of
    # 2026-08-30 that is (Mar 7 -> Aug 30) 24 + 30 + 31 + 30 + 31 + 30 = 176 days: 6,518.51904 -> 6,518.52.
    assert desk.invoices(cid, D("2026-08-30"))[3]["penalties"]["accrued"] == "6518.52"


# ---- an agreement on the last day of the term: extension, fee raised, reminders re-armed ------------------------
def test_31_january_extension_signed_on_the_last_day_of_the_term_rearms_reminders(office: Office) -> None:
    # Effective 2026-01-31, 2 years, 250,000.05 a year, due the same day (0 days). The term ends the day before
    # 2028-01-31: 2028-01-30. Reminders: 60 days before 2028-01-30 = 2027-12-01 (Jan 30 - 30 = Dec 31, - 30 =
    # Dec 1), 30 days before = 2027-12-31.
    cid = office.activate(D("2026-01-31"), term_years=2, annual_fee="250000.05", payment_due_days=0)
    assert office.contract(cid).end_date == D("2028-01-30")
    seen = sweep(office, "2026-01-31", "2028-01-29")
    assert seen == [("2027-12-01", "RenewalReminder"), ("2027-12-31", "RenewalReminder")]
    # On the last day of the term both sign an agreement: 1 more year at 260,000.00. The term now ends the day
    # before 2029-01-31: 2029-01-30. Year 2 (2027-01-31, in force before) keeps 250,000.05; year 3 starts
    # 2028-01-31 at 260,000.00, due that day. Reminders again on 2028-12-01 and 2028-12-31; expiry 2029-01-31.
    office.amend(cid, D("2028-01-30"), extend_years=1, annual_fee="260000.00")
    assert office.contract(cid).end_date == D("2029-01-30")
    assert office.contract(cid).contract_amount == Decimal("760000.10")  # 2 x 250,000.05 + 260,000.00
    seen = sweep(office, "2028-01-30", "2029-02-02")
    assert seen == [
        ("2028-12-01", "RenewalReminder"),
        ("2028-12-31", "RenewalReminder"),
        ("2029-01-31", "ContractExpired"),
    ]
    desk = Desk(office)
    assert invoice_rows(desk, cid, D("2029-02-02")) == [
        (1, "2026-01-31", "2026-01-31", "250000.05", "open"),
        (2, "2027-01-31", "2027-01-31", "250000.05", "open"),
        (3, "2028-01-31", "2028-01-31", "260000.00", "open"),
    ]
    assert desk.told(cid, "InvoiceRevised") == []
    assert [(r["days_before_end"], r["end_date"]) for r in desk.told(cid, "RenewalReminder")] == [
        (60, "2028-01-30"),
        (30, "2028-01-30"),
        (60, "2029-01-30"),
        (30, "2029-01-30"),
    ]
    assert office.contract(cid).closed_on == D("2029-01-31")


# ---- a notice that blocks the next year, withdrawn; a second notice ------------------------------------------
def test_31_december_notice_withdrawn_before_the_year_it_blocked_then_a_second_notice(office: Office) -> None:
    # Effective 2025-12-31, 3 years, 88,888.88, due 45 days, 30 days' notice. The client's notice of 2026-12-01
    # takes effect 2026-12-31, year 2's first day: while it is pending no year-2 invoice is due.
    desk = Desk(office)
    cid = office.activate(D("2025-12-31"), annual_fee="88888.88", payment_due_days=45, notice_period_days=30)
    office.run_invoicing(D("2025-12-31"))
    assert notice(office, cid, D("2026-12-01"), "client", "convenience").notices[0].effective_date == D("2026-12-31")
    assert office.contract(cid).next_invoice_year() is None
    # Withdrawn on 2026-12-30, the last day before it takes effect: the contract is active, year 2 is issued on
    # 2026-12-31 due 2026-12-31 + 45 = 2027-02-14 (Dec 31 + 31 = Jan 31, + 14 = Feb 14).
    withdraw(office, cid, D("2026-12-30"))
    assert sweep(office, "2026-12-30", "2027-01-01") == []
    assert invoice_rows(desk, cid, D("2027-01-01"))[1] == (2, "2026-12-31", "2027-02-14", "88888.88", "open")
    # The vendor serves on 2027-01-10 (data not provided): in force 2027-02-09. Year 2 stays whole; year 3
    # (2027-12-31) is never issued.
    assert notice(office, cid, D("2027-01-10"), "vendor", "data_not_provided").notices[1].effective_date == D(
        "2027-02-09"
    )
    assert sweep(office, "2027-01-10", "2028-01-02") == [("2027-02-09", "ContractTerminated")]
    assert [n.status for n in office.contract(cid).notices] == ["withdrawn", "effective"]
    assert [r[0] for r in invoice_rows(desk, cid, D("2028-01-02"))] == [1, 2]
    assert [e.payload["effective_date"] for e in office.repo.events("NoticeWithdrawn", cid)] == ["2026-12-31"]


# ---- a backdated notice cancels an issued and paid fee -------------------------------------------------------
def test_a_notice_recorded_late_cancels_a_paid_year_and_its_money_becomes_credit(office: Office) -> None:
    # Effective 2026-01-31, 100,000.01 a year, due 7 days, 30 days' notice. Year 2 is issued 2027-01-31 (due
    # 2027-02-07) and paid in full on 2027-02-03. On 2027-02-10 the operator records a notice the client served by
    # post on 2027-01-01 (force majeure): it took effect 2027-01-31, year 2's first day, so year 2 was never owed:
    # cancelled, and its 100,000.01 is credit from 2027-02-03 (the payment's date). Year 1 was paid.
    desk = Desk(office)
    cid = office.activate(D("2026-01-31"), annual_fee="100000.01", payment_due_days=7, notice_period_days=30)
    office.run_invoicing(D("2026-01-31"))
    desk.pay(cid, "100000.01", D("2026-02-02"), "P-1")
    office.run_invoicing(D("2027-01-31"))
    desk.pay(cid, "100000.01", D("2027-02-03"), "P-2")
    notice(office, cid, D("2027-01-01"), "client", "force_majeure", recorded=D("2027-02-10"))
    assert office.contract(cid).notices[0].effective_date == D("2027-01-31")
    assert invoice_rows(desk, cid, D("2027-02-10"))[1][4] == "cancelled"
    assert desk.balances(cid, D("2027-02-02"))["credit"] == "0.00"
    assert desk.balances(cid, D("2027-02-03"))["credit"] == "100000.01"
    assert desk.balances(cid, D("2027-02-10")) == {
        "fees_outstanding": "0.00",
        "penalties_outstanding": "0.00",
        "credit": "100000.01",
        "net": "-100000.01",
    }
    cancelled = desk.told(cid, "InvoiceCancelled")
    assert [(c["year"], c["paid"]) for c in cancelled] == [(2, "100000.01")]
    assert office.run_lifecycle(D("2027-02-10"))["events"] == {"ContractTerminated": 1}
    assert office.contract(cid).closed_on == D("2027-01-31")
    # The credit can be refunded in full, not a cent more.
    with pytest.raises(Conflict):
        desk.refund(cid, "100000.02", D("2027-02-11"), "R-1")
    desk.refund(cid, "100000.01", D("2027-02-11"), "R-1")
    assert desk.balances(cid, D("2027-02-11"))["net"] == "0.00"


# ---- two agreements in sequence; the second on a year's first day revises from the first's fee ------------------
def test_two_agreements_in_sequence_the_second_revises_the_first_days_invoice(office: Office) -> None:
    # Effective 2026-04-30, 3 years, 120,000.00, due 30. Agreement 1 in force 2026-07-15 (mid-year 1) raises the
    # fee to 135,000.50: year 1 keeps 120,000.00. Year 2 (2027-04-30) is issued at 135,000.50 due 2027-05-30.
    # Agreement 2, signed later on 2027-04-30, lowers it to 99,999.99 and sets 45 days: year 2 is revised from
    # 135,000.50 to 99,999.99, due the later of 2027-05-30 and 2027-04-30 + 45 = 2027-06-14 (Apr 30 + 31 = May 31,
    # + 14 = Jun 14). Year 3 (2028-04-30) 99,999.99 due 2028-06-14.
    desk = Desk(office)
    cid = office.activate(D("2026-04-30"))
    office.run_invoicing(D("2026-04-30"))
    assert office.amend(cid, D("2026-07-15"), annual_fee="135000.50") == 1
    office.run_invoicing(D("2027-04-30"))
    assert desk.invoices(cid, D("2027-04-30"))[2]["amount"] == "135000.50"
    assert office.amend(cid, D("2027-04-30"), annual_fee="99999.99", payment_due_days=45) == 2
    office.run_invoicing(D("2028-04-30"))
    assert invoice_rows(desk, cid, D("2028-04-30")) == [
        (1, "2026-04-30", "2026-05-30", "120000.00", "open"),
        (2, "2027-04-30", "2027-06-14", "99999.99", "open"),
        (3, "2028-04-30", "2028-06-14", "99999.99", "open"),
    ]
    revised = desk.told(cid, "InvoiceRevised")
    assert [(r["year"], r["amendment_no"], r["previous_amount"], r["amount"]) for r in revised] == [
        (2, 2, "135000.50", "99999.99")
    ]
    # As of the day before year 2, nothing of agreement 2 shows; 合同金额 = 120,000 + 2 x 99,999.99 = 319,999.98
    assert office.contract(cid).contract_amount == Decimal("319999.98")
    assert office.contract(cid).contract_amount_on(D("2027-04-29")) == Decimal("390001.00")


# ---- an agreement mid-year after the year was invoiced and paid -------------------------------------------------
def test_an_agreement_mid_year_after_the_year_was_paid_changes_only_later_years(office: Office) -> None:
    # Effective 2026-01-31, 3 years, 77,777.77, due 7. Year 1 paid 2026-02-05. Agreement in force 2026-09-30
    # (mid-year 1) raises the fee to 80,000.00 and the daily rate: year 1 stays 77,777.77 and paid, no revision,
    # no credit; year 2 (2027-01-31) is 80,000.00 due 2027-02-07.
    desk = Desk(office)
    cid = office.activate(D("2026-01-31"), annual_fee="77777.77", payment_due_days=7)
    office.run_invoicing(D("2026-01-31"))
    desk.pay(cid, "77777.77", D("2026-02-05"), "Q-1")
    office.amend(
        cid,
        D("2026-09-30"),
        annual_fee="80000.00",
        late_penalty={"mode": "daily_pct", "rate_pct": "0.1", "cap_pct": "10"},
    )
    office.run_invoicing(D("2027-01-31"))
    assert invoice_rows(desk, cid, D("2027-01-31")) == [
        (1, "2026-01-31", "2026-02-07", "77777.77", "paid"),
        (2, "2027-01-31", "2027-02-07", "80000.00", "open"),
    ]
    assert desk.told(cid, "InvoiceRevised") == []
    assert desk.balances(cid, D("2027-01-31"))["credit"] == "0.00"
    # Year 2 is held to the new clause: 0.1 % a day of 80,000.00 = 80.00; 2027-02-08..2027-04-18 is 70 days =
    # 5,600.00, above the cap of 10 % of 80,000.00 = 8,000.00? No: 5,600 < 8,000. On 2027-05-18 (100 days):
    # 8,000.00 capped.
    assert desk.invoices(cid, D("2027-04-18"))[2]["penalties"]["accrued"] == "5600.00"
    assert desk.invoices(cid, D("2027-05-18"))[2]["penalties"]["accrued"] == "8000.00"
    assert desk.invoices(cid, D("2027-06-30"))[2]["penalties"]["accrued"] == "8000.00"


# ---- an agreement changing the notice period, then notices under each ----------------------------------------
@pytest.mark.parametrize(
    ("period", "served", "effective"),
    [(1, "2027-02-28", "2027-03-01"), (90, "2027-03-01", "2027-05-30"), (30, "2027-12-01", "2027-12-31")],
)
def test_an_agreement_changing_the_notice_period_governs_notices_served_after_it(
    office: Office, period: int, served: str, effective: str
) -> None:
    # Effective 2026-03-31, 3 years, 30 days' notice. Agreement in force 2026-10-10 sets `period`. A notice served
    # on `served` (a later day) takes effect `served` + period: 2027-02-28 + 1 = 2027-03-01;
    # 2027-03-01 + 90 = 2027-05-30 (Mar 1 + 30 = Mar 31, + 30 = Apr 30, + 30 = May 30); 2027-12-01 + 30 =
    # 2027-12-31. None of them crosses year 2's start (2027-03-31) except... 2027-05-30 and 2027-12-31 are in
    # year 2, which is issued whole; year 3 (2028-03-31) never is.
    args: dict[str, Any] = {"notice_period_days": period} if period != 30 else {"payment_due_days": 45}
    cid = office.activate(D("2026-03-31"))
    office.amend(cid, D("2026-10-10"), **args)
    n = notice(office, cid, D(served), "client", "mutual_agreement").notices[0]
    assert n.effective_date == D(effective)
    events = sweep(office, served, "2028-04-02")
    assert events == [(effective, "ContractTerminated")]
    years = [i.year for i in office.invoices(cid)]
    assert years == ([1] if D(effective) <= D("2027-03-31") else [1, 2])


# ---- the term has ended though the lifecycle job has not run yet -------------------------------------------------
def test_an_agreement_signed_after_the_last_day_of_the_term_is_refused_whether_or_not_the_job_ran(
    office: Office,
) -> None:
    # Effective 2026-01-31, 1 year: the term ends 2027-01-30 and the contract expires after it ("after the last
    # day of the term it expires the contract"). The daily job is late. An extension proposed on the last day and
    # signed by the client that day, by the vendor on 2027-01-31, comes a day too late: refused, nothing changes,
    # and the next run expires the contract as of 2027-01-31. A new agreement proposed on 2027-02-02 is refused too.
    cid = office.activate(D("2026-01-31"), term_years=1)
    office.at(shanghai(D("2027-01-30"), 9))
    lifecycle.propose_amendment(
        office.deps,
        cid,
        command(rq.ProposeAmendmentRequest, {"changes": {"extend_years": 1}, "reason": "续期一年"}),
        OPERATOR,
    )
    tokens = office.tokens(cid, "AmendmentSent")
    office.sign(tokens["client"])
    office.at(shanghai(D("2027-01-31"), 10))
    with pytest.raises(IllegalTransition):
        office.sign(tokens["vendor"], "韩梅梅")
    contract = office.contract(cid)
    assert (contract.end_date, contract.amendments[0].status, len(contract.terms_versions)) == (
        D("2027-01-30"),
        "awaiting_signatures",
        1,
    )
    office.at(shanghai(D("2027-02-02"), 9))
    body = {"changes": {"annual_fee": "130000.00"}, "reason": "调价"}
    with pytest.raises((IllegalTransition, Conflict)):
        lifecycle.propose_amendment(office.deps, cid, command(rq.ProposeAmendmentRequest, body), OPERATOR)
    # The expiry also voids the extension still awaiting the vendor: it can no longer be signed, and both (who had
    # links) are told it lapsed — not that the operator withdrew it
    assert office.run_lifecycle(D("2027-02-02"))["events"] == {"ContractExpired": 1, "SigningVoided": 1}
    contract = office.contract(cid)
    assert (contract.closed_on, contract.amendments[0].status) == (D("2027-01-31"), "voided")
    assert contract.pending_amendment is None
    [lapsed] = office.repo.events("SigningVoided", cid)
    assert (lapsed.payload["lapsed"], lapsed.payload["invited"], lapsed.payload["subject"]) == (
        True,
        ["client", "vendor"],
        "amendment:1",
    )
    mailer = FakeMailer()
    Delivery(
        MessageBuilder(office.settings, "http://api.local", office.deps.link_secret),
        mailer,
        FakePublisher(),
        DictOnce(),
    ).deliver(lapsed)
    assert len(mailer.sent) == 2
    assert all("合同期限已届满" in m.text and "经办人" not in m.text and "term ended" in m.text for m in mailer.sent)
    with pytest.raises(TokenRejected) as closed:
        office.sign(tokens["vendor"], "韩梅梅")
    assert closed.value.status == 409
    assert office.run_lifecycle(D("2027-02-03"))["contracts_due"] == 0
    assert office.run_invoicing(D("2027-02-02"))["invoices_issued"] == 1  # year 1 only, caught up
    assert [i.year for i in office.invoices(cid)] == [1]


def test_the_last_day_of_the_term_is_still_in_time_for_an_agreement(office: Office) -> None:
    # Effective 2025-12-31, 1 year: ends 2026-12-30. An extension signed by both on 2026-12-30 is in force: the
    # term ends 2027-12-30 and year 2 starts 2026-12-31.
    cid = office.activate(D("2025-12-31"), term_years=1)
    office.amend(cid, D("2026-12-30"), extend_years=1)
    assert office.contract(cid).end_date == D("2027-12-30")
    assert sweep(office, "2026-12-30", "2027-01-01") == []
    assert [i.issue_on for i in office.invoices(cid)] == [D("2025-12-31"), D("2026-12-31")]


def test_a_notice_dated_after_the_term_ended_is_refused_and_one_dated_within_it_lapses(office: Office) -> None:
    # Effective 2026-01-31, 1 year, 30 days' notice: the term ends 2027-01-30. The job is late. A notice dated
    # 2027-01-31 comes after the contract ended: refused. One dated 2027-01-20 (recorded 2027-02-01) would take
    # effect 2027-02-19, after the term: it lapses, and the contract expires as of 2027-01-31; it can no longer be
    # withdrawn on 2027-02-05 (the term ended; nothing is pending any more).
    cid = office.activate(D("2026-01-31"), term_years=1)
    with pytest.raises(IllegalTransition):
        notice(office, cid, D("2027-01-31"), "vendor", "non_payment")
    assert office.contract(cid).notices == []
    notice(office, cid, D("2027-01-20"), "client", "other", recorded=D("2027-02-01"))
    with pytest.raises(IllegalTransition):
        withdraw(office, cid, D("2027-02-05"))
    assert office.run_lifecycle(D("2027-02-05"))["events"] == {"ContractExpired": 1}
    contract = office.contract(cid)
    assert (contract.status, contract.closed_on, contract.notices[0].status) == (
        "expired",
        D("2027-01-31"),
        "lapsed",
    )


def test_the_agreement_says_a_year_starting_the_day_it_takes_effect_is_revised(office: Office) -> None:
    # The 补充协议's fee clause must say what the system does: a year starting on the day the agreement takes
    # effect is governed by it, its payment notice issued that morning revised; years begun before keep their fee
    # and their payment notices. (It used to say every notice issued before the agreement was unaffected.)
    cid = office.activate(D("2026-01-31"))
    office.run_invoicing(D("2027-01-31"))
    office.amend(cid, D("2027-01-31"), annual_fee="123456.78")
    html = office.repo.get_document(cid, "amendment:1").html
    assert "本补充协议生效当日开始的合同年度，其付款通知书已于当日开具的，按调整后的服务费用修订" in html
    assert "乙方在本补充协议生效前已开具的付款通知书不受影响" not in html
    assert [i.amount for i in office.invoices(cid)] == [Decimal("120000.00"), Decimal("123456.78")]


# ---- every reason code, served by each party ---------------------------------------------------------------------
@pytest.mark.parametrize("by", ["client", "vendor"])
@pytest.mark.parametrize(
    "reason",
    [
        "non_payment",
        "data_not_provided",
        "quality_below_standard",
        "confidentiality_breach",
        "late_performance",
        "force_majeure",
        "mutual_agreement",
        "convenience",
        "other",
    ],
)
def test_a_notice_by_either_party_for_each_reason_cites_its_clause_and_ends_the_contract(
    office: Office, by: str, reason: str
) -> None:
    # Effective 2026-12-31, 7 days' notice, 45,678.90 a year. Served 2027-06-30: in force 2027-07-07, mid-year 1.
    # The notice goes to the other party, cites the seeds' clause for the reason, and lists year 1's 45,678.90
    # (due 2027-01-30) as outstanding; both parties are told once; year 2 (2027-12-31) is never issued.
    from chalicelib.domain.contract import REASON_CLAUSES

    cid = office.activate(D("2026-12-31"), annual_fee="45678.90", notice_period_days=7)
    office.run_invoicing(D("2026-12-31"))
    served = notice(office, cid, D("2027-06-30"), by, reason).notices[0]
    assert (served.by, served.reason_code, served.effective_date) == (by, reason, D("2027-07-07"))
    html = office.repo.get_document(cid, "notice:1").html
    other = office.contract(cid).party("vendor" if by == "client" else "client")
    assert REASON_CLAUSES[reason] in html and f"致：{other.name}" in html
    assert "45,678.90" in html and "人民币肆万伍仟陆佰柒拾捌元玖角" in html and "2027年7月7日" in html
    told = [e.payload for e in office.repo.events("NoticeServed", cid)]
    assert [(t["by"], t["reason_code"], t["effective_date"], t["outstanding_total"]) for t in told] == [
        (by, reason, "2027-07-07", "45678.90")
    ]
    assert sweep(office, "2027-07-06", "2028-01-01") == [("2027-07-07", "ContractTerminated")]
    assert office.contract(cid).closed_reason == reason
    assert [i.year for i in office.invoices(cid)] == [1]


@pytest.mark.parametrize(("invoiced_first", "due"), [(True, "2027-03-02"), (False, "2027-02-07")])
def test_a_shorter_due_period_on_a_years_first_day_never_moves_an_issued_invoice_earlier(
    office: Office, invoiced_first: bool, due: str
) -> None:
    # Effective 2026-01-31, due 30 days. An agreement in force on 2027-01-31 (year 2's first day) shortens
    # payment_due_days to 7. Signed before that day's invoicing run, year 2 is issued due 2027-01-31 + 7 =
    # 2027-02-07. Signed after it, the invoice already told the client 2027-03-02 and a revision's due date is
    # the later of the original and 2027-01-31 + 7: it stays 2027-03-02 (docs/domain-rules.md, "Invoices").
    cid = office.activate(D("2026-01-31"))
    if invoiced_first:
        office.run_invoicing(D("2027-01-31"))
    office.amend(cid, D("2027-01-31"), payment_due_days=7)
    office.run_invoicing(D("2027-01-31"))
    assert office.invoices(cid)[1].due_on == D(due)
    office.run_invoicing(D("2028-01-31"))
    assert office.invoices(cid)[2].due_on == D("2028-02-07")  # year 3 under the agreement from the start


def test_a_late_recorded_notice_cancels_an_overdue_year_and_takes_back_its_penalty(office: Office) -> None:
    # Effective 2026-01-31, 100,000.01 a year, due 7 days, 0.05 %/day. Year 1 is paid. Year 2 (issued 2027-01-31,
    # due 2027-02-07) is unpaid: on 2027-02-08 it is 1 day overdue, penalty 100,000.01 x 0.05 % = 50.000005 ->
    # 50.00, finance is told. On 2027-02-20 a notice the vendor served on 2026-12-31 (31 days: in force
    # 2027-01-31) is recorded: year 2 was never owed — cancelled, no penalty; finance is told the 50.00 is gone.
    desk = Desk(office)
    cid = office.activate(D("2026-01-31"), annual_fee="100000.01", payment_due_days=7, notice_period_days=31)
    office.run_invoicing(D("2026-01-31"))
    desk.pay(cid, "100000.01", D("2026-02-01"), "P-1")
    office.run_invoicing(D("2027-01-31"))
    office.run_overdue(D("2027-02-08"))
    assert [(p["year"], p["penalty_delta"]) for p in desk.told(cid, "PenaltyAssessed")] == [(2, "50.00")]
    notice(office, cid, D("2026-12-31"), "vendor", "non_payment", recorded=D("2027-02-20"))
    year2 = desk.invoices(cid, D("2027-02-20"))[2]
    assert (year2["status"], year2["outstanding"], year2["penalties"]["accrued"]) == ("cancelled", "0.00", "0.00")
    assert [(p["year"], p["penalty_delta"]) for p in desk.told(cid, "PenaltyAdjusted")] == [(2, "-50.00")]
    assert desk.balances(cid, D("2027-02-20"))["net"] == "0.00"
    assert desk.row(cid, D("2027-02-20")) is None
    office.run_overdue(D("2027-02-21"))
    assert len(desk.told(cid, "InvoiceOverdue")) == 1
    assert office.run_lifecycle(D("2027-02-21"))["events"] == {"ContractTerminated": 1}


def test_contract_pct_penalty_counts_the_revised_fee_in_the_contract_amount(office: Office) -> None:
    # Effective 2026-01-31, 3 years, 123,456.78, due 10 days, late penalty 1.5 % of the contract amount per
    # overdue invoice, capped at 5 % of the overdue amount. Year 1 is paid on time. Year 2 is issued 2027-01-31 at
    # 123,456.78; an agreement signed that afternoon lowers the fee to 100,000.00: year 2 is revised (due
    # 2027-02-10). Unpaid on 2027-02-11: 合同金额 then = 123,456.78 + 2 x 100,000.00 = 323,456.78; 1.5 % of it =
    # 4,851.8517 -> 4,851.85, under the cap of 5 % x 100,000.00 = 5,000.00.
    desk = Desk(office)
    lp = {"mode": "contract_pct", "rate_pct": "1.5", "cap_pct": "5"}
    cid = office.activate(D("2026-01-31"), annual_fee="123456.78", payment_due_days=10, late_penalty=lp)
    office.run_invoicing(D("2026-01-31"))
    desk.pay(cid, "123456.78", D("2026-02-10"), "C-1")
    office.run_invoicing(D("2027-01-31"))
    office.amend(cid, D("2027-01-31"), annual_fee="100000.00")
    assert desk.invoices(cid, D("2027-02-10"))[2]["penalties"]["accrued"] == "0.00"
    assert desk.invoices(cid, D("2027-02-11"))[2]["penalties"]["accrued"] == "4851.85"
    office.run_overdue(D("2027-02-11"))
    assert [(p["year"], p["penalty_total"]) for p in desk.told(cid, "PenaltyAssessed")] == [(2, "4851.85")]
    # Half paid on 2027-02-11 (50,000.00, designated to the fee): the penalty stands, once.
    desk.pay(cid, "50000.00", D("2027-02-11"), "C-2", applies_to=[(2, "fee")])
    assert desk.invoices(cid, D("2027-06-30"))[2]["penalties"]["accrued"] == "4851.85"
    assert desk.balances(cid, D("2027-06-30"))["net"] == "54851.85"


# ---- renewal reminders after a withdrawn notice ------------------------------------------------------------------
def test_a_reminder_sent_after_a_withdrawn_notice_tells_the_days_really_left(office: Office) -> None:
    # Effective 2026-01-31, 1 year: ends 2027-01-30; reminders due 2026-12-01 (60 days before) and 2026-12-31 (30).
    # The client's notice of 2026-11-20 (30 days: in force 2026-12-20) holds reminders back while pending; both
    # withdraw it on 2026-12-11, and that day's run sends the 60-day reminder, 50 days before the end
    # (Dec 11 -> Jan 30 = 20 + 30): its email says 50 days, not 60. The 30-day one follows on 2026-12-31, on time.

    cid = office.activate(D("2026-01-31"), term_years=1)
    notice(office, cid, D("2026-11-20"), "client", "convenience")
    assert sweep(office, "2026-11-20", "2026-12-10") == []
    withdraw(office, cid, D("2026-12-11"))
    assert sweep(office, "2026-12-11", "2027-02-01") == [
        ("2026-12-11", "RenewalReminder"),
        ("2026-12-31", "RenewalReminder"),
        ("2027-01-31", "ContractExpired"),
    ]
    sent = office.repo.events("RenewalReminder", cid)
    assert [(e.payload["days_before_end"], e.payload["days_left"]) for e in sent] == [(60, 50), (30, 30)]
    mailer = FakeMailer()
    delivery = Delivery(
        MessageBuilder(office.settings, "http://api.local", office.deps.link_secret),
        mailer,
        FakePublisher(),
        DictOnce(),
    )
    delivery.deliver(sent[0])
    assert mailer.sent and all("2027-01-30" in m.text and "50" in m.text and "60日" not in m.text for m in mailer.sent)


def test_a_fee_raised_on_a_first_day_due_the_same_day_owes_the_difference_from_the_next_day(office: Office) -> None:
    # Effective 2025-12-31, due 0 days, 10,000.00 a year, 0.05 %/day capped at 1 %. Year 2 is issued 2026-12-31 and
    # paid in full that morning; that afternoon an agreement raises the fee to 12,345.67: year 2 is revised, due
    # the later of 2026-12-31 and 2026-12-31 + 0 — the same day. The 2,345.67 left is overdue from 2027-01-01:
    # 2,345.67 x 0.05 % = 1.172835 a day; as of 2027-01-10 (10 days) 11.72835 -> 11.73; the cap is 1 % of the
    # 2,345.67 unpaid at the end of the due date = 23.4567 -> 23.46, reached after 20 days (2027-01-20: 23.4567).
    desk = Desk(office)
    cid = office.activate(
        D("2025-12-31"),
        annual_fee="10000.00",
        payment_due_days=0,
        late_penalty={"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": "1"},
    )
    office.run_invoicing(D("2025-12-31"))
    desk.pay(cid, "10000.00", D("2025-12-31"), "Y-1")
    office.run_invoicing(D("2026-12-31"))
    desk.pay(cid, "10000.00", D("2026-12-31"), "Y-2")
    office.amend(cid, D("2026-12-31"), annual_fee="12345.67")
    year2 = desk.invoices(cid, D("2026-12-31"))[2]
    assert (year2["amount"], year2["due_date"], year2["outstanding"], year2["status"]) == (
        "12345.67",
        "2026-12-31",
        "2345.67",
        "partially_paid",
    )
    assert desk.invoices(cid, D("2027-01-10"))[2]["penalties"]["accrued"] == "11.73"
    assert desk.invoices(cid, D("2027-01-20"))[2]["penalties"]["accrued"] == "23.46"
    assert desk.invoices(cid, D("2027-03-31"))[2]["penalties"]["accrued"] == "23.46"


# ---- the same day's facts in every recording order -----------------------------------------------------------
@pytest.mark.parametrize(
    "order",
    [
        ("invoice", "pay", "amend"),
        ("invoice", "amend", "pay"),
        ("amend", "invoice", "pay"),
        ("pay", "amend", "invoice"),
        ("pay", "invoice", "amend"),
        ("amend", "pay", "invoice"),
    ],
)
def test_a_first_days_invoice_payment_and_agreement_give_the_same_figures_in_any_order(
    office: Office, order: tuple[str, ...]
) -> None:
    # Effective 2026-01-31, 3 years, 120,000.00, due 30 days, 0.05 %/day. On 2027-01-31 (year 2's first day) three
    # things happen, recorded in `order`: the invoicing run, a payment of 100,000.00 dated that day, and an
    # agreement raising the fee to 130,000.50 with 45 days to pay. Whatever the order, year 2 is 130,000.50 due
    # 2027-03-17 (Jan 31 + 45), 100,000.00 paid, 30,000.50 outstanding; as of 2027-03-27 it is 10 days overdue:
    # 30,000.50 x 0.05 % x 10 = 150.0025 -> 150.00. Year 1 (paid on time) owes nothing; no credit.
    desk = Desk(office)
    cid = office.activate(D("2026-01-31"))
    office.run_invoicing(D("2026-01-31"))
    desk.pay(cid, "120000.00", D("2026-02-15"), "Z-1")
    steps = {
        "invoice": lambda: office.run_invoicing(D("2027-01-31")),
        "pay": lambda: desk.pay(cid, "100000.00", D("2027-01-31"), "Z-2"),
        "amend": lambda: office.amend(cid, D("2027-01-31"), annual_fee="130000.50", payment_due_days=45),
    }
    for step in order:
        steps[step]()
    year2 = desk.invoices(cid, D("2027-03-27"))[2]
    assert (year2["amount"], year2["due_date"], year2["paid"], year2["outstanding"]) == (
        "130000.50",
        "2027-03-17",
        "100000.00",
        "30000.50",
    )
    assert year2["penalties"]["accrued"] == "150.00"
    assert desk.balances(cid, D("2027-03-27")) == {
        "fees_outstanding": "30000.50",
        "penalties_outstanding": "150.00",
        "credit": "0.00",
        "net": "30150.50",
    }
    assert desk.balances(cid, D("2027-01-31"))["credit"] == "0.00"
