"""Receivables as of a past day name each contract's status as it stood that day (a year-end report produced
after a termination still says the contract was active at year-end). Hand-derived from docs/domain-rules.md
("Termination" and "Receivables as of D"): a notice dated N with 30 days' notice makes the contract terminating
from N and terminated from N + 30; a three-year term from 2026-11-22 ends 2029-11-21 and expires the day after."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.services import receivables
from tests.unit.conftest import Office
from tests.unit.test_lifecycle_service import withdraw

D = date.fromisoformat


def status(office: Office, cid: str, as_of: str) -> str:
    [row] = [r for r in receivables.receivables(office.deps, D(as_of))["contracts"] if r["contract_id"] == cid]
    return str(row["status"])


@pytest.fixture
def cid(office: Office) -> str:
    """In force from 2026-11-22, year 1 (120,000.00) invoiced that day and never paid: always on the report."""
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    return cid


def test_a_terminated_contract_was_active_then_terminating_on_earlier_days(office: Office, cid: str) -> None:
    office.serve_notice(cid, D("2027-06-01"))  # takes effect 2027-07-01
    office.run_lifecycle(D("2027-07-01"))
    assert office.contract(cid).status == "terminated"
    assert [status(office, cid, d) for d in ("2026-12-31", "2027-05-31", "2027-06-01", "2027-06-30")] == [
        "active",
        "active",
        "terminating",
        "terminating",
    ]
    assert [status(office, cid, d) for d in ("2027-07-01", "2028-01-01")] == ["terminated", "terminated"]


def test_a_withdrawn_notice_made_it_terminating_only_until_its_withdrawal(office: Office, cid: str) -> None:
    office.serve_notice(cid, D("2027-06-01"))
    withdraw(office, cid, D("2027-06-10"))
    office.at(D("2027-06-20"))
    assert [status(office, cid, d) for d in ("2027-05-31", "2027-06-01", "2027-06-09", "2027-06-10")] == [
        "active",
        "terminating",
        "terminating",
        "active",
    ]


def test_an_expired_contract_was_active_through_its_last_day(office: Office, cid: str) -> None:
    office.run_lifecycle(D("2029-11-22"))
    assert office.contract(cid).status == "expired"
    assert [status(office, cid, d) for d in ("2029-11-21", "2029-11-22")] == ["active", "expired"]
