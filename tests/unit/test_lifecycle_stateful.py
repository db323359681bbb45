"""Property-based lifecycle (Hypothesis stateful): random sequences of draft, send, sign, decline, pay, amend,
terminate, withdraw and clock advances over several years, on the services with the in-memory repository.

Invariants after every step: only legal transitions; active only with two signatures; at most one invoice per
(contract, year); for every invoice paid + outstanding = amount (penalties are a separate claim: assessed ≤
accrued, never negative); the audit chain verifies; a frozen document hash never changes; a refused operation
writes nothing."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from chalicelib.api import money_requests as mq
from chalicelib.api import requests as rq
from chalicelib.domain.contract import CONTRACT_TRANSITIONS
from chalicelib.domain.errors import DomainError
from chalicelib.services import contracts, lifecycle, payments, signing
from chalicelib.services import ledger as ledger_service
from tests.factories import command
from tests.unit.conftest import OPERATOR, Office

EXAMPLES = int(os.environ.get("HETONG_STATEFUL_EXAMPLES", "150"))
STEPS = int(os.environ.get("HETONG_STATEFUL_STEPS", "40"))
STATS = {"runs": 0, "steps": 0, "refused": 0}


class ContractLife(RuleBasedStateMachine):
    @initialize(term_years=st.integers(1, 3), mode=st.sampled_from(["daily_pct", "contract_pct"]))
    def draft(self, term_years: int, mode: str) -> None:
        STATS["runs"] += 1
        self.office = Office()
        rate = "0.05" if mode == "daily_pct" else "2"
        self.cid = self.office.draft(
            term_years=term_years, late_penalty={"mode": mode, "rate_pct": rate, "cap_pct": None}
        )
        self.tokens: dict[str, str] = {}
        self.amendment_tokens: dict[str, str] = {}
        self.status = "draft"
        self.frozen_sha: str | None = None
        self.voucher = 0

    # ---- helpers ----------------------------------------------------------------------------------------
    def attempt(self, fn: Any) -> Any:
        """Run an operation; when the domain refuses it, nothing may have been written."""
        STATS["steps"] += 1
        before = self.office.repo.snapshot()
        try:
            return fn()
        except DomainError:
            STATS["refused"] += 1
            assert self.office.repo.snapshot() == before, "a refused operation wrote something"
            return None

    @property
    def contract(self) -> Any:
        return self.office.contract(self.cid)

    # ---- rules ----------------------------------------------------------------------------------------------
    @precondition(lambda self: self.status == "draft")
    @rule()
    def send(self) -> None:
        if self.attempt(lambda: signing.send_for_signature(self.office.deps, self.cid, OPERATOR)) is not None:
            self.tokens = self.office.tokens(self.cid)

    @precondition(lambda self: bool(self.tokens))
    @rule(party=st.sampled_from(["client", "vendor"]))
    def sign(self, party: str) -> None:
        self.attempt(lambda: self.office.sign(self.tokens[party]))

    @precondition(lambda self: bool(self.tokens))
    @rule(party=st.sampled_from(["client", "vendor"]))
    def decline(self, party: str) -> None:
        self.attempt(
            lambda: signing.decline(
                self.office.deps, self.tokens[party], command(rq.DeclineRequest, {"reason": "不同意"}), "ip", "ua"
            )
        )

    @precondition(lambda self: self.status != "draft")
    @rule(cents=st.integers(1, 40_000_000))
    def pay(self, cents: int) -> None:
        self.voucher += 1
        amount = f"{cents // 100}.{cents % 100:02d}"
        body = {
            "amount": amount,
            "paid_on": self.office.deps.today().isoformat(),
            "voucher_no": f"V-{self.voucher}",
            "method": "bank_transfer",
        }
        self.attempt(
            lambda: payments.record_payment(
                self.office.deps, self.cid, command(mq.RecordPaymentRequest, body), "staff:finance"
            )
        )

    @precondition(lambda self: self.status in ("active", "terminating"))
    @rule(fee=st.integers(50_000, 300_000), extend=st.integers(0, 1))
    def amend(self, fee: int, extend: int) -> None:
        changes: dict[str, Any] = {"annual_fee": f"{fee}.00"}
        if extend:
            changes["extend_years"] = 1
        done = self.attempt(
            lambda: lifecycle.propose_amendment(
                self.office.deps,
                self.cid,
                command(rq.ProposeAmendmentRequest, {"changes": changes, "reason": "调整"}),
                OPERATOR,
            )
        )
        if done is not None:
            self.amendment_tokens = self.office.tokens(self.cid, "AmendmentSent")

    @precondition(lambda self: bool(self.amendment_tokens))
    @rule(party=st.sampled_from(["client", "vendor"]))
    def sign_amendment(self, party: str) -> None:
        self.attempt(lambda: self.office.sign(self.amendment_tokens[party]))

    @precondition(lambda self: self.status in ("active", "terminating"))
    @rule(by=st.sampled_from(["client", "vendor"]))
    def terminate(self, by: str) -> None:
        body = {"by": by, "reason_code": "convenience", "details": "调整"}
        self.attempt(
            lambda: lifecycle.serve_notice(self.office.deps, self.cid, command(rq.ServeNoticeRequest, body), OPERATOR)
        )

    @rule()
    def withdraw(self) -> None:
        body = {"reason": "继续合作", "agreed_by": ["client", "vendor"]}
        self.attempt(
            lambda: lifecycle.withdraw_notice(
                self.office.deps, self.cid, command(rq.WithdrawNoticeRequest, body), OPERATOR
            )
        )

    @rule(days=st.integers(1, 400))
    def advance(self, days: int) -> None:
        STATS["steps"] += 1
        day = self.office.deps.today() + timedelta(days=days)
        self.office.run_invoicing(day)
        self.office.run_overdue(day)
        self.office.run_lifecycle(day)
        # twice: every job is safe to run again
        assert self.office.run_invoicing(day)["invoices_issued"] == 0
        self.office.run_lifecycle(day)

    # ---- invariants ---------------------------------------------------------------------------------------
    @invariant()
    def only_legal_transitions(self) -> None:
        status = self.contract.status
        assert status == self.status or status in CONTRACT_TRANSITIONS[self.status], (self.status, status)
        self.status = status

    @invariant()
    def active_only_with_two_signatures(self) -> None:
        c = self.contract
        if c.status in ("active", "terminating", "terminated", "expired"):
            assert sorted(c.signing.signatures) == ["client", "vendor"]
            assert c.effective_date is not None

    @invariant()
    def invoices_are_unique_and_balanced(self) -> None:
        c = self.contract
        invoices = self.office.invoices(self.cid)
        years = [i.year for i in invoices]
        assert len(years) == len(set(years)) and years == list(range(1, len(years) + 1))
        assert len(years) == c.invoiced_years <= c.term_years
        today = self.office.deps.today()
        ledger = ledger_service.view(self.office.repo.load_ledger(self.cid), today)
        for inv in invoices:
            if inv.status not in ("void", "cancelled"):
                assert inv.paid + inv.outstanding == inv.amount
            assert inv.outstanding >= 0 and inv.paid >= 0
            # The cached state the index and the overdue job read is the ledger's as of today.
            assert (inv.status, inv.outstanding) == (ledger.fees[inv.year].status, ledger.fees[inv.year].outstanding)
            assert inv.penalty_reported >= 0
            if inv.late_penalty.mode == "daily_pct":
                assert inv.penalty_reported <= ledger.fees[inv.year].penalty_accrued

    @invariant()
    def audit_chain_verifies_and_document_stays_frozen(self) -> None:
        report = contracts.audit_report(self.office.deps, self.cid)
        assert report["verified"], report["problems"]
        c = self.contract
        if c.signing.frozen:
            if self.frozen_sha is None:
                self.frozen_sha = c.signing.document_sha256
            assert c.signing.document_sha256 == self.frozen_sha


TestContractLife = ContractLife.TestCase
TestContractLife.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
