"""Recording payments (支付凭证): oldest invoice first, a voucher once, every bad input refused by name with
nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.api import money_requests as mq
from chalicelib.domain.errors import Conflict, DomainError, IllegalTransition, ValidationError
from chalicelib.services import billing, payments, receivables
from tests.factories import command
from tests.unit.conftest import FINANCE, Office

D = date.fromisoformat


@pytest.fixture
def two_years(office: Office) -> str:
    """A contract in force from 2026-11-22 with years 1 and 2 invoiced (due 2026-12-22 and 2027-12-22)."""
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2027-11-22"))
    return cid


def test_a_payment_settles_the_oldest_invoice_first(office: Office, two_years: str) -> None:
    # When finance records 150000.00 paid on 2027-12-01
    receipt = office.pay(two_years, "150000.00", D("2027-12-01"), "HK-2027-001")
    # Then year 1 is paid and year 2 is partly paid
    assert receipt["allocations"] == [
        {"year": 1, "amount": "120000.00", "status": "paid", "outstanding": "0.00"},
        {"year": 2, "amount": "30000.00", "status": "partially_paid", "outstanding": "90000.00"},
    ]
    assert (receipt["outstanding_after"], receipt["amount_in_words"]) == ("90000.00", "人民币壹拾伍万元整")
    assert [(i.year, i.status, i.outstanding) for i in office.invoices(two_years)] == [
        (1, "paid", Decimal("0.00")),
        (2, "partially_paid", Decimal("90000.00")),
    ]
    assert [p["voucher_no"] for p in payments.list_payments(office.deps, two_years)] == ["HK-2027-001"]
    # And year 1, paid 344 days late, has its daily penalty assessed once: 120000.00 × 0.05 % × 344 = 20640.00
    penalty = office.repo.events("PenaltyAssessed", two_years)
    assert [(e.payload["year"], e.payload["days_overdue"], e.payload["penalty_total"]) for e in penalty] == [
        (1, 344, "20640.00")
    ]
    assert penalty[0].payload["penalty_total_in_words"] == "人民币贰万零陆佰肆拾元整"


def test_a_payment_on_time_assesses_no_penalty(office: Office, two_years: str) -> None:
    office.at(D("2026-12-22"))
    office.pay(two_years, "120000.00", D("2026-12-22"))
    assert office.repo.events("PenaltyAssessed", two_years) == []
    assert office.event_types(two_years)[-1] == "PaymentReceived"


def body(**change: Any) -> dict[str, Any]:
    return {"amount": "1000.00", "paid_on": "2027-12-01", "voucher_no": "HK-1", "method": "bank_transfer", **change}


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"amount": "0"}, ValidationError, "amount"),
        ({"amount": "0.00"}, ValidationError, "amount"),
        ({"amount": "-100.00"}, ValidationError, "amount"),
        ({"amount": "100.001"}, ValidationError, "amount"),
        ({"amount": 100.5}, ValidationError, "amount"),
        ({"amount": "1e3"}, ValidationError, "amount"),
        ({"paid_on": "2027-12-02"}, ValidationError, "paid_on"),  # tomorrow
        ({"paid_on": "2027-02-30"}, ValidationError, "paid_on"),
        ({"paid_on": None}, ValidationError, "paid_on"),
        ({"paid_on": "2026-11-21"}, ValidationError, "paid_on"),  # before the contract took effect
        ({"voucher_no": ""}, ValidationError, "voucher_no"),
        ({"voucher_no": "HK 1"}, ValidationError, "voucher_no"),
        ({"voucher_no": "-HK1"}, ValidationError, "voucher_no"),
        ({"voucher_no": "H" * 65}, ValidationError, "voucher_no"),
        ({"voucher_no": 12345}, ValidationError, "voucher_no"),
        ({"method": "bitcoin"}, ValidationError, "method"),
    ],
)
def test_a_bad_payment_is_refused_by_name_and_nothing_is_written(
    office: Office, two_years: str, change: dict[str, Any], error: type[DomainError], field: str
) -> None:
    # Given today is 2027-12-01 in Shanghai
    office.at(D("2027-12-01"))
    before = office.repo.snapshot()
    # When finance records the payment
    with pytest.raises(error) as refused:
        payments.record_payment(office.deps, two_years, command(mq.RecordPaymentRequest, body(**change)), FINANCE)
    # Then the error names the field and nothing is written
    assert refused.value.field == field  # type: ignore[attr-defined]
    assert office.repo.snapshot() == before


def test_a_voucher_is_recorded_once(office: Office, two_years: str) -> None:
    office.pay(two_years, "50000.00", D("2027-12-01"), "HK-7")
    before = office.repo.snapshot()
    with pytest.raises(Conflict) as refused:
        office.pay(two_years, "50000.00", D("2027-12-01"), "HK-7")
    assert refused.value.field == "voucher_no"
    assert office.repo.snapshot() == before
    assert [i.paid for i in office.invoices(two_years)] == [Decimal("50000.00"), Decimal("0.00")]


def test_a_voucher_of_another_contract_is_refused_too(office: Office, two_years: str) -> None:
    office.pay(two_years, "50000.00", D("2027-12-01"), "HK-8")
    other = office.activate(D("2027-12-05"))
    office.run_invoicing(D("2027-12-05"))
    with pytest.raises(Conflict) as refused:
        office.pay(other, "1000.00", D("2027-12-05"), "HK-8")
    assert refused.value.field == "voucher_no"
    assert office.invoices(other)[0].paid == Decimal("0.00")


def test_no_payment_against_a_contract_not_in_force(office: Office) -> None:
    office.at(D("2026-11-20"))
    cid = office.draft()
    before = office.repo.snapshot()
    with pytest.raises(IllegalTransition):
        office.pay(cid, "1000.00", D("2026-11-20"))
    assert office.repo.snapshot() == before


def test_invoices_issued_before_termination_stay_collectible(office: Office) -> None:
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    office.serve_notice(cid, D("2027-03-01"))
    office.run_lifecycle(D("2027-03-31"))
    assert office.contract(cid).status == "terminated"
    receipt = office.pay(cid, "120000.00", D("2027-04-02"))
    assert receipt["outstanding_after"] == "0.00"
    assert office.invoices(cid)[0].status == "paid"


def test_a_payment_racing_another_write_is_retried_and_recorded_once(
    office: Office, two_years: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given another writer that changes the contract just before the payment's first commit
    waits: list[float] = []
    monkeypatch.setattr("chalicelib.services.base.time.sleep", waits.append)
    commit = office.repo.commit
    raced = False

    def racing_commit(changes: Any) -> None:
        nonlocal raced
        if not raced and changes.payments:
            raced = True
            billing.issue_due_invoices(office.deps, D("2028-11-22"))  # year 3 issued meanwhile
        commit(changes)

    monkeypatch.setattr(office.repo, "commit", racing_commit)
    office.at(D("2028-11-22"))
    # When finance records a payment
    receipt = office.pay(two_years, "130000.00", D("2028-11-22"), "HK-R")
    # Then the first attempt lost the version race, the retry saw year 3 too, and the payment exists once
    assert office.repo.failed_commits == 1 and len(waits) == 1
    assert [a["year"] for a in receipt["allocations"]] == [1, 2]
    assert [p.voucher_no for p in office.repo.get_payments(two_years)] == ["HK-R"]
    assert receipt["outstanding_after"] == "230000.00"


def test_an_operator_voids_a_partly_paid_invoice(office: Office, two_years: str) -> None:
    office.pay(two_years, "20000.00", D("2027-12-01"))
    payments.void_invoice(office.deps, two_years, 1, "双方确认豁免余款", "operator:test")
    invoice = office.invoices(two_years)[0]
    assert (invoice.status, invoice.outstanding) == ("void", Decimal("0.00"))
    # And the 20000.00 paid toward it is not stranded: it flows on to year 2 as of the void
    assert office.invoices(two_years)[1].outstanding == Decimal("100000.00")
    voided = office.repo.events("InvoiceVoided", two_years)[0].payload
    assert (voided["year"], voided["amount"], voided["reason"]) == (1, "120000.00", "双方确认豁免余款")
    # A void invoice is no longer receivable and is never chased
    assert [i.year for i in office.repo.open_invoices()] == [2]
    assert office.run_overdue(D("2028-06-01"))["overdue_invoices"] == 1
    assert {e.payload["year"] for e in office.repo.events("InvoiceOverdue", two_years)} == {2}


def test_receivables_age_the_overdue_amounts_with_their_penalties(office: Office, two_years: str) -> None:
    office.at(D("2028-01-31"))
    report = receivables.receivables(office.deps, D("2028-01-31"))
    [row] = report["contracts"]
    # Year 1 is 405 days overdue, year 2 is 40: penalties 120000 × 0.05 % × 405 + 120000 × 0.05 % × 40
    assert (row["outstanding"], row["overdue"], row["90+"], row["31-60"]) == (
        "240000.00",
        "240000.00",
        "120000.00",
        "120000.00",
    )
    assert row["penalties"] == "26700.00"
    assert report["totals"]["penalties"] == "26700.00"
    assert [(i["year"], i["days_overdue"]) for i in row["invoices"]] == [(1, 405), (2, 40)]


def test_resubmitting_a_settling_payment_is_reported_as_a_duplicate_voucher(office: Office, two_years: str) -> None:
    # Given finance recorded a payment that settled both invoices
    office.pay(two_years, "240000.00", D("2027-12-01"), "HK-9")
    before = office.repo.snapshot()
    # When the same voucher is submitted again (a retry without an Idempotency-Key)
    with pytest.raises(Conflict) as refused:
        office.pay(two_years, "240000.00", D("2027-12-01"), "HK-9")
    # Then finance is told the voucher is already recorded, and nothing is written
    assert refused.value.field == "voucher_no"
    assert office.repo.snapshot() == before
