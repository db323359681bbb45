"""The lifecycle job and termination notices (解除合同通知书): a notice takes effect notice_period_days after it is
served, can be withdrawn before that by both parties, renewal reminders go out 60 and 30 days before the end of
term once each, and the contract expires the day after its term ends."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.api import requests as rq
from chalicelib.domain.errors import IllegalTransition, ValidationError
from chalicelib.services import lifecycle
from tests.factories import command
from tests.unit.conftest import OPERATOR, Office

D = date.fromisoformat


@pytest.fixture
def cid(office: Office) -> str:
    """A three-year contract in force from 2026-11-22 (ends 2029-11-21), 30 days' notice."""
    return office.activate(D("2026-11-22"))


def withdraw(office: Office, cid: str, on: date, agreed_by: list[str] | None = None) -> None:
    body = {
        "reason": "双方协商继续履行",
        "agreed_by": agreed_by or ["client", "vendor"],
        "withdrawn_on": on.isoformat(),
    }
    office.at(on)
    lifecycle.withdraw_notice(office.deps, cid, command(rq.WithdrawNoticeRequest, body), OPERATOR)


def test_a_notice_terminates_the_contract_when_its_period_ends(office: Office, cid: str) -> None:
    # Given a notice served by the client on 2027-06-01 with 30 days' notice
    contract = office.serve_notice(cid, D("2027-06-01"))
    assert (contract.status, contract.notices[0].effective_date) == ("terminating", D("2027-07-01"))
    served = office.repo.events("NoticeServed", cid)[0].payload
    assert (served["effective_date"], served["outstanding_total"]) == ("2027-07-01", "0.00")
    assert office.repo.get_document(cid, "notice:1").sha256 == served["document_sha256"]
    # When the lifecycle job runs the day before and on the effective date
    assert office.run_lifecycle(D("2027-06-30")) == {"as_of": "2027-06-30", "contracts_due": 0, "events": {}}
    assert office.run_lifecycle(D("2027-07-01"))["events"] == {"ContractTerminated": 1}
    # Then the contract is terminated on 2027-07-01, and reruns do nothing
    contract = office.contract(cid)
    assert (contract.status, contract.closed_on, contract.notices[0].status) == (
        "terminated",
        D("2027-07-01"),
        "effective",
    )
    for as_of in ("2027-07-01", "2027-07-02", "2029-11-22"):
        assert office.run_lifecycle(D(as_of))["contracts_due"] == 0
    assert office.event_types(cid).count("ContractTerminated") == 1


def test_a_notice_taking_effect_after_a_new_contract_year_started(office: Office, cid: str) -> None:
    # Given year 1 invoiced and a notice served 2027-11-01 that takes effect 2027-12-01
    office.run_invoicing(D("2026-11-22"))
    office.serve_notice(cid, D("2027-11-01"))
    # When the jobs run as scheduled: year 2 starts 2027-11-22, the notice takes effect 2027-12-01
    assert office.run_invoicing(D("2027-11-22"))["invoices_issued"] == 1
    assert office.run_lifecycle(D("2027-12-01"))["events"] == {"ContractTerminated": 1}
    assert office.run_invoicing(D("2028-11-22"))["invoices_issued"] == 0
    # Then that year's invoice was issued and no later one
    assert [(i.year, i.status) for i in office.invoices(cid)] == [(1, "open"), (2, "open")]
    terminated = office.repo.events("ContractTerminated", cid)[0].payload
    assert (terminated["effective_date"], terminated["invoiced_years"]) == ("2027-12-01", 2)


def test_a_notice_withdrawn_before_it_takes_effect_changes_nothing_later(office: Office, cid: str) -> None:
    office.serve_notice(cid, D("2027-06-01"))
    withdraw(office, cid, D("2027-06-15"))
    contract = office.contract(cid)
    assert (contract.status, contract.notices[0].status) == ("active", "withdrawn")
    assert office.run_lifecycle(D("2027-07-01"))["contracts_due"] == 0
    assert office.contract(cid).status == "active"
    assert office.run_invoicing(D("2027-11-22"))["invoices_issued"] == 2
    assert office.event_types(cid)[-3:] == ["NoticeWithdrawn", "InvoiceIssued", "InvoiceIssued"]


def test_withdrawing_needs_both_parties_and_a_notice_not_yet_in_effect(office: Office, cid: str) -> None:
    office.serve_notice(cid, D("2027-06-01"))
    before = office.repo.snapshot()
    with pytest.raises(ValidationError) as one_party:
        withdraw(office, cid, D("2027-06-15"), ["client"])
    assert one_party.value.field == "agreed_by"
    with pytest.raises(IllegalTransition):
        withdraw(office, cid, D("2027-07-01"))
    assert office.repo.snapshot() == before


def test_a_second_notice_while_one_is_pending_is_refused(office: Office, cid: str) -> None:
    office.serve_notice(cid, D("2027-06-01"))
    before = office.repo.snapshot()
    with pytest.raises(IllegalTransition):
        office.serve_notice(cid, D("2027-06-02"), by="vendor")
    assert office.repo.snapshot() == before


def test_renewal_reminders_60_and_30_days_before_the_end_each_once(office: Office, cid: str) -> None:
    # The term ends 2029-11-21: reminders are due 2029-09-22 and 2029-10-22
    assert office.run_lifecycle(D("2029-09-21"))["contracts_due"] == 0
    assert office.run_lifecycle(D("2029-09-22"))["events"] == {"RenewalReminder": 1}
    assert office.run_lifecycle(D("2029-09-22"))["events"] == {}
    office.repo.reset_counters()
    assert office.run_lifecycle(D("2029-10-21"))["contracts_due"] == 0
    assert dict(office.repo.reads) == {"contracts_for_lifecycle": 1}
    assert office.run_lifecycle(D("2029-10-22"))["events"] == {"RenewalReminder": 1}
    reminders = office.repo.events("RenewalReminder", cid)
    assert [(e.payload["days_before_end"], e.payload["end_date"]) for e in reminders] == [
        (60, "2029-11-21"),
        (30, "2029-11-21"),
    ]


def test_a_late_run_sends_one_reminder_and_marks_both(office: Office, cid: str) -> None:
    assert office.run_lifecycle(D("2029-10-25"))["events"] == {"RenewalReminder": 1}
    assert [e.payload["days_before_end"] for e in office.repo.events("RenewalReminder", cid)] == [30]
    assert sorted(office.contract(cid).reminders_sent) == [30, 60]
    assert office.run_lifecycle(D("2029-10-26"))["contracts_due"] == 0


def test_the_contract_expires_the_day_after_its_term_ends(office: Office, cid: str) -> None:
    office.run_lifecycle(D("2029-10-22"))
    assert office.run_lifecycle(D("2029-11-21"))["contracts_due"] == 0
    assert office.run_lifecycle(D("2029-11-22"))["events"] == {"ContractExpired": 1}
    contract = office.contract(cid)
    assert (contract.status, contract.closed_on) == ("expired", D("2029-11-22"))
    assert office.run_lifecycle(D("2029-11-23"))["contracts_due"] == 0
    assert office.event_types(cid).count("ContractExpired") == 1


def test_a_notice_that_would_take_effect_after_the_term_ends_lets_the_contract_expire(office: Office, cid: str) -> None:
    office.serve_notice(cid, D("2029-11-01"))  # effective 2029-12-01, after the end on 2029-11-21
    assert office.run_lifecycle(D("2029-11-22"))["events"] == {"ContractExpired": 1}
    contract = office.contract(cid)
    assert (contract.status, contract.notices[0].status) == ("expired", "lapsed")
    assert office.run_lifecycle(D("2029-12-01"))["contracts_due"] == 0


def test_an_extension_rearms_the_renewal_reminders(office: Office, cid: str) -> None:
    office.run_lifecycle(D("2029-09-22"))
    office.amend(cid, D("2029-10-01"), extend_years=1)
    assert office.contract(cid).end_date == D("2030-11-21")
    assert office.run_lifecycle(D("2029-11-22"))["contracts_due"] == 0  # not expired: the term is longer now
    assert office.run_lifecycle(D("2030-09-22"))["events"] == {"RenewalReminder": 1}
    assert office.repo.events("RenewalReminder", cid)[-1].payload["end_date"] == "2030-11-21"


def test_a_terminating_contract_is_not_read_daily_for_reminders_it_will_not_send(office: Office, cid: str) -> None:
    # Given a notice served 2029-09-01, taking effect 2029-10-01, i.e. after the 60-day reminder date 2029-09-22
    office.serve_notice(cid, D("2029-09-01"))
    # When the lifecycle job runs between the reminder date and the notice's effect
    office.run_lifecycle(D("2029-09-22"))
    # Then the contract is not due again before the notice takes effect
    assert office.contract(cid).next_lifecycle_on() == D("2029-10-01")
    assert office.run_lifecycle(D("2029-09-23"))["contracts_due"] == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"annual_fee": "0"}, "changes.annual_fee"),
        ({"annual_fee": "120000.00"}, "changes"),  # changes nothing
        ({"extend_years": 0}, "changes.extend_years"),
        ({"extend_years": 28}, "changes.extend_years"),  # more than 30 years in all
        ({"term_years": 5}, "changes.term_years"),
        ({"late_penalty": {"mode": "daily_pct", "rate_pct": "3"}}, "changes.late_penalty.rate_pct"),
        ({}, "changes"),
    ],
)
def test_a_bad_supplementary_agreement_is_refused_by_name(
    office: Office, cid: str, changes: dict[str, object], field: str
) -> None:
    office.at(D("2027-03-01"))
    before = office.repo.snapshot()
    with pytest.raises(ValidationError) as refused:
        lifecycle.propose_amendment(
            office.deps, cid, command(rq.ProposeAmendmentRequest, {"changes": changes, "reason": "调整"}), OPERATOR
        )
    assert refused.value.field == field
    assert office.repo.snapshot() == before


def test_no_supplementary_agreement_while_a_notice_is_pending(office: Office, cid: str) -> None:
    office.serve_notice(cid, D("2027-06-01"))
    before = office.repo.snapshot()
    with pytest.raises(IllegalTransition):
        lifecycle.propose_amendment(
            office.deps,
            cid,
            command(rq.ProposeAmendmentRequest, {"changes": {"extend_years": 1}, "reason": "延期"}),
            OPERATOR,
        )
    assert office.repo.snapshot() == before
