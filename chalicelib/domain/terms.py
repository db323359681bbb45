"""Contract terms as typed, validated values: parties (甲方/乙方), services, fees and penalty clauses.

Parsing from untrusted input raises ValidationError naming the dotted field; `to_dict`/`from_dict` are the
storage and wire shape (money as strings, two places).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.money import MAX_AMOUNT_IN_WORDS, InvalidAmount, money_str, plain_decimal, to_money
from chalicelib.domain.obligation_terms import (
    DEFAULT_INCIDENT_REPORT_HOURS,
    Obligation,
    obligation_terms_from_dict,
    parse_obligation_terms,
)
from chalicelib.domain.text import check_printable, has_control_chars
from chalicelib.domain.uscc import InvalidCreditCode, validate_uscc

TEMPLATES = ("customer-service-management", "outbound-call-outsourcing")
LATE_PENALTY_MODES = ("contract_pct", "daily_pct")
DISPUTE_METHODS = ("court", "arbitration")
MAX_TERM_YEARS = 30
MAX_EXTEND_YEARS = 10  # one supplementary agreement extends the term by at most this many years
MAX_ANNUAL_FEE = Decimal("1000000000000.00")
PAYMENT_DUE_DAYS = (0, 365)
NOTICE_PERIOD_DAYS = (1, 365)
MAX_SERVICES = 50
# Longest text per party or terms field (characters, after stripping).
MAX_LEN = {
    "name": 200,
    "credit_code": 18,
    "contact_person": 100,
    "phone": 24,
    "email": 254,
    "address": 300,
    "service": 200,
    "signing_place": 100,
    "dispute_body": 200,
}

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,22}[0-9]$")


def _obj(data: object, field: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValidationError(field, "must be an object")
    return data


def _text(data: Mapping[str, Any], key: str, field: str, *, max_len: int = 200, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValidationError(field, "is required and must be a string")
    value = value.strip()
    if not value:
        raise ValidationError(field, "must not be empty")
    if len(value) > max_len:
        raise ValidationError(field, f"must be at most {max_len} characters")
    if has_control_chars(value):
        raise ValidationError(field, "must not contain control characters")
    check_printable(value, field)
    return value


def _int(data: Mapping[str, Any], key: str, field: str, lo: int, hi: int) -> int:
    return parse_int(data.get(key), field, lo, hi)


def parse_int(value: object, field: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"is required and must be an integer between {lo} and {hi}")
    if not lo <= value <= hi:
        raise ValidationError(field, f"must be between {lo} and {hi}")
    return value


def _pct(value: object, field: str, *, lo: Decimal, hi: Decimal, lo_inclusive: bool = True) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, 'must be a decimal number given as a string, e.g. "0.05"')
    pct = Decimal(value) if isinstance(value, int) else plain_decimal(value)
    if pct is None:
        raise ValidationError(field, f'is not a number like "0.05": {str(value)[:40]!r}')
    if pct < lo or (pct == lo and not lo_inclusive) or pct > hi:
        bound = ">=" if lo_inclusive else ">"
        raise ValidationError(field, f"must be {bound} {lo} and <= {hi}")
    if pct.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValidationError(field, "must have at most 4 decimal places")
    return pct.normalize() if pct != pct.to_integral_value() else pct.quantize(Decimal(1))


def _money(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, 'must be an amount given as a string, e.g. "120000.00"')
    try:
        return to_money(value)
    except (InvalidAmount, TypeError):
        raise ValidationError(field, f"is not a valid amount: {value!r}") from None


def parse_annual_fee(value: object, field: str) -> Decimal:
    fee = _money(value, field)
    if fee <= 0:
        raise ValidationError(field, "must be greater than 0")
    if fee > MAX_ANNUAL_FEE:
        raise ValidationError(field, f"must be at most {money_str(MAX_ANNUAL_FEE)}")
    return fee


def check_contract_amount(amount: Decimal, field: str) -> None:
    """合同金额 is written in figures and 大写 on every document: it must fit what 大写 can write."""
    if amount > MAX_AMOUNT_IN_WORDS:
        raise ValidationError(
            field,
            f"makes the contract amount {money_str(amount)}, above {money_str(MAX_AMOUNT_IN_WORDS)}, the largest"
            " amount written in Chinese capitals (大写)",
        )


def parse_breach_penalty_pct(value: object, field: str) -> Decimal:
    """违约金, % of the contract amount."""
    return _pct(value, field, lo=Decimal(0), hi=Decimal(100))


def pct_str(value: Decimal) -> str:
    return format(value, "f")


@dataclass(frozen=True)
class Party:
    """One side of the contract: 甲方 (client) or 乙方 (vendor)."""

    name: str
    credit_code: str
    contact_person: str
    phone: str
    email: str
    address: str

    @classmethod
    def parse(cls, data: object, field: str) -> Party:
        obj = _obj(data, field)
        code_raw = _text(obj, "credit_code", f"{field}.credit_code", max_len=MAX_LEN["credit_code"])
        try:
            code = validate_uscc(code_raw)
        except InvalidCreditCode as exc:
            raise ValidationError(f"{field}.credit_code", exc.reason) from None
        email = _text(obj, "email", f"{field}.email", max_len=MAX_LEN["email"])
        if not _EMAIL.match(email):
            raise ValidationError(f"{field}.email", "is not a valid email address")
        phone = _text(obj, "phone", f"{field}.phone", max_len=MAX_LEN["phone"])
        if not _PHONE.match(phone):
            raise ValidationError(f"{field}.phone", "must be a phone number of digits, spaces, '-' or a leading '+'")
        return cls(
            name=_text(obj, "name", f"{field}.name", max_len=MAX_LEN["name"]),
            credit_code=code,
            contact_person=_text(obj, "contact_person", f"{field}.contact_person", max_len=MAX_LEN["contact_person"]),
            phone=phone,
            email=email.lower(),
            address=_text(obj, "address", f"{field}.address", max_len=MAX_LEN["address"]),
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "credit_code": self.credit_code,
            "contact_person": self.contact_person,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Party:
        return cls(**{k: d[k] for k in ("name", "credit_code", "contact_person", "phone", "email", "address")})


@dataclass(frozen=True)
class LatePenalty:
    """逾期违约金: `contract_pct` is a one-off rate % of the contract amount per overdue invoice;
    `daily_pct` is rate % of the outstanding amount per day overdue; `cap_pct` caps either in % of the
    overdue amount."""

    mode: Literal["contract_pct", "daily_pct"]
    rate_pct: Decimal
    cap_pct: Decimal | None = None

    @classmethod
    def parse(cls, data: object, field: str) -> LatePenalty:
        obj = _obj(data, field)
        mode = obj.get("mode")
        if mode not in LATE_PENALTY_MODES:
            raise ValidationError(f"{field}.mode", f"must be one of {', '.join(LATE_PENALTY_MODES)}")
        hi = Decimal("1") if mode == "daily_pct" else Decimal("100")
        rate = _pct(obj.get("rate_pct"), f"{field}.rate_pct", lo=Decimal(0), hi=hi, lo_inclusive=False)
        cap_raw = obj.get("cap_pct")
        cap = (
            None
            if cap_raw is None
            else _pct(cap_raw, f"{field}.cap_pct", lo=Decimal(0), hi=Decimal(100), lo_inclusive=False)
        )
        return cls(mode=mode, rate_pct=rate, cap_pct=cap)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "rate_pct": pct_str(self.rate_pct),
            "cap_pct": None if self.cap_pct is None else pct_str(self.cap_pct),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LatePenalty:
        cap = d.get("cap_pct")
        return cls(mode=d["mode"], rate_pct=Decimal(d["rate_pct"]), cap_pct=None if cap is None else Decimal(cap))


@dataclass(frozen=True)
class DisputeResolution:
    method: Literal["court", "arbitration"]
    body: str | None = None

    @classmethod
    def parse(cls, data: object, field: str) -> DisputeResolution:
        if data is None:
            return cls(method="court")
        obj = _obj(data, field)
        method = obj.get("method")
        if method not in DISPUTE_METHODS:
            raise ValidationError(f"{field}.method", "must be court or arbitration")
        body = _text(obj, "body", f"{field}.body", max_len=MAX_LEN["dispute_body"], required=method == "arbitration")
        return cls(method=method, body=body or None)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "body": self.body}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DisputeResolution:
        return cls(method=d["method"], body=d.get("body"))


@dataclass(frozen=True)
class ServiceStandards:
    """服务标准 of the outbound-call contract, e.g. connect rate >= 95 %, satisfaction >= 85 %."""

    connect_rate_min_pct: Decimal
    satisfaction_min_pct: Decimal

    @classmethod
    def parse(cls, data: object, field: str) -> ServiceStandards | None:
        if data is None:
            return None
        obj = _obj(data, field)
        return cls(
            connect_rate_min_pct=_pct(
                obj.get("connect_rate_min_pct"), f"{field}.connect_rate_min_pct", lo=Decimal(0), hi=Decimal(100)
            ),
            satisfaction_min_pct=_pct(
                obj.get("satisfaction_min_pct"), f"{field}.satisfaction_min_pct", lo=Decimal(0), hi=Decimal(100)
            ),
        )

    def to_dict(self) -> dict[str, str]:
        return {
            "connect_rate_min_pct": pct_str(self.connect_rate_min_pct),
            "satisfaction_min_pct": pct_str(self.satisfaction_min_pct),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ServiceStandards:
        return cls(Decimal(d["connect_rate_min_pct"]), Decimal(d["satisfaction_min_pct"]))


SIGNER_VERIFICATION = ("email_code", "none")


def parse_signer_verification(value: object, field: str) -> str:
    if value is None:
        return "email_code"
    if value not in SIGNER_VERIFICATION:
        raise ValidationError(field, f"must be one of {', '.join(SIGNER_VERIFICATION)}")
    return str(value)


def parse_services(value: object, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValidationError(field, "must be a non-empty list of service descriptions")
    if len(value) > MAX_SERVICES:
        raise ValidationError(field, f"must list at most {MAX_SERVICES} services")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(f"{field}[{i}]", "must be a non-empty string")
        if len(item) > MAX_LEN["service"] or has_control_chars(item):
            raise ValidationError(f"{field}[{i}]", f"must be at most {MAX_LEN['service']} printable characters")
        check_printable(item, f"{field}[{i}]")
        out.append(item.strip())
    return tuple(out)


@dataclass(frozen=True)
class Terms:
    """The commercial terms of one version of the contract (the original, or after a 补充协议)."""

    services: tuple[str, ...]
    term_years: int
    annual_fee: Decimal
    payment_due_days: int
    breach_penalty_pct: Decimal
    late_penalty: LatePenalty
    notice_period_days: int
    dispute_resolution: DisputeResolution
    signing_place: str
    service_standards: ServiceStandards | None = None
    # How a signer proves control of the link before signing. A body stored before this term existed reads
    # as "none" (what those contracts were sent under); a new contract defaults to "email_code".
    signer_verification: str = "none"
    # 履约 (domain/obligation_terms.py): None obligations → the template's defaults; None vendor_late_penalty → the
    # late_penalty clause applies to the vendor's lateness too.
    obligations: tuple[Obligation, ...] | None = None
    vendor_late_penalty: LatePenalty | None = None
    incident_report_hours: int = DEFAULT_INCIDENT_REPORT_HOURS

    @classmethod
    def parse(cls, data: object, field: str = "terms") -> Terms:
        obj = _obj(data, field)
        fee = parse_annual_fee(obj.get("annual_fee"), f"{field}.annual_fee")
        years = _int(obj, "term_years", f"{field}.term_years", 1, MAX_TERM_YEARS)
        check_contract_amount(fee * years, f"{field}.annual_fee")
        return cls(
            services=parse_services(obj.get("services"), f"{field}.services"),
            term_years=years,
            annual_fee=fee,
            payment_due_days=_int(obj, "payment_due_days", f"{field}.payment_due_days", *PAYMENT_DUE_DAYS),
            breach_penalty_pct=parse_breach_penalty_pct(obj.get("breach_penalty_pct"), f"{field}.breach_penalty_pct"),
            late_penalty=LatePenalty.parse(obj.get("late_penalty"), f"{field}.late_penalty"),
            notice_period_days=_int(obj, "notice_period_days", f"{field}.notice_period_days", *NOTICE_PERIOD_DAYS),
            dispute_resolution=DisputeResolution.parse(obj.get("dispute_resolution"), f"{field}.dispute_resolution"),
            signing_place=_text(obj, "signing_place", f"{field}.signing_place", max_len=MAX_LEN["signing_place"]),
            service_standards=ServiceStandards.parse(obj.get("service_standards"), f"{field}.service_standards"),
            signer_verification=parse_signer_verification(
                obj.get("signer_verification"), f"{field}.signer_verification"
            ),
            **parse_obligation_terms(obj, field, LatePenalty.parse),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "services": list(self.services),
            "term_years": self.term_years,
            "annual_fee": money_str(self.annual_fee),
            "payment_due_days": self.payment_due_days,
            "breach_penalty_pct": pct_str(self.breach_penalty_pct),
            "late_penalty": self.late_penalty.to_dict(),
            "notice_period_days": self.notice_period_days,
            "dispute_resolution": self.dispute_resolution.to_dict(),
            "signing_place": self.signing_place,
            "service_standards": None if self.service_standards is None else self.service_standards.to_dict(),
            "signer_verification": self.signer_verification,
            "obligations": None if self.obligations is None else [o.to_dict() for o in self.obligations],
            "vendor_late_penalty": None if self.vendor_late_penalty is None else self.vendor_late_penalty.to_dict(),
            "incident_report_hours": self.incident_report_hours,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Terms:
        standards = d.get("service_standards")
        return cls(
            services=tuple(d["services"]),
            term_years=int(d["term_years"]),
            annual_fee=to_money(d["annual_fee"]),
            payment_due_days=int(d["payment_due_days"]),
            breach_penalty_pct=Decimal(d["breach_penalty_pct"]),
            late_penalty=LatePenalty.from_dict(d["late_penalty"]),
            notice_period_days=int(d["notice_period_days"]),
            dispute_resolution=DisputeResolution.from_dict(d["dispute_resolution"]),
            signing_place=d["signing_place"],
            service_standards=None if standards is None else ServiceStandards.from_dict(standards),
            signer_verification=d.get("signer_verification", "none"),
            **obligation_terms_from_dict(d, LatePenalty.from_dict),  # absent on older contracts: the defaults
        )

    @property
    def vendor_penalty(self) -> LatePenalty:
        """The clause the vendor's late delivery is charged by (its own, else the late-payment clause)."""
        return self.vendor_late_penalty or self.late_penalty

    def with_changes(self, **changes: Any) -> Terms:
        return replace(self, **changes)
