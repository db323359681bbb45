"""The contract aggregate: its state machine, signatures, terms versions, supplementary agreements (补充协议)
and termination notices. Every state change is a method that checks the rule and returns domain events."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from chalicelib.domain.calendar import add_days, contract_year_start, term_end
from chalicelib.domain.errors import Conflict, IllegalTransition, ValidationError
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.money import amount_in_words, money_str, quantize
from chalicelib.domain.terms import LatePenalty, Party, Terms

Party_ = Literal["client", "vendor"]
PARTIES: tuple[Party_, ...] = ("client", "vendor")
PARTY_LABELS = {"client": "甲方", "vendor": "乙方"}

CONTRACT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"awaiting_signatures", "voided"}),
    "awaiting_signatures": frozenset({"active", "declined", "voided"}),
    "active": frozenset({"terminating", "expired"}),
    "terminating": frozenset({"active", "terminated", "expired"}),
    "terminated": frozenset(),
    "expired": frozenset(),
    "declined": frozenset(),
    "voided": frozenset(),
}
AMENDMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"awaiting_signatures", "voided"}),
    "awaiting_signatures": frozenset({"effective", "declined", "voided"}),
    "effective": frozenset(),
    "declined": frozenset(),
    "voided": frozenset(),
}
REASON_CODES = (
    "non_payment",
    "data_not_provided",
    "quality_below_standard",
    "confidentiality_breach",
    "late_performance",
    "force_majeure",
    "mutual_agreement",
    "convenience",
    "other",
)
# The seeds' grounds for each reason: the clause a notice cites.
REASON_CLAUSES = {
    "non_payment": "甲方未按照合同约定支付服务费用（违约行为及认定第4项；第五条违约责任）",
    "data_not_provided": "甲方未提供乙方开展服务所需的业务数据和相关信息（违约行为及认定第5项）",
    "quality_below_standard": "乙方提供的服务未达到约定的专业性和服务标准（违约行为及认定第2项；服务质量保证）",
    "confidentiality_breach": "违反保密义务，泄露商业秘密或客户隐私（违约行为及认定第3项；保密条款）",
    "late_performance": "乙方未按照约定时间完成服务工作（违约行为及认定第1项；第五条5.2）",
    "force_majeure": "因不可抗力致使合同目的不能实现（不可抗力条款）",
    "mutual_agreement": "双方协商一致解除合同（合同变更与终止条款）",
    "convenience": "一方依合同约定提前书面通知解除合同（合同期限与终止条款）",
    "other": "其他依法或依约可以解除合同的情形",
}


def _transition(
    table: dict[str, frozenset[str]], entity: str, entity_id: str, frm: str, to: str, why: str = ""
) -> None:
    if to not in table.get(frm, frozenset()):
        raise IllegalTransition(entity, entity_id, frm, to, why)


@dataclass(frozen=True)
class SigningLink:
    """A party's current link; the token itself is never stored, only its id and hash."""

    token_id: str
    token_hash: str
    email: str
    issued_at: str
    expires_at: str

    def to_dict(self) -> dict[str, str]:
        return {
            "token_id": self.token_id,
            "token_hash": self.token_hash,
            "email": self.email,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SigningLink:
        return cls(**{k: d[k] for k in ("token_id", "token_hash", "email", "issued_at", "expires_at")})


@dataclass(frozen=True)
class Signature:
    """The evidence of one party's electronic signature."""

    party: str
    signer_name: str
    signer_email: str
    signed_at: str
    ip_address: str
    user_agent: str
    document_sha256: str
    consent_version: str
    consent_sha256: str
    prev_audit_hash: str

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Signature:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


@dataclass
class SignatureSet:
    """What two parties sign: a frozen document hash, one link per party, and the signatures made."""

    document_sha256: str
    frozen: bool = False
    links: dict[str, SigningLink] = field(default_factory=dict)
    signatures: dict[str, Signature] = field(default_factory=dict)
    declined: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "document_sha256": self.document_sha256,
            "frozen": self.frozen,
            "links": {p: link.to_dict() for p, link in self.links.items()},
            "signatures": {p: s.to_dict() for p, s in self.signatures.items()},
            "declined": self.declined,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SignatureSet:
        return cls(
            document_sha256=d["document_sha256"],
            frozen=bool(d.get("frozen")),
            links={p: SigningLink.from_dict(v) for p, v in d.get("links", {}).items()},
            signatures={p: Signature.from_dict(v) for p, v in d.get("signatures", {}).items()},
            declined=d.get("declined"),
        )

    @property
    def complete(self) -> bool:
        return all(p in self.signatures for p in PARTIES)


@dataclass(frozen=True)
class TermsVersion:
    no: int
    terms: Terms
    effective_from: date | None  # None: from the contract's effective date
    amendment_no: int | None
    made_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "no": self.no,
            "terms": self.terms.to_dict(),
            "effective_from": None if self.effective_from is None else self.effective_from.isoformat(),
            "amendment_no": self.amendment_no,
            "made_at": self.made_at,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TermsVersion:
        eff = d.get("effective_from")
        return cls(
            no=int(d["no"]),
            terms=Terms.from_dict(d["terms"]),
            effective_from=None if eff is None else date.fromisoformat(eff),
            amendment_no=d.get("amendment_no"),
            made_at=d["made_at"],
        )


AMENDABLE_FIELDS = (
    "annual_fee",
    "extend_years",
    "services",
    "payment_due_days",
    "breach_penalty_pct",
    "late_penalty",
    "notice_period_days",
)


@dataclass
class Amendment:
    """补充协议 number `no` of the contract: proposed changes, signed like the contract itself."""

    no: int
    status: str
    changes: dict[str, Any]
    reason: str
    created_at: str
    signing: SignatureSet
    effective_date: date | None = None
    closed_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "no": self.no,
            "status": self.status,
            "changes": self.changes,
            "reason": self.reason,
            "created_at": self.created_at,
            "signing": self.signing.to_dict(),
            "effective_date": None if self.effective_date is None else self.effective_date.isoformat(),
            "closed_reason": self.closed_reason,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Amendment:
        eff = d.get("effective_date")
        return cls(
            no=int(d["no"]),
            status=d["status"],
            changes=d["changes"],
            reason=d["reason"],
            created_at=d["created_at"],
            signing=SignatureSet.from_dict(d["signing"]),
            effective_date=None if eff is None else date.fromisoformat(eff),
            closed_reason=d.get("closed_reason"),
        )


@dataclass
class TerminationNotice:
    """解除合同通知书 served by one party; takes effect notice_period_days after the notice date."""

    no: int
    by: str
    reason_code: str
    details: str
    notice_date: date
    effective_date: date
    status: str  # served | effective | withdrawn
    served_at: str
    document_sha256: str
    withdrawn_at: str | None = None
    withdrawal_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "no": self.no,
            "by": self.by,
            "reason_code": self.reason_code,
            "details": self.details,
            "notice_date": self.notice_date.isoformat(),
            "effective_date": self.effective_date.isoformat(),
            "status": self.status,
            "served_at": self.served_at,
            "document_sha256": self.document_sha256,
            "withdrawn_at": self.withdrawn_at,
            "withdrawal_reason": self.withdrawal_reason,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TerminationNotice:
        return cls(
            no=int(d["no"]),
            by=d["by"],
            reason_code=d["reason_code"],
            details=d["details"],
            notice_date=date.fromisoformat(d["notice_date"]),
            effective_date=date.fromisoformat(d["effective_date"]),
            status=d["status"],
            served_at=d["served_at"],
            document_sha256=d["document_sha256"],
            withdrawn_at=d.get("withdrawn_at"),
            withdrawal_reason=d.get("withdrawal_reason"),
        )


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
    # The ledger's credit balance (预收) after its last write: a cache that tells invoicing to read the ledger.
    ledger_credit: Decimal = Decimal("0.00")

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
    ) -> tuple[Contract, DomainEvent]:
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
        return contract, DomainEvent(
            "ContractDrafted", {"document_sha256": document_sha256, "terms": terms.to_dict(), "template": template}
        )

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
        reminder, or the day after the term ends (expiry)."""
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

    def listing(self) -> dict[str, Any]:
        """The row GET /contracts shows; stored beside the body and projected into the by_status index."""
        end = self.end_date
        return {
            "id": self.id,
            "contract_no": self.contract_no,
            "template": self.template,
            "status": self.status,
            "client": self.client.name,
            "vendor": self.vendor.name,
            "annual_fee": money_str(self.current_terms.annual_fee),
            "effective_date": None if self.effective_date is None else self.effective_date.isoformat(),
            "end_date": None if end is None else end.isoformat(),
            "created_at": self.created_at,
        }

    def summary(self) -> dict[str, Any]:
        """Who and what, carried by every outbox event so messages render without another read."""
        return {
            "contract_id": self.id,
            "contract_no": self.contract_no,
            "template": self.template,
            "client": self.client.to_dict(),
            "vendor": self.vendor.to_dict(),
        }

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

    def send_for_signature(self, links: dict[str, SigningLink], now: str) -> DomainEvent:
        _transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "awaiting_signatures")
        self.status = "awaiting_signatures"
        self.sent_at = now
        self.signing.frozen = True
        self.signing.links = dict(links)
        return DomainEvent(
            "ContractSent",
            {
                "document_sha256": self.signing.document_sha256,
                "links": {
                    p: {"token_id": link.token_id, "email": link.email, "expires_at": link.expires_at}
                    for p, link in links.items()
                },
            },
        )

    def reissue_link(self, subject: str, party: str, link: SigningLink) -> tuple[SigningLink, DomainEvent]:
        sigset = self.signature_set(subject)
        if self.subject_status(subject) != "awaiting_signatures":
            raise Conflict(f"{subject} is not awaiting signatures (status {self.subject_status(subject)})")
        if party in sigset.signatures:
            raise Conflict(f"the {party} has already signed {subject}", field="party")
        old = sigset.links[party]
        sigset.links[party] = link
        return old, DomainEvent(
            "SigningLinkReissued",
            {
                "subject": subject,
                "party": party,
                "token_id": link.token_id,
                "email": link.email,
                "expires_at": link.expires_at,
                "revoked_token_id": old.token_id,
            },
        )

    def sign(self, subject: str, party: str, signature: Signature, today: date) -> list[DomainEvent]:
        sigset = self.signature_set(subject)
        status = self.subject_status(subject)
        if status != "awaiting_signatures":
            raise IllegalTransition(subject, self.id, status, "signed")
        if party in sigset.signatures:
            raise Conflict(f"the {party} has already signed", field="party")
        if signature.document_sha256 != sigset.document_sha256:
            raise Conflict("the document shown is not the document sent for signature")
        if subject != "contract" and self.status != "active":
            # Checked before anything is recorded: a refused signature must leave the aggregate unchanged.
            raise IllegalTransition("contract", self.id, self.status, "amended", "the contract is no longer active")
        sigset.signatures[party] = signature
        events = [DomainEvent("SignatureRecorded", {"subject": subject, **signature.to_dict()})]
        if sigset.complete:
            if subject == "contract":
                events.append(self._activate(today))
            else:
                events.append(self._amendment_takes_effect(int(subject.split(":", 1)[1]), today, signature.signed_at))
        return events

    def _activate(self, today: date) -> DomainEvent:
        _transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "active")
        self.status = "active"
        self.effective_date = today
        end = self.end_date
        assert end is not None
        return DomainEvent(
            "ContractActivated",
            {
                "effective_date": today.isoformat(),
                "end_date": end.isoformat(),
                "document_sha256": self.signing.document_sha256,
                "contract_amount": money_str(self.contract_amount),
                "contract_amount_words": amount_in_words(self.contract_amount),
                "contract_amount_in_words": amount_in_words(self.contract_amount),
                "signatures": {p: s.to_dict() for p, s in self.signing.signatures.items()},
            },
        )

    def decline(self, subject: str, party: str, reason: str, at: str) -> DomainEvent:
        sigset = self.signature_set(subject)
        if subject == "contract":
            _transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "declined")
            self.status = "declined"
            self.closed_reason = reason
        else:
            amendment = self.amendment(int(subject.split(":", 1)[1]))
            _transition(AMENDMENT_TRANSITIONS, "amendment", f"{self.id}:{amendment.no}", amendment.status, "declined")
            amendment.status = "declined"
            amendment.closed_reason = reason
        sigset.declined = {"party": party, "reason": reason, "at": at}
        return DomainEvent("SignatureDeclined", {"subject": subject, "party": party, "reason": reason})

    def void(self, subject: str, reason: str) -> DomainEvent:
        if subject == "contract":
            _transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "voided")
            self.status = "voided"
            self.closed_reason = reason
        else:
            amendment = self.amendment(int(subject.split(":", 1)[1]))
            _transition(AMENDMENT_TRANSITIONS, "amendment", f"{self.id}:{amendment.no}", amendment.status, "voided")
            amendment.status = "voided"
            amendment.closed_reason = reason
        return DomainEvent("SigningVoided", {"subject": subject, "reason": reason})

    # ---- invoicing ----------------------------------------------------------------------------------
    def invoice_for_year(self, year: int) -> Invoice:
        """The invoice of contract year `year`: issued on the year's start date, for the annual fee of the terms
        in force on that date, due payment_due_days later (DESIGN.md)."""
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

    # ---- amendments (补充协议) --------------------------------------------------------------------------
    def propose_amendment(
        self, changes: dict[str, Any], reason: str, now: str, document_sha256: str
    ) -> tuple[Amendment, DomainEvent]:
        if self.status != "active":
            raise IllegalTransition(
                "contract", self.id, self.status, "amended", "only an active contract can be amended"
            )
        if self.pending_amendment is not None:
            raise Conflict(f"supplementary agreement {self.pending_amendment.no} is still pending")
        if self.pending_notice is not None:
            raise Conflict("a termination notice is pending; withdraw it before amending the contract")
        amendment = Amendment(
            no=len(self.amendments) + 1,
            status="draft",
            changes=changes,
            reason=reason,
            created_at=now,
            signing=SignatureSet(document_sha256=document_sha256),
        )
        self.amendments.append(amendment)
        return amendment, DomainEvent(
            "AmendmentProposed",
            {"amendment_no": amendment.no, "changes": changes, "reason": reason, "document_sha256": document_sha256},
        )

    def send_amendment(self, no: int, links: dict[str, SigningLink], now: str) -> DomainEvent:
        amendment = self.amendment(no)
        _transition(AMENDMENT_TRANSITIONS, "amendment", f"{self.id}:{no}", amendment.status, "awaiting_signatures")
        amendment.status = "awaiting_signatures"
        amendment.signing.frozen = True
        amendment.signing.links = dict(links)
        return DomainEvent(
            "AmendmentSent",
            {
                "amendment_no": no,
                "subject": f"amendment:{no}",
                "document_sha256": amendment.signing.document_sha256,
                "links": {
                    p: {"token_id": link.token_id, "email": link.email, "expires_at": link.expires_at}
                    for p, link in links.items()
                },
            },
        )

    def amended_terms(self, changes: dict[str, Any]) -> Terms:
        """The terms after applying `changes` (already validated) to the current terms."""
        terms = self.current_terms
        updates: dict[str, Any] = {}
        if "annual_fee" in changes:
            updates["annual_fee"] = Decimal(changes["annual_fee"])
        if "extend_years" in changes:
            updates["term_years"] = terms.term_years + int(changes["extend_years"])
        if "services" in changes:
            updates["services"] = tuple(changes["services"])
        if "payment_due_days" in changes:
            updates["payment_due_days"] = int(changes["payment_due_days"])
        if "breach_penalty_pct" in changes:
            updates["breach_penalty_pct"] = Decimal(changes["breach_penalty_pct"])
        if "late_penalty" in changes:
            updates["late_penalty"] = LatePenalty.from_dict(changes["late_penalty"])
        if "notice_period_days" in changes:
            updates["notice_period_days"] = int(changes["notice_period_days"])
        return terms.with_changes(**updates)

    def _amendment_takes_effect(self, no: int, today: date, at: str) -> DomainEvent:
        amendment = self.amendment(no)
        _transition(AMENDMENT_TRANSITIONS, "amendment", f"{self.id}:{no}", amendment.status, "effective")
        if self.status not in ("active",):
            raise IllegalTransition("contract", self.id, self.status, "amended", "the contract is no longer active")
        old_end = self.end_date
        new_terms = self.amended_terms(amendment.changes)
        amendment.status = "effective"
        amendment.effective_date = today
        self.terms_versions.append(TermsVersion(len(self.terms_versions) + 1, new_terms, today, no, at))
        # A changed end of term re-arms the renewal reminders that were counted against the old end.
        if self.end_date != old_end:
            self.reminders_sent = []
        return DomainEvent(
            "AmendmentEffective",
            {
                "amendment_no": no,
                "effective_date": today.isoformat(),
                "terms_version": len(self.terms_versions),
                "changes": amendment.changes,
                "end_date": None if self.end_date is None else self.end_date.isoformat(),
                "contract_amount": money_str(self.contract_amount),
                "contract_amount_words": amount_in_words(self.contract_amount),
                "contract_amount_in_words": amount_in_words(self.contract_amount),
                "signatures": {p: s.to_dict() for p, s in amendment.signing.signatures.items()},
                "document_sha256": amendment.signing.document_sha256,
            },
        )

    # ---- termination, expiry, reminders ----------------------------------------------------------------
    def serve_notice(
        self, *, by: str, reason_code: str, details: str, notice_date: date, served_at: str, document_sha256: str
    ) -> tuple[TerminationNotice, DomainEvent]:
        if self.status != "active":
            raise IllegalTransition(
                "contract",
                self.id,
                self.status,
                "terminating",
                "only an active contract can receive a termination notice",
            )
        if self.pending_amendment is not None:
            raise Conflict(f"supplementary agreement {self.pending_amendment.no} is pending; void it first")
        assert self.effective_date is not None
        if notice_date < self.effective_date:
            raise ValidationError("notice_date", "must not be before the contract's effective date")
        effective = add_days(notice_date, self.current_terms.notice_period_days)
        notice = TerminationNotice(
            no=len(self.notices) + 1,
            by=by,
            reason_code=reason_code,
            details=details,
            notice_date=notice_date,
            effective_date=effective,
            status="served",
            served_at=served_at,
            document_sha256=document_sha256,
        )
        _transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "terminating")
        self.status = "terminating"
        self.notices.append(notice)
        return notice, DomainEvent("NoticeServed", {**notice.to_dict(), "clause": REASON_CLAUSES[reason_code]})

    def withdraw_notice(self, reason: str, at: str, today: date) -> DomainEvent:
        notice = self.pending_notice
        if notice is None:
            raise IllegalTransition("contract", self.id, self.status, "active", "no termination notice is pending")
        if today >= notice.effective_date:
            raise IllegalTransition(
                "notice", f"{self.id}:{notice.no}", "served", "withdrawn", "the notice has already taken effect"
            )
        _transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "active")
        notice.status = "withdrawn"
        notice.withdrawn_at = at
        notice.withdrawal_reason = reason
        self.status = "active"
        return DomainEvent(
            "NoticeWithdrawn",
            {"notice_no": notice.no, "reason": reason, "effective_date": notice.effective_date.isoformat()},
        )

    def due_lifecycle_events(self, as_of: date) -> list[DomainEvent]:
        """Apply what is due on `as_of`: notice effect, expiry, renewal reminders (each once)."""
        events: list[DomainEvent] = []
        if self.status not in ("active", "terminating") or self.effective_date is None:
            return events
        end = self.end_date
        assert end is not None
        notice = self.pending_notice
        if notice is not None and as_of >= notice.effective_date and notice.effective_date <= end:
            _transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "terminated")
            notice.status = "effective"
            self.status = "terminated"
            self.closed_on = notice.effective_date
            self.closed_reason = notice.reason_code
            events.append(
                DomainEvent(
                    "ContractTerminated",
                    {
                        "notice_no": notice.no,
                        "effective_date": notice.effective_date.isoformat(),
                        "reason_code": notice.reason_code,
                        "invoiced_years": self.invoiced_years,
                    },
                )
            )
            return events
        if as_of > end:
            _transition(CONTRACT_TRANSITIONS, "contract", self.id, self.status, "expired")
            if notice is not None:
                notice.status = "withdrawn"
                notice.withdrawal_reason = "the term ended before the notice took effect"
            self.status = "expired"
            self.closed_on = add_days(end, 1)
            events.append(
                DomainEvent("ContractExpired", {"end_date": end.isoformat(), "invoiced_years": self.invoiced_years})
            )
            return events
        if self.status == "active":
            due = [d for d in sorted(self.reminder_days) if d not in self.reminders_sent and as_of >= add_days(end, -d)]
            if due:
                # A late run that skipped a reminder sends only the nearest one; all due are marked sent.
                self.reminders_sent = sorted(set(self.reminders_sent) | set(due), reverse=True)
                events.append(
                    DomainEvent("RenewalReminder", {"days_before_end": min(due), "end_date": end.isoformat()})
                )
        return events

    def copy(self) -> Contract:
        return replace(self)


def contract_to_dict(c: Contract) -> dict[str, Any]:
    """The storage shape of the aggregate (JSON-ready)."""
    return {
        "id": c.id,
        "contract_no": c.contract_no,
        "template": c.template,
        "status": c.status,
        "version": c.version,
        "created_at": c.created_at,
        "client": c.client.to_dict(),
        "vendor": c.vendor.to_dict(),
        "terms_versions": [v.to_dict() for v in c.terms_versions],
        "signing": c.signing.to_dict(),
        "reminder_days": list(c.reminder_days),
        "sent_at": c.sent_at,
        "effective_date": None if c.effective_date is None else c.effective_date.isoformat(),
        "invoiced_years": c.invoiced_years,
        "amendments": [a.to_dict() for a in c.amendments],
        "notices": [n.to_dict() for n in c.notices],
        "reminders_sent": list(c.reminders_sent),
        "closed_on": None if c.closed_on is None else c.closed_on.isoformat(),
        "closed_reason": c.closed_reason,
        "audit_seq": c.audit_seq,
        "audit_head": c.audit_head,
        "ledger_credit": money_str(c.ledger_credit),
    }


def contract_from_dict(d: dict[str, Any]) -> Contract:
    eff = d.get("effective_date")
    closed = d.get("closed_on")
    return Contract(
        id=d["id"],
        contract_no=d["contract_no"],
        template=d["template"],
        status=d["status"],
        version=int(d["version"]),
        created_at=d["created_at"],
        client=Party.from_dict(d["client"]),
        vendor=Party.from_dict(d["vendor"]),
        terms_versions=[TermsVersion.from_dict(v) for v in d["terms_versions"]],
        signing=SignatureSet.from_dict(d["signing"]),
        reminder_days=tuple(d.get("reminder_days", (60, 30))),
        sent_at=d.get("sent_at"),
        effective_date=None if eff is None else date.fromisoformat(eff),
        invoiced_years=int(d.get("invoiced_years", 0)),
        amendments=[Amendment.from_dict(a) for a in d.get("amendments", [])],
        notices=[TerminationNotice.from_dict(n) for n in d.get("notices", [])],
        reminders_sent=[int(x) for x in d.get("reminders_sent", [])],
        closed_on=None if closed is None else date.fromisoformat(closed),
        closed_reason=d.get("closed_reason"),
        audit_seq=int(d.get("audit_seq", 0)),
        audit_head=d.get("audit_head", "0" * 64),
        ledger_credit=Decimal(d.get("ledger_credit", "0.00")),
    )
