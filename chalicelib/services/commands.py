"""What each use case is asked to do, as typed values: the API edge parses a request body into one of these
(chalicelib/api/requests.py), so services never see JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from chalicelib.domain.ledger import Designation
from chalicelib.domain.money import money_str
from chalicelib.domain.terms import LatePenalty, Party, Terms, pct_str

PartyName = Literal["client", "vendor"]


@dataclass(frozen=True)
class DraftContract:
    template: str
    client: Party
    vendor: Party
    terms: Terms


@dataclass(frozen=True)
class SendForSignature:
    """`signing_order`: any (both links go out now), client_first or vendor_first (the second link goes out
    when the first party has signed)."""

    signing_order: str = "any"


@dataclass(frozen=True)
class ResendLink:
    party: PartyName
    subject: str  # "contract" or "amendment:<no>"


@dataclass(frozen=True)
class VoidSigning:
    reason: str


@dataclass(frozen=True)
class Sign:
    """The signer typed a name and ticked the consent box (a body without consent never becomes a Sign)."""

    signer_name: str
    document_sha256: str | None = None
    code: str | None = None  # the one-time code, when the contract requires signer verification


@dataclass(frozen=True)
class Decline:
    reason: str
    code: str | None = None


@dataclass(frozen=True)
class ServeNotice:
    by: PartyName
    reason_code: str
    details: str
    notice_date: date | None = None  # None: today


@dataclass(frozen=True)
class WithdrawNotice:
    """Both parties agreed (a body without both never becomes a WithdrawNotice)."""

    reason: str
    withdrawn_on: date | None = None  # None: today


@dataclass(frozen=True)
class TermsChanges:
    """What a supplementary agreement changes; None leaves that term as it is."""

    services: tuple[str, ...] | None = None
    annual_fee: Decimal | None = None
    payment_due_days: int | None = None
    notice_period_days: int | None = None
    breach_penalty_pct: Decimal | None = None
    late_penalty: LatePenalty | None = None
    extend_years: int | None = None
    # 履约 terms (obligations, vendor_late_penalty, incident_report_hours, service_standards), validated, in
    # their wire shape (chalicelib/api/requests.py parses them with the domain's parsers).
    performance: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stored shape of the changes (the amendment's `changes`), only what is set, in a fixed order."""
        out: dict[str, Any] = {}
        if self.services is not None:
            out["services"] = list(self.services)
        if self.annual_fee is not None:
            out["annual_fee"] = money_str(self.annual_fee)
        if self.payment_due_days is not None:
            out["payment_due_days"] = self.payment_due_days
        if self.notice_period_days is not None:
            out["notice_period_days"] = self.notice_period_days
        if self.breach_penalty_pct is not None:
            out["breach_penalty_pct"] = pct_str(self.breach_penalty_pct)
        if self.late_penalty is not None:
            out["late_penalty"] = self.late_penalty.to_dict()
        if self.extend_years is not None:
            out["extend_years"] = self.extend_years
        out.update(self.performance or {})
        return out


@dataclass(frozen=True)
class ProposeAmendment:
    changes: TermsChanges
    reason: str
    signing_order: str = "any"  # as for sending the contract: the second link goes out after the first signed


# ---- money (the receivables ledger) -------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordPayment:
    amount: Decimal
    paid_on: date
    voucher_no: str
    method: str
    applies_to: tuple[Designation, ...] = ()


@dataclass(frozen=True)
class WaivePenalty:
    year: int
    amount: Decimal
    reason: str
    on: date | None = None


@dataclass(frozen=True)
class RecordSetOff:
    year: int
    amount: Decimal
    reason: str
    on: date | None = None
    claim: str | None = None


@dataclass(frozen=True)
class RecordRefund:
    amount: Decimal
    paid_on: date
    voucher_no: str
    reason: str


@dataclass(frozen=True)
class VoidInvoice:
    reason: str
