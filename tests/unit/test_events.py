"""Typed events: every event type has a notification decision, and every stored payload (the money events
included) reads back into its typed event and writes out byte for byte."""

from __future__ import annotations

from datetime import date, timedelta

from chalicelib.api import requests as rq
from chalicelib.domain.audit import canonical_json
from chalicelib.domain.events import (
    EVENT_TYPES,
    FINANCE_EVENTS,
    event_from_payload,
    event_payload,
)
from chalicelib.services import payments, signing
from chalicelib.services.notifications import BUILDERS
from tests.factories import command
from tests.unit.conftest import OPERATOR, Office

D = date.fromisoformat


def test_every_event_type_has_a_notification_decision() -> None:
    # An event class added without deciding what it sends (None: nothing, on purpose) fails here.
    assert set(BUILDERS) == set(EVENT_TYPES.values())


def test_finance_is_a_property_of_the_event_class() -> None:
    assert {
        "InvoiceIssued",
        "InvoiceOverdue",
        "PenaltyAssessed",
        "PaymentReceived",
        "InvoiceVoided",
        "ContractActivated",
        "ContractTerminated",
        "NoticeServed",
    } | {
        "PenaltyAdjusted",
        "PaymentsReallocated",
        "InvoiceRevised",
        "InvoiceCancelled",
        "PenaltyWaived",
        "SetOffRecorded",
        "RefundRecorded",
        "CreditApplied",
    } | {  # what changes what the client will owe: a withdrawn notice, an agreement in force, the term's end
        "NoticeWithdrawn",
        "AmendmentEffective",
        "ContractExpired",
    } == FINANCE_EVENTS
    assert EVENT_TYPES["InvoiceIssued"].finance and not EVENT_TYPES["ContractSent"].finance


def test_every_stored_payload_reads_back_into_its_typed_event_and_writes_out_the_same(office: Office) -> None:
    # Given a contract that goes through signing, a reissued link, invoices, payments, overdue, a voided
    # invoice, an amendment, a notice, its withdrawal and a second notice that takes effect
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    office.pay(cid, "50000.00", D("2026-12-01"))
    office.run_overdue(D("2027-01-31"))
    office.pay(cid, "70000.00", D("2027-02-05"), voucher="V-0002")
    office.amend(cid, D("2027-03-02"), annual_fee="150000.00")
    office.run_invoicing(D("2027-11-22"))
    office.at(D("2027-11-25"))
    payments.void_invoice(office.deps, cid, 2, "开错了", OPERATOR)
    office.serve_notice(cid, D("2027-12-01"))
    office.run_lifecycle(D("2027-12-01") + timedelta(days=90))
    office.at(D("2026-11-20"))
    other = office.draft()
    office.send(other)
    signing.resend_link(office.deps, other, command(rq.ResendRequest, {"party": "vendor"}), OPERATOR)
    events = office.repo.events()
    assert {"PaymentReceived", "PenaltyAssessed", "InvoiceVoided", "SigningLinkReissued"} <= {e.type for e in events}
    for stored in events:
        # When its payload is read back into the typed event
        typed = event_from_payload(stored.type, stored.payload)
        # Then it is that type, and writing it out again gives the stored payload exactly
        assert typed.type == stored.type
        again = {**event_payload(typed), "contract": stored.payload["contract"], "seq": stored.payload["seq"]}
        assert canonical_json(again) == canonical_json(stored.payload)
