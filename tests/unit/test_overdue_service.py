"""The overdue job: one alert per escalation level (1, 15, 30, 60, 90 days), only the highest when a run skips
levels, nothing on reruns or for paid invoices, penalties per docs/domain-rules.md, and it reads only what it must."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.services import billing
from chalicelib.services import ledger as ledger_service
from tests.unit.conftest import Office

D = date.fromisoformat
DUE = D("2026-12-22")  # year 1 of a contract in force from 2026-11-22, 30 days to pay


def day(n: int) -> date:
    return DUE + timedelta(days=n)


@pytest.fixture
def invoiced(office: Office) -> str:
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    return cid


def make_invoiced(office: Office, **terms: Any) -> str:
    cid = office.activate(D("2026-11-22"), **terms)
    office.run_invoicing(D("2026-11-22"))
    return cid


def overdue_events(office: Office, cid: str) -> list[tuple[int, list[int]]]:
    return [(e.payload["level"], e.payload["levels_skipped"]) for e in office.repo.events("InvoiceOverdue", cid)]


def penalties(office: Office, cid: str) -> list[str]:
    return [e.payload["penalty_total"] for e in office.repo.events("PenaltyAssessed", cid)]


def test_one_alert_per_level_however_often_the_job_runs(office: Office, invoiced: str) -> None:
    # When the job runs on the due date, then daily-ish up to 40 days late, some days twice
    assert office.run_overdue(DUE)["overdue_invoices"] == 0
    escalated = [office.run_overdue(day(n))["escalated"] for n in (1, 1, 2, 15, 16, 30, 40, 40)]
    # Then levels 1, 15 and 30 were each alerted once
    assert escalated == [1, 0, 0, 1, 0, 1, 0, 0]
    assert overdue_events(office, invoiced) == [(1, []), (15, []), (30, [])]
    assert office.repo.alert_keys() == [f"{invoiced}#001#1", f"{invoiced}#001#15", f"{invoiced}#001#30"]
    invoice = office.invoices(invoiced)[0]
    assert invoice.levels_alerted == [1, 15, 30]
    # And the daily penalty is 120000.00 × 0.05 % per day: assessed at each alert, 2400.00 accrued at 40 days
    assert penalties(office, invoiced) == ["60.00", "900.00", "1800.00"]
    assert ledger_service.view(office.repo.load_ledger(invoiced), day(40)).fees[1].penalty_accrued == 2400
    first = office.repo.events("InvoiceOverdue", invoiced)[0].payload
    assert (first["days_overdue"], first["outstanding"], first["outstanding_in_words"]) == (
        1,
        "120000.00",
        "人民币壹拾贰万元整",
    )


def test_a_run_that_skips_levels_sends_only_the_highest_and_marks_them_all(office: Office, invoiced: str) -> None:
    # When the job first runs 65 days after the due date
    report = office.run_overdue(day(65))
    # Then one InvoiceOverdue event says level 60, with 1, 15 and 30 marked as skipped
    assert (report["overdue_invoices"], report["escalated"]) == (1, 1)
    assert overdue_events(office, invoiced) == [(60, [1, 15, 30])]
    assert office.repo.alert_keys() == [f"{invoiced}#001#{lv}" for lv in (1, 15, 30, 60)]
    assert penalties(office, invoiced) == ["3900.00"]  # 120000.00 × 0.05 % × 65
    # And reruns send nothing until level 90
    for n in (65, 66, 89):
        assert office.run_overdue(day(n))["escalated"] == 0
    assert office.run_overdue(day(90))["escalated"] == 1
    assert overdue_events(office, invoiced) == [(60, [1, 15, 30]), (90, [])]
    assert office.run_overdue(day(400))["escalated"] == 0


def test_a_fully_paid_invoice_is_never_alerted_again(office: Office, invoiced: str) -> None:
    office.run_overdue(day(1))
    office.pay(invoiced, "120000.00", day(5))
    office.repo.reset_counters()

    report = office.run_overdue(day(15))

    assert (report["overdue_invoices"], report["escalated"]) == (0, 0)
    assert overdue_events(office, invoiced) == [(1, [])]
    assert office.repo.items_read["open_invoices_due_before"] == 0
    # Its penalty stopped on the day it was paid: 5 days × 60.00
    assert penalties(office, invoiced) == ["60.00", "300.00"]


def test_detect_overdue_reads_only_the_open_invoices_due_before_as_of(office: Office) -> None:
    # Given three contracts: C's invoice paid on time, A's overdue, B's not yet due on 2027-01-10
    c = office.activate(D("2026-11-01"))
    a = office.activate(D("2026-11-22"))
    b = office.activate(D("2027-01-05"))
    office.run_invoicing(D("2027-01-05"))
    office.pay(c, "120000.00", D("2026-12-01"))
    office.repo.reset_counters()
    # When the overdue job runs on 2027-01-10
    report = office.run_overdue(D("2027-01-10"))
    # Then it queried the index once, got only A's invoice, and read only A to escalate it
    assert (report["overdue_invoices"], report["escalated"]) == (1, 1)
    assert dict(office.repo.reads) == {"open_invoices_due_before": 1, "get_contract": 1}
    assert office.repo.items_read["open_invoices_due_before"] == 1
    assert office.repo.items_read["get_contract"] == 1  # the invoice came with the index query
    assert [e.contract_id for e in office.repo.events("InvoiceOverdue")] == [a]
    assert office.repo.writes["commit"] == 1
    assert {b, c}.isdisjoint(e.contract_id for e in office.repo.events("InvoiceOverdue"))


def test_a_partial_payment_after_the_due_date_stops_accrual_on_what_it_paid(office: Office, invoiced: str) -> None:
    # Given half paid 10 days late
    office.pay(invoiced, "60000.00", day(10))
    # When the job runs 30 days late
    office.run_overdue(day(30))
    # Then (120000 × 10 + 60000 × 20) × 0.05 % = 1200.00
    alert = office.repo.events("InvoiceOverdue", invoiced)[-1].payload
    assert (alert["outstanding"], alert["penalty_accrued"]) == ("60000.00", "1200.00")
    assert penalties(office, invoiced) == ["1200.00"]


def test_the_daily_penalty_stops_at_its_cap(office: Office) -> None:
    cid = make_invoiced(office, late_penalty={"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": "1"})
    office.run_overdue(day(30))  # 1800.00 uncapped, 1 % of 120000.00 is 1200.00
    office.run_overdue(day(60))
    office.run_overdue(day(90))
    assert penalties(office, cid) == ["1200.00"]
    assert [e.payload["penalty_accrued"] for e in office.repo.events("InvoiceOverdue", cid)] == ["1200.00"] * 3


def test_a_contract_pct_penalty_is_assessed_once(office: Office) -> None:
    cid = make_invoiced(office, late_penalty={"mode": "contract_pct", "rate_pct": "5", "cap_pct": None})
    for n in (1, 15, 30, 60):
        office.run_overdue(day(n))
    # 360000.00 × 5 % = 18000.00, once for this invoice
    assert penalties(office, cid) == ["18000.00"]
    assert len(office.repo.events("InvoiceOverdue", cid)) == 4
    assert office.repo.events("InvoiceOverdue", cid)[-1].payload["penalty_accrued"] == "18000.00"


def test_an_invoice_paid_while_the_job_runs_is_not_chased(office: Office, invoiced: str) -> None:
    # Given the job read the invoice from the index as overdue, and finance recorded the payment meanwhile
    [seen] = list(office.repo.open_invoices_due_before(day(20)))
    assert seen.is_overdue(day(20))
    office.pay(invoiced, "120000.00", day(19))
    before = office.repo.snapshot()
    # When the job escalates what it read
    escalated = billing.escalate_invoice(office.deps, invoiced, 1, day(20))
    # Then it re-reads the invoice, sees it paid, and writes nothing
    assert escalated is False
    assert office.repo.snapshot() == before
    assert office.repo.events("InvoiceOverdue", invoiced) == []
