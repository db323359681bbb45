"""The contract aggregate: its state machine, terms versions and signing. Every state change is a method that
checks the rule and returns typed domain events; the rules of supplementary agreements and termination notices
live in their own modules (amendments, notices) and are reached through the aggregate's methods."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain import amendments, notices, reminders
from chalicelib.domain.amendments import AMENDABLE_FIELDS, Amendment, TermsVersion
from chalicelib.domain.calendar import add_days, contract_year_start, term_end
from chalicelib.domain.errors import Conflict, IllegalTransition, ValidationError
from chalicelib.domain.events import (
    AmendmentProposed,
    AmendmentSent,
    ContractActivated,
    ContractDrafted,
    ContractSent,
    ContractSummary,
    Event,
    NoticeServed,
    NoticeWithdrawn,
    SignatureDeclined,
    SignatureRecorded,
    SigningLinkReissued,
    SigningVoided,
)
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.money import quantize
from chalicelib.domain.notices import REASON_CLAUSES, REASON_CODES, TerminationNotice
from chalicelib.domain.signing import PARTIES, PARTY_LABELS, Evidence, Party_, Signature, SignatureSet, SigningLink
from chalicelib.domain.states import AMENDMENT_TRANSITIONS, CONTRACT_TRANSITIONS, check_transition
from chalicelib.domain.terms import Party, Terms

# Re-exported: callers import the contract's vocabulary from here.
__all__ = [
    "AMENDABLE_FIELDS",
    "AMENDMENT_TRANSITIONS",
    "CONTRACT_TRANSITIONS",
    "PARTIES",
    "PARTY_LABELS",
    "REASON_CLAUSES",
    "REASON_CODES",
    "Amendment",
    "Contract",
    "Party_",
    "Signature",
    "SignatureSet",
    "SigningLink",
    "TerminationNotice",
    "TermsVersion",
]


@dataclass
class Contract:
    id: str
    contract_no: str
    template: str
    status: str
    version: int
    created_at: str
    client: Party
    vendor: Party
    terms_versions: list[TermsVersion]
    signing: SignatureSet
    reminder_days: tuple[int, ...] = (60, 30)
    sent_at: str | None = None
    effective_date: date | None = None
    invoiced_years: int = 0
    amendments: list[Amendment] = field(default_factory=list)
    notices: list[TerminationNotice] = field(default_factory=list)
    reminders_sent: list[int] = field(default_factory=list)
    closed_on: date | None = None
    closed_reason: str | None = None
    audit_seq: int = 0
    audit_head: str = "0" * 64
    audit_listed_on: date | None = None  # UTC day of the newest entry listed in AUDITED#<n> (each day's first)
    ledger_credit: Decimal = Decimal("0.00")  # 预收 after the ledger's last write: tells invoicing to read it
    ledger_last_on: date | None = None  # its latest money fact's day: so does one on or after a new issue date
    # The receivables index's mark: listed in a receivables report for every day before this one (9999-12-31:
    # something is owed or credited now); None: never receivable. Kept by the ledger's writes (ports.Changes).
    receivable_until: date | None = None
    # 履约 (domain/obligations.py): the job's last day, the next-check day in its index, the day a migrated contract
    # joined the schedule (nothing due before it is notified), and how many incidents were reported.
    obligations_checked_on: date | None = None
    obligations_indexed_on: date | None = None
    obligations_scheduled_from: date | None = None
    incident_count: int = 0

    # ---- construction -------------------------------------------------------------------------------
    @classmethod
    def draft(
        cls,
        *,
        contract_id: str,
        contract_no: str,
        template: str,
        client: Party,
        vendor: Party,
        terms: Terms,
        document_sha256: str,
        now: str,
        reminder_days: tuple[int, ...],
    ) -> tuple[Contract, ContractDrafted]:
        if client.credit_code == vendor.credit_code:
            raise ValidationError("vendor.credit_code", "must differ from the client's credit code")
        contract = cls(
            id=contract_id,
            contract_no=contract_no,
            template=template,
            status="draft",
            version=0,
            created_at=now,
            client=client,
            vendor=vendor,
            terms_versions=[TermsVersion(1, terms, None, None, now)],
            signing=SignatureSet(document_sha256=document_sha256),
            reminder_days=reminder_days,
        )
        return contract, ContractDrafted(document_sha256=document_sha256, terms=terms, template=template)

    # ---- derived ------------------------------------------------------------------------------------
    def party(self, which: str) -> Party:
        return self.client if which == "client" else self.vendor

    @property
    def original_terms(self) -> Terms:
        return self.terms_versions[0].terms

    @property
    def current_terms(self) -> Terms:
        return self.terms_versions[-1].terms

    def terms_on(self, day: date) -> Terms:
        """The terms in force on `day`: the latest version whose effective_from is on or before it."""
        chosen = self.terms_versions[0].terms
        for version in self.terms_versions[1:]:
            if version.effective_from is not None and version.effective_from <= day:
                chosen = version.terms
        return chosen

    @property
    def term_years(self) -> int:
        return self.current_terms.term_years

    @property
    def end_date(self) -> date | None:
        return None if self.effective_date is None else term_end(self.effective_date, self.term_years)

    def year_start(self, k: int) -> date:
        assert self.effective_date is not None
        return contract_year_start(self.effective_date, k)

    def annual_fee_for_year(self, k: int) -> Decimal:
        if self.effective_date is None:
            return self.current_terms.annual_fee
        return self.terms_on(self.year_start(k)).annual_fee

    @property
    def contract_amount(self) -> Decimal:
        """合同金额: the sum of the annual fees of all contract years under the terms in force."""
        return quantize(sum((self.annual_fee_for_year(k) for k in range(1, self.term_years + 1)), Decimal(0)))

    def contract_amount_on(self, day: date) -> Decimal:
        """合同金额 as it stood on `day`: year k's fee is the terms' in force on the earlier of its start and `day`."""
        terms = self.terms_on(day)
        if self.effective_date is None:
            return quantize(terms.annual_fee * terms.term_years)
        fees = (self.terms_on(min(day, self.year_start(k))).annual_fee for k in range(1, terms.term_years + 1))
        return quantize(sum(fees, Decimal(0)))

    @property
    def pending_notice(self) -> TerminationNotice | None:
        return next((n for n in self.notices if n.status == "served"), None)

    @property
    def pending_amendment(self) -> Amendment | None:
        return next((a for a in self.amendments if a.status in ("draft", "awaiting_signatures")), None)

    def next_invoice_year(self) -> int | None:
        """The contract year whose invoice is next, or None when no further invoice will ever be issued."""
        if self.status not in ("active", "terminating", "terminated", "expired") or self.effective_date is None:
            return None
        k = self.invoiced_years + 1
        if k > self.term_years:
            return None
        start = self.year_start(k)
        notice = self.pending_notice
        if notice is not None and start >= notice.effective_date:
            return None
        # A run that comes late still issues a year that started before the contract ended.
        if self.status in ("terminated", "expired") and (self.closed_on is None or start >= self.closed_on):
            return None
        return k

    def next_invoice_on(self) -> date | None:
        k = self.next_invoice_year()
        return None if k is None else self.year_start(k)

    def next_lifecycle_on(self) -> date | None:
        """The next day the lifecycle job must look at this contract: a notice taking effect, a renewal
        reminder, the day after the term ends (expiry), or a signing reminder or link expiry (reminders.py)."""
        days = [d for d in (self._next_term_day(), reminders.next_due(self)) if d is not None]
        return min(days) if days else None

    def _next_term_day(self) -> date | None:
        if self.status not in ("active", "terminating") or self.effective_date is None:
            return None
        end = self.end_date
        assert end is not None
        dates = [add_days(end, 1)]
        notice = self.pending_notice
        if notice is not None:
            dates.append(notice.effective_date)
        if self.status == "active":  # reminders go only to contracts still running normally
            for days in self.reminder_days:
                if days not in self.reminders_sent:
                    dates.append(add_days(end, -days))
        return min(dates)

    def summary(self) -> ContractSummary:
        """Who and what, carried by every outbox event so messages render without another read."""
        return ContractSummary(self.id, self.contract_no, self.template, self.client, self.vendor)

    # ---- signing ------------------------------------------------------------------------------------
    def signature_set(self, subject: str) -> SignatureSet:
        if subject == "contract":
            return self.signing
        return self.amendment(int(subject.split(":", 1)[1])).signing

    def amendment(self, no: int) -> Amendment:
        for a in self.amendments:
            if a.no == no:
                return a
        raise ValidationError("amendment", f"contract {self.contract_no} has no supplementary agreement {no}")

    def subject_status(self, subject: str) -> str:
        return self.status if subject == "contract" else self.amendment(int(subject.split(":", 1)[1])).status

    def send_for_signature(self, links: dict[str, SigningLink], now: str) -> ContractSent:
        check_transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "awaiting_signatures")
        self.status = "awaiting_signatures"
        self.sent_at = now
        self.signing.frozen = True
        self.signing.links = dict(links)
        return ContractSent(self.signing.document_sha256, amendments.links_sent(links))

    def reissue_link(self, subject: str, party: str, link: SigningLink) -> tuple[SigningLink, SigningLinkReissued]:
        sigset = self.signature_set(subject)
        if self.subject_status(subject) != "awaiting_signatures":
            raise Conflict(f"{subject} is not awaiting signatures (status {self.subject_status(subject)})")
        if party in sigset.signatures:
            raise Conflict(f"the {party} has already signed {subject}", field="party")
        old = sigset.links[party]
        sigset.links[party] = link
        return old, SigningLinkReissued(
            subject=subject,
            party=party,
            token_id=link.token_id,
            email=link.email,
            expires_at=link.expires_at,
            revoked_token_id=old.token_id,
        )

    def sign(self, subject: str, party: str, signature: Signature, today: date) -> list[Event]:
        sigset = self.signature_set(subject)
        status = self.subject_status(subject)
        if status != "awaiting_signatures":
            raise IllegalTransition(subject, self.id, status, "signed")
        if party in sigset.signatures:
            raise Conflict(f"the {party} has already signed", field="party")
        if signature.document_sha256 != sigset.document_sha256:
            raise Conflict("the document shown is not the document sent for signature")
        if subject != "contract":  # checked before anything is recorded: a refused signature changes nothing
            amendments.check_running(self, today)
        sigset.signatures[party] = signature
        events: list[Event] = [SignatureRecorded.of(subject, signature)]
        if sigset.complete:
            if subject == "contract":
                events.append(self._activate(today))
            else:
                events.append(amendments.take_effect(self, int(subject.split(":", 1)[1]), today, signature.signed_at))
        return events

    def _activate(self, today: date) -> ContractActivated:
        check_transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "active")
        self.status = "active"
        self.effective_date = today
        end = self.end_date
        assert end is not None
        return ContractActivated(
            effective_date=today,
            end_date=end,
            document_sha256=self.signing.document_sha256,
            contract_amount=self.contract_amount,
            signatures=dict(self.signing.signatures),
        )

    def decline(self, subject: str, party: str, reason: str, at: str, evidence: Evidence = None) -> SignatureDeclined:
        sigset = self.signature_set(subject)
        if subject == "contract":
            check_transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "declined")
            self.status = "declined"
            self.closed_reason = reason
        else:
            amendment = self.amendment(int(subject.split(":", 1)[1]))
            who = f"{self.id}:{amendment.no}"
            check_transition(AMENDMENT_TRANSITIONS, "amendment", who, amendment.status, "declined")
            amendment.status = "declined"
            amendment.closed_reason = reason
        sigset.declined = {"party": party, "reason": reason, "at": at, **(evidence or {})}
        return SignatureDeclined(subject=subject, party=party, reason=reason)

    def void(self, subject: str, reason: str) -> SigningVoided:
        if subject == "contract":
            check_transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "voided")
            self.status = "voided"
            self.closed_reason = reason
        else:
            amendment = self.amendment(int(subject.split(":", 1)[1]))
            check_transition(
                AMENDMENT_TRANSITIONS, "amendment", f"{self.id}:{amendment.no}", amendment.status, "voided"
            )
            amendment.status = "voided"
            amendment.closed_reason = reason
        return SigningVoided(subject=subject, reason=reason)

    # ---- invoicing ----------------------------------------------------------------------------------
    def invoice_for_year(self, year: int) -> Invoice:
        """The invoice of contract year `year`: issued on the year's start date, for the annual fee of the terms
        in force on that date, due payment_due_days later (docs/domain-rules.md)."""
        if self.effective_date is None:
            raise IllegalTransition("contract", self.id, self.status, "invoiced", "the contract is not in force")
        terms = self.terms_on(self.year_start(year))
        return Invoice.issue(
            contract_id=self.id,
            contract_no=self.contract_no,
            client_name=self.client.name,
            client_email=self.client.email,
            effective=self.effective_date,
            year=year,
            amount=terms.annual_fee,
            payment_due_days=terms.payment_due_days,
            late_penalty=terms.late_penalty,
        )

    def record_invoice_issued(self, year: int) -> None:
        if year != self.invoiced_years + 1:
            raise Conflict(f"contract {self.contract_no} expected invoice year {self.invoiced_years + 1}, not {year}")
        self.invoiced_years = year

    def accepts_payments(self) -> bool:
        return self.status in ("active", "terminating", "terminated", "expired")

    # ---- amendments (补充协议): the rules live in domain/amendments.py -----------------------------------
    def propose_amendment(
        self, changes: dict[str, Any], reason: str, now: str, document_sha256: str, today: date | None = None
    ) -> tuple[Amendment, AmendmentProposed]:
        return amendments.propose(self, changes, reason, now, document_sha256, today)

    def send_amendment(self, no: int, links: dict[str, SigningLink], now: str) -> AmendmentSent:
        return amendments.send(self, no, links)

    def check_changes(self, changes: dict[str, Any]) -> dict[str, Any]:
        """A proposed agreement's changes, checked against this contract (amendments.check_changes)."""
        return amendments.check_changes(self, changes)

    def amended_terms(self, changes: dict[str, Any]) -> Terms:
        """The terms after applying `changes` (already validated) to the current terms."""
        return amendments.apply_changes(self.current_terms, changes)

    # ---- termination, expiry, reminders: the rules live in domain/notices.py --------------------------
    def serve_notice(
        self, *, by: str, reason_code: str, details: str, notice_date: date, served_at: str, document_sha256: str
    ) -> tuple[TerminationNotice, NoticeServed]:
        return notices.serve(
            self,
            by=by,
            reason_code=reason_code,
            details=details,
            notice_date=notice_date,
            served_at=served_at,
            document_sha256=document_sha256,
        )

    def withdraw_notice(self, reason: str, at: str, today: date, withdrawn_on: date | None = None) -> NoticeWithdrawn:
        return notices.withdraw(self, reason, at, today, withdrawn_on)

    def due_lifecycle_events(self, as_of: date) -> list[Event]:
        """Apply what is due on `as_of`: notice effect, expiry, renewal and signing reminders (each once)."""
        return notices.due_events(self, as_of) + reminders.due_events(self, as_of)

    def copy(self) -> Contract:
        return replace(self)
