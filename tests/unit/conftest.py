"""Unit-test fixtures: the network is off, and services run on the in-memory fakes with a fixed clock.

`Office` drives the use cases the way the API and the workers do, so a test reads as a story:
draft, send, sign, run the invoicing job, record a payment, run the overdue and lifecycle jobs.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from chalicelib.api import money_requests as mq
from chalicelib.api import requests as rq
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.domain.contract import Contract
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.links import link_token
from chalicelib.services import billing, contracts, lifecycle, payments, signing
from chalicelib.services.base import Deps
from chalicelib.settings import load_settings
from tests.clocks import FixedClock
from tests.factories import command, contract_body
from tests.fakes import FakeRepository
from tests.seal_support import local_source

if TYPE_CHECKING:
    from chalicelib.services.ports import Attachment

OPERATOR = "operator:test"
# Unit tests have no Secrets Manager: the link secret is this fixed value (integration tests read moto's).
LINK_SECRET = "unit-test-link-secret-of-at-least-32-characters"
FINANCE = "finance:test"


@pytest.fixture(autouse=True)
def _network_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Unit tests never open a connection (moto in-process needs none either)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("unit tests must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def shanghai(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """That Shanghai wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Office:
    """Operator, signers, finance and the scheduled jobs, on FakeRepository + FixedClock + real settings."""

    def __init__(self) -> None:
        self.repo = FakeRepository()
        self.settings = load_settings()
        self.clock = FixedClock(shanghai(date(2026, 11, 20)))
        # The seal on signed originals: a key in memory under a CA made once per process (tests/seal_support.py)
        self.deps = Deps(
            repo=self.repo,
            settings=self.settings,
            clock=self.clock,
            link_secret=lambda: LINK_SECRET,
            seal=local_source(),
        )

    # ---- the clock ---------------------------------------------------------------------------------
    def at(self, when: datetime | date | str) -> Office:
        if isinstance(when, str):
            when = utc(when)
        elif not isinstance(when, datetime):
            when = shanghai(when)
        self.clock.set(when)
        return self

    # ---- contract and signing -----------------------------------------------------------------------
    def draft(self, **terms: Any) -> str:
        return contracts.draft_contract(
            self.deps, command(rq.DraftContractRequest, contract_body(**terms)), OPERATOR
        ).id

    def tokens(self, contract_id: str, event_type: str = "ContractSent") -> dict[str, str]:
        """The raw signing tokens of the newest `event_type` event, as the emailed links carry them."""
        event = self.repo.events(event_type, contract_id)[-1]
        return {party: link_token(LINK_SECRET, link["token_id"]) for party, link in event.payload["links"].items()}

    def send(self, contract_id: str) -> dict[str, str]:
        signing.send_for_signature(self.deps, contract_id, OPERATOR)
        return self.tokens(contract_id)

    def sign(self, token: str, name: str = "李雷") -> dict[str, Any]:
        return signing.sign(
            self.deps, token, command(rq.SignRequest, {"signer_name": name, "consent": True}), "203.0.113.7", "pytest"
        )

    def activate(self, effective: date = date(2026, 11, 22), **terms: Any) -> str:
        """Drafted and sent two days before `effective`; both parties sign on `effective` (Shanghai)."""
        self.at(effective - timedelta(days=2))
        contract_id = self.draft(**terms)
        tokens = self.send(contract_id)
        self.at(shanghai(effective, 9))
        self.sign(tokens["client"], "李雷")
        self.at(shanghai(effective, 11))
        self.sign(tokens["vendor"], "韩梅梅")
        return contract_id

    def amend(self, contract_id: str, on: date, **changes: Any) -> int:
        """A supplementary agreement proposed and signed by both parties on `on`."""
        self.at(shanghai(on, 9))
        contract = lifecycle.propose_amendment(
            self.deps,
            contract_id,
            command(rq.ProposeAmendmentRequest, {"changes": changes, "reason": "双方协商变更"}),
            OPERATOR,
        )
        tokens = self.tokens(contract_id, "AmendmentSent")
        self.at(shanghai(on, 10))
        self.sign(tokens["client"])
        self.sign(tokens["vendor"], "韩梅梅")
        return contract.amendments[-1].no

    def serve_notice(self, contract_id: str, notice_date: date, by: str = "client") -> Contract:
        self.at(notice_date)
        body = {"by": by, "reason_code": "convenience", "details": "经营调整", "notice_date": notice_date.isoformat()}
        return lifecycle.serve_notice(self.deps, contract_id, command(rq.ServeNoticeRequest, body), OPERATOR)

    # ---- finance ------------------------------------------------------------------------------------
    def pay(self, contract_id: str, amount: str, paid_on: date, voucher: str = "V-0001") -> dict[str, Any]:
        if self.deps.today() < paid_on:
            self.at(paid_on)
        body = {"amount": amount, "paid_on": paid_on.isoformat(), "voucher_no": voucher, "method": "bank_transfer"}
        return payments.record_payment(self.deps, contract_id, command(mq.RecordPaymentRequest, body), FINANCE)

    # ---- the scheduled jobs -------------------------------------------------------------------------
    def run_invoicing(self, as_of: date) -> dict[str, Any]:
        self.at(shanghai(as_of, 1))
        return billing.issue_due_invoices(self.deps, as_of)

    def run_overdue(self, as_of: date) -> dict[str, Any]:
        self.at(shanghai(as_of, 2))
        return billing.detect_overdue(self.deps, as_of)

    def run_lifecycle(self, as_of: date) -> dict[str, Any]:
        self.at(shanghai(as_of, 3))
        return lifecycle.run_lifecycle(self.deps, as_of)

    def original(self, contract_id: str, part: str) -> Attachment:
        """The sealed signed original the in-force emails attach (MessageBuilder's `originals`), as deployed:
        rendered by chalicelib/pdf and sealed with the in-memory key."""
        from chalicelib.services import originals, sealing

        return sealing.original_attachment(self.deps, contract_id, part, originals.signed_original_renderer(self.deps))

    # ---- reading back -------------------------------------------------------------------------------
    def contract(self, contract_id: str) -> Contract:
        return self.repo.get_contract(contract_id)

    def invoices(self, contract_id: str) -> list[Invoice]:
        return sorted(self.repo.get_invoices(contract_id), key=lambda i: i.year)

    def event_types(self, contract_id: str) -> list[str]:
        """Every event the contract raised, in order: its audit chain (audit-only events included)."""
        return [e.type for e in self.repo.get_audit(contract_id)]

    def told_types(self, contract_id: str) -> list[str]:
        """The events that entered the outbox, in order: what the notifier is given."""
        return [e.type for e in self.repo.events(contract_id=contract_id)]

    def audit_data(self, contract_id: str, type_: str) -> list[dict[str, Any]]:
        """The audit entries' data of one event type (for audit-only events, which the outbox never holds)."""
        return [e.data for e in self.repo.get_audit(contract_id) if e.type == type_]


@pytest.fixture
def office() -> Office:
    return Office()
