"""The invoicing job: one invoice per contract year on the year's start date, caught up in one run, never twice;
amounts from the terms in force on that date; nothing for years starting on/after a pending notice's effect."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chalicelib.services import billing
from tests.unit.conftest import Office

D = date.fromisoformat
FEE = Decimal("120000.00")


def rows(office: Office, cid: str) -> list[tuple[int, str, str, Decimal]]:
    return [(i.year, i.issue_on.isoformat(), i.due_on.isoformat(), i.amount) for i in office.invoices(cid)]


def test_a_late_run_catches_up_every_year_that_has_started(office: Office) -> None:
    # Given a three-year contract in force from 2026-11-22 that was never invoiced
    cid = office.activate(D("2026-11-22"))
    # When the job first runs on the last day of the term
    report = office.run_invoicing(D("2029-11-21"))
    # Then the three annual invoices are issued at once, each dated on its contract year's start
    assert (report["contracts_due"], report["invoices_issued"]) == (1, 3)
    assert rows(office, cid) == [
        (1, "2026-11-22", "2026-12-22", FEE),
        (2, "2027-11-22", "2027-12-22", FEE),
        (3, "2028-11-22", "2028-12-22", FEE),
    ]
    issued = office.repo.events("InvoiceIssued", cid)
    assert [(e.payload["year"], e.payload["amount"], e.payload["amount_in_words"]) for e in issued] == [
        (k, "120000.00", "人民币壹拾贰万元整") for k in (1, 2, 3)
    ]
    assert issued[0].payload["period_end"] == "2027-11-21"
    assert office.contract(cid).invoiced_years == 3
    # And running it again issues nothing
    assert office.run_invoicing(D("2029-11-21"))["invoices_issued"] == 0
    assert office.run_invoicing(D("2035-01-01"))["contracts_due"] == 0
    assert len(office.invoices(cid)) == 3


def test_each_invoice_is_issued_on_its_start_date_once(office: Office) -> None:
    cid = office.activate(D("2026-11-22"))
    assert office.run_invoicing(D("2026-11-21"))["invoices_issued"] == 0
    assert office.run_invoicing(D("2026-11-22"))["invoices_issued"] == 1
    assert office.run_invoicing(D("2026-11-22"))["invoices_issued"] == 0
    assert office.run_invoicing(D("2027-11-21"))["invoices_issued"] == 0
    assert office.run_invoicing(D("2027-11-22"))["invoices_issued"] == 1
    assert [i.year for i in office.invoices(cid)] == [1, 2]
    assert len(office.repo.events("InvoiceIssued", cid)) == 2


def test_a_run_with_nothing_due_reads_only_the_schedule_index(office: Office) -> None:
    office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    office.repo.reset_counters()
    assert office.run_invoicing(D("2027-01-15")) == {"as_of": "2027-01-15", "contracts_due": 0, "invoices_issued": 0}
    assert dict(office.repo.reads) == {"contracts_to_invoice": 1}
    assert office.repo.writes["commit"] == 0


def test_a_contract_in_force_from_29_february(office: Office) -> None:
    # Given a five-year contract signed by the second party at 00:30 on 29 Feb 2024 in Shanghai (16:30 UTC the 28th)
    office.at("2024-02-26T02:00:00Z")
    cid = office.draft(term_years=5)
    tokens = office.send(cid)
    office.sign(tokens["client"])
    office.at("2024-02-28T16:30:00Z")
    assert office.sign(tokens["vendor"], "韩梅梅")["effective_date"] == "2024-02-29"
    # When the job runs in March 2028
    assert office.run_invoicing(D("2028-03-01"))["invoices_issued"] == 5
    # Then years start on 28 Feb in common years and 29 Feb in leap years; each is due 30 days later
    assert rows(office, cid) == [
        (1, "2024-02-29", "2024-03-30", FEE),
        (2, "2025-02-28", "2025-03-30", FEE),
        (3, "2026-02-28", "2026-03-30", FEE),
        (4, "2027-02-28", "2027-03-30", FEE),
        (5, "2028-02-29", "2028-03-30", FEE),
    ]
    assert [i.period_end.isoformat() for i in office.invoices(cid)] == [
        "2025-02-27",
        "2026-02-27",
        "2027-02-27",
        "2028-02-28",
        "2029-02-27",
    ]
    assert office.contract(cid).end_date == D("2029-02-27")


def test_no_invoice_for_a_year_starting_after_a_pending_notice_takes_effect(office: Office) -> None:
    # Given a notice served on 2027-11-01 that takes effect on 2027-12-01, after year 2 started (2027-11-22)
    cid = office.activate(D("2026-11-22"))
    office.serve_notice(cid, D("2027-11-01"))
    # When the invoicing job runs, even long after
    office.run_invoicing(D("2029-01-01"))
    # Then years 1 and 2 are invoiced, year 3 (2028-11-22) never
    assert [i.year for i in office.invoices(cid)] == [1, 2]
    assert office.contract(cid).next_invoice_on() is None


def test_a_notice_effective_on_a_year_start_stops_that_years_invoice(office: Office) -> None:
    cid = office.activate(D("2026-11-22"))
    office.serve_notice(cid, D("2027-10-23"))  # + 30 days = 2027-11-22, the first day of year 2
    assert office.contract(cid).notices[0].effective_date == D("2027-11-22")
    office.run_invoicing(D("2027-11-22"))
    assert [i.year for i in office.invoices(cid)] == [1]


def test_a_late_invoicing_run_still_issues_a_year_that_started_before_termination(office: Office) -> None:
    # Given a notice taking effect on 2027-12-01; year 2 started on 2027-11-22
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    office.serve_notice(cid, D("2027-11-01"))
    # When the lifecycle job terminates the contract before the (delayed) invoicing run
    office.run_lifecycle(D("2027-12-01"))
    assert office.contract(cid).status == "terminated"
    office.run_invoicing(D("2027-12-05"))
    # Then year 2 is still invoiced, dated on its start
    assert rows(office, cid)[-1] == (2, "2027-11-22", "2027-12-22", FEE)


def test_a_fee_amendment_applies_to_years_starting_after_it(office: Office) -> None:
    # Given year 1 invoiced at 120000.00
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    # When both parties sign a supplementary agreement raising the fee on 2027-03-02
    office.amend(cid, D("2027-03-02"), annual_fee="150000.00")
    effective = office.repo.events("AmendmentEffective", cid)[-1].payload
    assert (effective["effective_date"], effective["contract_amount"]) == ("2027-03-02", "420000.00")
    assert effective["contract_amount_in_words"] == "人民币肆拾贰万元整"
    # Then the issued invoice is unchanged and the following years use the new fee
    office.run_invoicing(D("2028-11-22"))
    assert [(i.year, i.amount, i.version) for i in office.invoices(cid)] == [
        (1, FEE, 1),
        (2, Decimal("150000.00"), 1),
        (3, Decimal("150000.00"), 1),
    ]
    assert office.contract(cid).contract_amount == Decimal("420000.00")


def test_an_extension_adds_a_year_and_moves_the_end_of_term(office: Office) -> None:
    cid = office.activate(D("2026-11-22"))
    office.amend(cid, D("2028-06-01"), extend_years=1)
    contract = office.contract(cid)
    assert (contract.term_years, contract.end_date) == (4, D("2030-11-21"))
    assert office.run_invoicing(D("2031-06-01"))["invoices_issued"] == 4
    assert rows(office, cid)[-1] == (4, "2029-11-22", "2029-12-22", FEE)
    assert office.contract(cid).contract_amount == Decimal("480000.00")


def test_a_contract_not_yet_in_force_is_never_invoiced(office: Office) -> None:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    office.send(cid)
    assert office.run_invoicing(D("2030-01-01"))["invoices_issued"] == 0
    assert office.invoices(cid) == []


def test_a_run_holding_a_stale_contract_does_not_issue_twice(office: Office) -> None:
    # Given two invoicing runs that read the contract from the index at the same time
    cid = office.activate(D("2026-11-22"))
    office.at(D("2026-11-22"))
    [stale] = list(office.repo.contracts_to_invoice(D("2026-11-22")))
    assert billing.issue_due_invoices(office.deps, D("2026-11-22"))["invoices_issued"] == 1
    # When the slower one commits what it read
    issued = billing.issue_for_contract(office.deps, stale, D("2026-11-22"))
    # Then its write is refused, it reloads, finds nothing left to issue, and year 1 exists once
    assert issued == 0
    assert [i.year for i in office.invoices(cid)] == [1]
    assert len(office.repo.events("InvoiceIssued", cid)) == 1
    assert office.repo.failed_commits == 1
