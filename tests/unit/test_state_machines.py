"""The state machines of docs/domain-rules.md: every illegal transition is refused with IllegalTransition and changes
nothing; the legal ones land where the design says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from chalicelib.adapters.codec import contract_to_dict
from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import Conflict, IllegalTransition
from chalicelib.domain.events import event_payload
from tests.fakes import active_contract, awaiting_contract, draft_contract, links, signature

D = date.fromisoformat
AT = "2026-11-22T02:00:00Z"
EFFECTIVE = D("2026-11-22")


def _notice(c: Contract, on: date = D("2027-06-01")) -> Any:
    return c.serve_notice(
        by="client", reason_code="convenience", details="", notice_date=on, served_at=AT, document_sha256="n" * 64
    )


def _terminating() -> Contract:
    c = active_contract(EFFECTIVE)
    _notice(c)
    return c


def _terminated() -> Contract:
    c = _terminating()
    c.due_lifecycle_events(D("2027-07-01"))
    return c


def _expired() -> Contract:
    c = active_contract(EFFECTIVE)
    c.due_lifecycle_events(D("2029-11-22"))
    return c


def _declined() -> Contract:
    c = awaiting_contract()
    c.decline("contract", "vendor", "价格不合适", AT)
    return c


def _voided() -> Contract:
    c = draft_contract()
    c.void("contract", "起草有误")
    return c


CONTRACTS: dict[str, Callable[[], Contract]] = {
    "draft": draft_contract,
    "awaiting_signatures": awaiting_contract,
    "active": active_contract,
    "terminating": _terminating,
    "terminated": _terminated,
    "expired": _expired,
    "declined": _declined,
    "voided": _voided,
}

# action -> (what it does, the statuses it is legal from, the status it leads to)
CONTRACT_ACTIONS: dict[str, tuple[Callable[[Contract], Any], set[str], str]] = {
    "send": (lambda c: c.send_for_signature(links(), AT), {"draft"}, "awaiting_signatures"),
    "sign": (
        lambda c: c.sign("contract", "client", signature("client", c.signing.document_sha256), EFFECTIVE),
        {"awaiting_signatures"},
        "awaiting_signatures",
    ),
    "decline": (lambda c: c.decline("contract", "client", "不签", AT), {"awaiting_signatures"}, "declined"),
    "void": (lambda c: c.void("contract", "撤销"), {"draft", "awaiting_signatures"}, "voided"),
    "serve_notice": (lambda c: _notice(c, D("2028-01-10")), {"active"}, "terminating"),
    "withdraw_notice": (lambda c: c.withdraw_notice("双方同意", AT, D("2027-06-10")), {"terminating"}, "active"),
    "propose_amendment": (
        lambda c: c.propose_amendment({"annual_fee": "150000.00"}, "调价", AT, "a" * 64),
        {"active"},
        "active",
    ),
}


def test_the_factories_build_each_status() -> None:
    assert {status: make().status for status, make in CONTRACTS.items()} == {s: s for s in CONTRACTS}


@pytest.mark.parametrize("action", sorted(CONTRACT_ACTIONS))
@pytest.mark.parametrize("status", sorted(CONTRACTS))
def test_contract_actions_follow_the_state_machine(status: str, action: str) -> None:
    contract = CONTRACTS[status]()
    act, legal_from, lands_in = CONTRACT_ACTIONS[action]
    before = contract_to_dict(contract)
    if status in legal_from:
        act(contract)
        assert contract.status == lands_in
    else:
        with pytest.raises(IllegalTransition) as refused:
            act(contract)
        assert refused.value.frm == status
        assert contract_to_dict(contract) == before


def test_active_only_once_both_parties_have_signed() -> None:
    # Given a contract awaiting signatures
    contract = awaiting_contract()
    sha = contract.signing.document_sha256
    # When the vendor signs first
    events = contract.sign("contract", "vendor", signature("vendor", sha), D("2026-11-21"))
    # Then it still awaits the client's signature and has no effective date
    assert [e.type for e in events] == ["SignatureRecorded"]
    assert (contract.status, contract.effective_date) == ("awaiting_signatures", None)
    # And the vendor cannot count twice
    with pytest.raises(Conflict):
        contract.sign("contract", "vendor", signature("vendor", sha), D("2026-11-21"))
    assert contract.status == "awaiting_signatures"
    # When the client signs the next day, the contract is in force from that day
    events = contract.sign("contract", "client", signature("client", sha), D("2026-11-22"))
    assert [e.type for e in events] == ["SignatureRecorded", "ContractActivated"]
    assert (contract.status, contract.effective_date) == ("active", D("2026-11-22"))
    assert event_payload(events[1])["end_date"] == "2029-11-21"


def test_a_signature_over_another_document_is_refused() -> None:
    contract = awaiting_contract()
    before = contract_to_dict(contract)
    with pytest.raises(Conflict):
        contract.sign("contract", "client", signature("client", "f" * 64), EFFECTIVE)
    assert contract_to_dict(contract) == before


def test_a_decline_closes_the_contract_with_its_reason() -> None:
    contract = awaiting_contract()
    contract.sign("contract", "client", signature("client", contract.signing.document_sha256), EFFECTIVE)
    event = contract.decline("contract", "vendor", "价格不合适", AT)
    assert event.type == "SignatureDeclined"
    assert (contract.status, contract.closed_reason) == ("declined", "价格不合适")
    assert contract.signing.declined == {"party": "vendor", "reason": "价格不合适", "at": AT}
    assert contract.next_invoice_on() is None and contract.next_lifecycle_on() is None


def test_a_voided_contract_is_never_invoiced() -> None:
    contract = awaiting_contract()
    event = contract.void("contract", "条款需重拟")
    assert (event.type, contract.status, contract.closed_reason) == ("SigningVoided", "voided", "条款需重拟")
    assert contract.next_invoice_on() is None and contract.next_lifecycle_on() is None


# ---- supplementary agreements --------------------------------------------------------------------------
def _amendment(status: str) -> Contract:
    contract = active_contract(EFFECTIVE)
    contract.propose_amendment({"annual_fee": "150000.00"}, "调价", AT, "a" * 64)
    if status == "draft":
        return contract
    contract.send_amendment(1, links(), AT)
    if status == "effective":
        for party in ("client", "vendor"):
            contract.sign("amendment:1", party, signature(party, "a" * 64), D("2027-03-01"))
    elif status == "declined":
        contract.decline("amendment:1", "client", "不同意", AT)
    elif status == "voided":
        contract.void("amendment:1", "撤回")
    return contract


AMENDMENT_ACTIONS: dict[str, tuple[Callable[[Contract], Any], set[str], str]] = {
    "send": (lambda c: c.send_amendment(1, links(), AT), {"draft"}, "awaiting_signatures"),
    "sign": (
        lambda c: c.sign("amendment:1", "client", signature("client", "a" * 64), D("2027-03-01")),
        {"awaiting_signatures"},
        "awaiting_signatures",
    ),
    "decline": (lambda c: c.decline("amendment:1", "vendor", "不同意", AT), {"awaiting_signatures"}, "declined"),
    "void": (lambda c: c.void("amendment:1", "撤回"), {"draft", "awaiting_signatures"}, "voided"),
}
AMENDMENT_STATUSES = ("draft", "awaiting_signatures", "effective", "declined", "voided")


@pytest.mark.parametrize("action", sorted(AMENDMENT_ACTIONS))
@pytest.mark.parametrize("status", AMENDMENT_STATUSES)
def test_amendment_actions_follow_the_state_machine(status: str, action: str) -> None:
    contract = _amendment(status)
    assert contract.amendment(1).status == status
    act, legal_from, lands_in = AMENDMENT_ACTIONS[action]
    before = contract_to_dict(contract)
    if status in legal_from:
        act(contract)
        assert contract.amendment(1).status == lands_in
        assert contract.status == "active"
    else:
        with pytest.raises(IllegalTransition):
            act(contract)
        assert contract_to_dict(contract) == before


def test_an_amendment_is_effective_only_with_both_signatures() -> None:
    contract = _amendment("awaiting_signatures")
    contract.sign("amendment:1", "vendor", signature("vendor", "a" * 64), D("2027-03-01"))
    assert contract.amendment(1).status == "awaiting_signatures"
    assert len(contract.terms_versions) == 1
    events = contract.sign("amendment:1", "client", signature("client", "a" * 64), D("2027-03-02"))
    assert events[-1].type == "AmendmentEffective"
    assert (contract.amendment(1).status, contract.amendment(1).effective_date) == ("effective", D("2027-03-02"))
    assert contract.terms_versions[-1].effective_from == D("2027-03-02")


def test_a_second_amendment_waits_for_the_first() -> None:
    contract = _amendment("awaiting_signatures")
    before = contract_to_dict(contract)
    with pytest.raises(Conflict):
        contract.propose_amendment({"extend_years": 1}, "延期", AT, "b" * 64)
    assert contract_to_dict(contract) == before


def test_completing_an_amendment_of_an_expired_contract_is_refused_and_changes_nothing() -> None:
    # Given an amendment the vendor signed before the contract expired
    contract = _amendment("awaiting_signatures")
    contract.sign("amendment:1", "vendor", signature("vendor", "a" * 64), D("2029-11-01"))
    contract.due_lifecycle_events(D("2029-11-22"))
    assert contract.status == "expired"
    before = contract_to_dict(contract)
    # When the client signs it after expiry
    with pytest.raises(IllegalTransition):
        contract.sign("amendment:1", "client", signature("client", "a" * 64), D("2029-11-23"))
    # Then nothing changed
    assert contract_to_dict(contract) == before


# ---- termination notices ----------------------------------------------------------------------------------
def test_a_notice_is_served_then_takes_effect() -> None:
    contract = active_contract(EFFECTIVE)
    notice, event = _notice(contract, D("2027-06-01"))
    assert (notice.status, notice.effective_date, contract.status) == ("served", D("2027-07-01"), "terminating")
    assert event.type == "NoticeServed"
    assert contract.due_lifecycle_events(D("2027-06-30")) == []
    events = contract.due_lifecycle_events(D("2027-07-01"))
    assert [e.type for e in events] == ["ContractTerminated"]
    assert (notice.status, contract.status, contract.closed_on) == ("effective", "terminated", D("2027-07-01"))


def test_a_notice_is_withdrawn_only_before_it_takes_effect() -> None:
    contract = _terminating()
    before = contract_to_dict(contract)
    with pytest.raises(IllegalTransition) as too_late:
        contract.withdraw_notice("双方同意", AT, D("2027-07-01"))
    assert (too_late.value.entity, too_late.value.frm, too_late.value.to) == ("notice", "served", "withdrawn")
    assert contract_to_dict(contract) == before

    contract.withdraw_notice("双方同意", AT, D("2027-06-30"))
    assert (contract.status, contract.notices[0].status) == ("active", "withdrawn")
    assert contract.due_lifecycle_events(D("2027-07-01")) == []
    # A withdrawn notice cannot be withdrawn again
    before = contract_to_dict(contract)
    with pytest.raises(IllegalTransition):
        contract.withdraw_notice("again", AT, D("2027-06-30"))
    assert contract_to_dict(contract) == before


def test_an_effective_notice_cannot_be_withdrawn() -> None:
    contract = _terminated()
    before = contract_to_dict(contract)
    with pytest.raises(IllegalTransition):
        contract.withdraw_notice("太晚了", AT, D("2027-06-15"))
    assert contract_to_dict(contract) == before
    assert contract.notices[0].status == "effective"


# ---- invoices -----------------------------------------------------------------------------------------------
# An invoice's status is the ledger's (open → partially_paid → paid; void or cancelled by a fee cancellation):
# tests/unit/test_ledger_rules.py holds it to the rules.
