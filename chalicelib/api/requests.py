"""One model per request body. Each field's JSON shape and limits are declared here (from the domain's
constants), the domain's own rules run in `command()`, and the result is the command its service takes.

To add a body: subclass RequestBody, give it `command()`, declare it on the route (`@route(..., body=Model)`)
and on the operation in chalicelib/api/operations.py; /openapi.json then carries its schema.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from msgspec import UNSET, Meta, UnsetType

from chalicelib.api.body import IsoDate, Money, Pct, RequestBody, builtins, optional_date, text
from chalicelib.domain.contract import AMENDABLE_FIELDS, REASON_CODES
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.obligations import PERFORMANCE_FIELDS, performance_changes, with_template_defaults
from chalicelib.domain.terms import (
    MAX_EXTEND_YEARS,
    MAX_LEN,
    MAX_SERVICES,
    MAX_TERM_YEARS,
    NOTICE_PERIOD_DAYS,
    PAYMENT_DUE_DAYS,
    TEMPLATES,
    LatePenalty,
    Party,
    Terms,
    parse_annual_fee,
    parse_breach_penalty_pct,
    parse_services,
)
from chalicelib.services import commands

MAX_REASON = 1000
MAX_DETAILS = 2000
MAX_SIGNER_NAME = 100

Template = Literal[TEMPLATES]  # type: ignore[valid-type]
ReasonCode = Literal[REASON_CODES]  # type: ignore[valid-type]
PartyName = Literal["client", "vendor"]
SigningOrder = Literal["any", "client_first", "vendor_first"]
Reason = Annotated[str, Meta(min_length=1, max_length=MAX_REASON)]
Service = Annotated[str, Meta(min_length=1, max_length=MAX_LEN["service"])]
Services = Annotated[list[Service], Meta(min_length=1, max_length=MAX_SERVICES)]
DueDays = Annotated[int, Meta(ge=PAYMENT_DUE_DAYS[0], le=PAYMENT_DUE_DAYS[1])]
NoticeDays = Annotated[int, Meta(ge=NOTICE_PERIOD_DAYS[0], le=NOTICE_PERIOD_DAYS[1])]


# ---- POST /contracts ----------------------------------------------------------------------------------
class PartyBody(RequestBody):
    """甲方 (client) or 乙方 (vendor)."""

    name: Annotated[str, Meta(max_length=MAX_LEN["name"], examples=["北京云帆科技有限公司"])]
    credit_code: Annotated[
        str,
        Meta(
            max_length=MAX_LEN["credit_code"],
            description="统一社会信用代码 with its GB 32100-2015 check character",
            examples=["91350100M000100Y43"],
        ),
    ]
    contact_person: Annotated[str, Meta(max_length=MAX_LEN["contact_person"])]
    phone: Annotated[str, Meta(max_length=MAX_LEN["phone"], examples=["010-88886666"])]
    email: Annotated[str, Meta(max_length=MAX_LEN["email"], extra_json_schema={"format": "email"})]
    address: Annotated[str, Meta(max_length=MAX_LEN["address"])]


class LatePenaltyBody(RequestBody):
    """逾期违约金: daily_pct at most 1 % a day, contract_pct at most 100 %; cap_pct caps either."""

    mode: Literal["contract_pct", "daily_pct"]
    rate_pct: Pct
    cap_pct: Pct | None = None


class ServiceStandardsBody(RequestBody):
    connect_rate_min_pct: Pct
    satisfaction_min_pct: Pct


class ObligationBody(RequestBody):
    """履约义务: who delivers what, per period, due N days after the period ends."""

    key: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$(?!\n)", examples=["monthly_report"])]
    party: PartyName
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    clause: Annotated[str, Meta(min_length=1, max_length=40, examples=["2.3"])]
    period: Literal["month", "quarter", "year", "once"]
    due_days_after: Annotated[int, Meta(ge=0, le=366)]
    kind: Literal["report", "kpi", "data"]


class DisputeResolutionBody(RequestBody):
    method: Literal["court", "arbitration"]
    body: Annotated[str, Meta(max_length=MAX_LEN["dispute_body"])] | None = None


class TermsBody(RequestBody):
    services: Services
    term_years: Annotated[int, Meta(ge=1, le=MAX_TERM_YEARS)]
    annual_fee: Money
    payment_due_days: DueDays
    breach_penalty_pct: Pct
    late_penalty: LatePenaltyBody
    notice_period_days: NoticeDays
    signing_place: Annotated[str, Meta(max_length=MAX_LEN["signing_place"])]
    service_standards: ServiceStandardsBody | None = None
    dispute_resolution: DisputeResolutionBody | None = None
    signer_verification: Literal["email_code", "none"] = "email_code"
    obligations: Annotated[list[ObligationBody], Meta(max_length=30)] | None = None
    vendor_late_penalty: LatePenaltyBody | None = None
    incident_report_hours: Annotated[int, Meta(ge=1, le=720)] | None = None


class DraftContractRequest(RequestBody):
    template: Template
    client: PartyBody
    vendor: PartyBody
    terms: TermsBody

    def command(self) -> commands.DraftContract:
        return commands.DraftContract(
            template=self.template,
            client=Party.parse(builtins(self.client), "client"),
            vendor=Party.parse(builtins(self.vendor), "vendor"),
            terms=with_template_defaults(self.template, Terms.parse(builtins(self.terms), "terms")),
        )


# ---- signing ---------------------------------------------------------------------------------------------
class SendRequest(RequestBody):
    """POST /contracts/{id}/send: the body is optional; `signing_order` client_first or vendor_first emails
    only the first party's link now and the other's once the first has signed."""

    body_required: ClassVar[bool] = False
    signing_order: SigningOrder = "any"

    def command(self) -> commands.SendForSignature:
        return commands.SendForSignature(signing_order=self.signing_order)


class ResendRequest(RequestBody):
    party: PartyName
    subject: Annotated[str, Meta(pattern=r"^(contract|amendment:[0-9]{1,3})$(?!\n)")] = "contract"

    def command(self) -> commands.ResendLink:
        return commands.ResendLink(party=self.party, subject=self.subject)


class VoidRequest(RequestBody):
    reason: Reason

    def command(self) -> commands.VoidSigning:
        return commands.VoidSigning(reason=text(self.reason, "reason", MAX_REASON))


OneTimeCode = Annotated[
    str,
    Meta(pattern=r"^[0-9]{6}$(?!\n)", description="the 6-digit code from POST /sign/{token}/code", examples=["042917"]),
]


class SignRequest(RequestBody):
    signer_name: Annotated[str, Meta(min_length=1, max_length=MAX_SIGNER_NAME)]
    consent: bool
    # The SHA-256 of the document the signer saw (lowercase hex, as GET /sign/{token} gives it): a different one is
    # a 409 (the document changed); anything that is not such a hash at all is a 400 naming the field.
    document_sha256: Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$(?!\n)")] | None = None
    code: OneTimeCode | None = None

    def command(self) -> commands.Sign:
        name = text(self.signer_name, "signer_name", MAX_SIGNER_NAME)
        if not self.consent:
            raise ValidationError("consent", "must be true: tick the consent box to sign")
        return commands.Sign(signer_name=name, document_sha256=self.document_sha256, code=self.code)


class DeclineRequest(RequestBody):
    """A decline proves control of the link like a signature: it needs the code when the contract does."""

    reason: Reason
    code: OneTimeCode | None = None

    def command(self) -> commands.Decline:
        return commands.Decline(reason=text(self.reason, "reason", MAX_REASON), code=self.code)


# ---- supplementary agreements and termination notices ------------------------------------------------------
class TermsChangesBody(RequestBody):
    """The terms a 补充协议 changes; at least one."""

    annual_fee: Money | UnsetType = UNSET
    extend_years: Annotated[int, Meta(ge=1, le=MAX_EXTEND_YEARS)] | UnsetType = UNSET
    services: Services | UnsetType = UNSET
    payment_due_days: DueDays | UnsetType = UNSET
    breach_penalty_pct: Pct | UnsetType = UNSET
    late_penalty: LatePenaltyBody | UnsetType = UNSET
    notice_period_days: NoticeDays | UnsetType = UNSET
    obligations: Annotated[list[ObligationBody], Meta(max_length=30)] | UnsetType = UNSET
    vendor_late_penalty: LatePenaltyBody | UnsetType = UNSET
    incident_report_hours: Annotated[int, Meta(ge=1, le=720)] | UnsetType = UNSET
    service_standards: ServiceStandardsBody | UnsetType = UNSET

    def command(self, field: str = "changes") -> commands.TermsChanges:
        if all(getattr(self, key) is UNSET for key in AMENDABLE_FIELDS):
            raise ValidationError(field, f"must be an object with at least one of {', '.join(AMENDABLE_FIELDS)}")
        return commands.TermsChanges(
            services=None if self.services is UNSET else parse_services(self.services, f"{field}.services"),
            annual_fee=None if self.annual_fee is UNSET else parse_annual_fee(self.annual_fee, f"{field}.annual_fee"),
            payment_due_days=None if self.payment_due_days is UNSET else self.payment_due_days,
            notice_period_days=None if self.notice_period_days is UNSET else self.notice_period_days,
            breach_penalty_pct=None
            if self.breach_penalty_pct is UNSET
            else parse_breach_penalty_pct(self.breach_penalty_pct, f"{field}.breach_penalty_pct"),
            late_penalty=None
            if self.late_penalty is UNSET
            else LatePenalty.parse(builtins(self.late_penalty), f"{field}.late_penalty"),
            extend_years=None if self.extend_years is UNSET else self.extend_years,
            performance=performance_changes(
                {k: builtins(v) for k in PERFORMANCE_FIELDS if (v := getattr(self, k)) is not UNSET}, field
            ),
        )


class ProposeAmendmentRequest(RequestBody):
    changes: TermsChangesBody
    reason: Reason
    signing_order: SigningOrder = "any"

    def command(self) -> commands.ProposeAmendment:
        reason = text(self.reason, "reason", MAX_REASON)
        return commands.ProposeAmendment(
            changes=self.changes.command(), reason=reason, signing_order=self.signing_order
        )


class ServeNoticeRequest(RequestBody):
    by: PartyName
    reason_code: ReasonCode
    details: Annotated[str, Meta(min_length=1, max_length=MAX_DETAILS)]
    notice_date: IsoDate | None = None

    def command(self) -> commands.ServeNotice:
        return commands.ServeNotice(
            by=self.by,
            reason_code=self.reason_code,
            details=text(self.details, "details", MAX_DETAILS),
            notice_date=optional_date(self.notice_date, "notice_date"),
        )


class WithdrawNoticeRequest(RequestBody):
    reason: Reason
    # Judged whole (an error names `agreed_by`, not an item): the schema states what command() checks.
    agreed_by: Annotated[
        list[Any],
        Meta(
            description='both parties: ["client", "vendor"]',
            extra_json_schema={"items": {"enum": ["client", "vendor"]}, "minItems": 2},
        ),
    ]
    withdrawn_on: IsoDate | None = None

    def command(self) -> commands.WithdrawNotice:
        reason = text(self.reason, "reason", MAX_REASON)
        if not all(isinstance(p, str) for p in self.agreed_by) or sorted(set(self.agreed_by)) != ["client", "vendor"]:
            raise ValidationError(
                "agreed_by",
                'must list both parties, ["client", "vendor"]: withdrawing a notice needs both parties\' agreement',
            )
        return commands.WithdrawNotice(reason=reason, withdrawn_on=optional_date(self.withdrawn_on, "withdrawn_on"))
