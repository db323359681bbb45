"""The obligation clauses of the terms (履约义务): what each party delivers and when, the vendor's late penalty, the
hours within which an incident must be reported, and the templates' defaults taken from the seeds (with their
clause numbers). Parsed from untrusted input with the dotted field path in every error."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.text import has_control_chars

OBLIGATION_PARTIES = ("client", "vendor")
OBLIGATION_PERIODS = ("month", "quarter", "year", "once")
OBLIGATION_KINDS = ("report", "kpi", "data")
DUE_DAYS_AFTER = (0, 366)
INCIDENT_REPORT_HOURS = (1, 720)
DEFAULT_INCIDENT_REPORT_HOURS = 2
MAX_OBLIGATIONS = 30
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
MAX_TITLE = 200
MAX_CLAUSE = 40


@dataclass(frozen=True)
class Obligation:
    """One duty of a party, delivered once per period and due `due_days_after` days after the period ends."""

    key: str
    party: str  # client | vendor: who delivers
    title: str
    clause: str
    period: str  # month | quarter | year | once
    due_days_after: int
    kind: str  # report | kpi | data

    @property
    def other_party(self) -> str:
        return "client" if self.party == "vendor" else "vendor"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "party": self.party,
            "title": self.title,
            "clause": self.clause,
            "period": self.period,
            "due_days_after": self.due_days_after,
            "kind": self.kind,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Obligation:
        return cls(
            key=d["key"],
            party=d["party"],
            title=d["title"],
            clause=d["clause"],
            period=d["period"],
            due_days_after=int(d["due_days_after"]),
            kind=d["kind"],
        )


def _choice(obj: Mapping[str, Any], name: str, field: str, allowed: tuple[str, ...]) -> str:
    value = obj.get(name)
    if value not in allowed:
        raise ValidationError(f"{field}.{name}", f"must be one of {', '.join(allowed)}")
    return str(value)


def _short_text(obj: Mapping[str, Any], name: str, field: str, max_len: int) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field}.{name}", "is required and must be a non-empty string")
    value = value.strip()
    if len(value) > max_len or has_control_chars(value):
        raise ValidationError(f"{field}.{name}", f"must be at most {max_len} printable characters")
    return value


def parse_obligation(data: object, field: str) -> Obligation:
    if not isinstance(data, Mapping):
        raise ValidationError(field, "must be an object")
    unknown = sorted(set(data) - {"key", "party", "title", "clause", "period", "due_days_after", "kind"})
    if unknown:
        raise ValidationError(f"{field}.{unknown[0]}", "is not a field of an obligation")
    key = data.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValidationError(f"{field}.key", "must be 1-40 characters of a-z, 0-9 and _, starting with a letter")
    due = data.get("due_days_after")
    if isinstance(due, bool) or not isinstance(due, int) or not DUE_DAYS_AFTER[0] <= due <= DUE_DAYS_AFTER[1]:
        raise ValidationError(
            f"{field}.due_days_after", f"must be an integer between {DUE_DAYS_AFTER[0]} and {DUE_DAYS_AFTER[1]}"
        )
    party = _choice(data, "party", field, OBLIGATION_PARTIES)
    kind = _choice(data, "kind", field, OBLIGATION_KINDS)
    if kind == "kpi" and party != "vendor":
        raise ValidationError(f"{field}.kind", "a KPI report (kpi) is the vendor's obligation")
    if kind == "data" and party != "client":
        raise ValidationError(f"{field}.kind", "business data (data) is the client's obligation")
    return Obligation(
        key=key,
        party=party,
        title=_short_text(data, "title", field, MAX_TITLE),
        clause=_short_text(data, "clause", field, MAX_CLAUSE),
        period=_choice(data, "period", field, OBLIGATION_PERIODS),
        due_days_after=due,
        kind=kind,
    )


def parse_obligations(value: object, field: str) -> tuple[Obligation, ...] | None:
    """None (omitted): the template's defaults. A list: each checked, keys unique."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValidationError(field, "must be a list of obligations")
    if len(value) > MAX_OBLIGATIONS:
        raise ValidationError(field, f"must list at most {MAX_OBLIGATIONS} obligations")
    out: list[Obligation] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        ob = parse_obligation(item, f"{field}[{i}]")
        if ob.key in seen:
            raise ValidationError(f"{field}[{i}].key", f"duplicates the key {ob.key!r}")
        seen.add(ob.key)
        out.append(ob)
    return tuple(out)


def parse_incident_report_hours(value: object, field: str) -> int:
    lo, hi = INCIDENT_REPORT_HOURS
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValidationError(field, f"must be an integer between {lo} and {hi} (hours)")
    return value


def _ob(key: str, party: str, title: str, clause: str, period: str, due: int, kind: str) -> Obligation:
    return Obligation(key, party, title, clause, period, due, kind)


# The seeds' duties, with their clause numbers (客户服务管理合同, 外呼外包合同).
DEFAULT_OBLIGATIONS: dict[str, tuple[Obligation, ...]] = {
    "customer-service-management": (
        _ob("monthly_report", "vendor", "客户服务管理工作报告 / Monthly service report", "2.3", "month", 10, "report"),
        _ob("data_analysis", "vendor", "客户数据分析报告 / Customer data analysis", "1.1(4)", "quarter", 15, "report"),
        _ob("business_data", "client", "业务数据和相关信息 / Business data", "3.2", "month", 5, "data"),
    ),
    "outbound-call-outsourcing": (
        _ob("call_results", "vendor", "外呼结果反馈 / Call results", "3.3(4)", "month", 5, "report"),
        _ob("quality_kpis", "vendor", "服务质量指标 / Quality indicators", "3.2, 6.2", "month", 10, "kpi"),
        _ob("satisfaction_survey", "vendor", "客户满意度调查 / Satisfaction survey", "5.2", "quarter", 15, "report"),
        _ob("target_list", "client", "目标客户名单 / Target customer list", "3.3(1)", "month", 0, "data"),
    ),
}

# 外呼外包合同 3.2: connect rate >= 95 %, satisfaction >= 85 % (call quality must be clear).
DEFAULT_STANDARDS = {"connect_rate_min_pct": Decimal(95), "satisfaction_min_pct": Decimal(85)}


def parse_obligation_terms(
    obj: Mapping[str, Any], field: str, parse_penalty: Callable[[object, str], Any]
) -> dict[str, Any]:
    """The 履约 fields of Terms.parse (`parse_penalty`: LatePenalty.parse, passed in to keep the imports one-way)."""
    vlp = obj.get("vendor_late_penalty")
    hours = obj.get("incident_report_hours")
    return {
        "obligations": parse_obligations(obj.get("obligations"), f"{field}.obligations"),
        "vendor_late_penalty": None if vlp is None else parse_penalty(vlp, f"{field}.vendor_late_penalty"),
        "incident_report_hours": DEFAULT_INCIDENT_REPORT_HOURS
        if hours is None
        else parse_incident_report_hours(hours, f"{field}.incident_report_hours"),
    }


def obligation_terms_from_dict(d: Mapping[str, Any], penalty_from_dict: Callable[[Any], Any]) -> dict[str, Any]:
    """The 履约 fields of Terms.from_dict; a body stored before they existed reads with the defaults."""
    obligations = d.get("obligations")
    vlp = d.get("vendor_late_penalty")
    return {
        "obligations": None if obligations is None else tuple(map(Obligation.from_dict, obligations)),
        "vendor_late_penalty": penalty_from_dict(vlp) if vlp else None,
        "incident_report_hours": int(d.get("incident_report_hours") or DEFAULT_INCIDENT_REPORT_HOURS),
    }
