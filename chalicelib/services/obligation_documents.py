"""The 履约 documents: 逾期履行通知书 (a period not delivered by its due date) and 整改通知书 (a KPI report below the
service standards), rendered from the contract and the period (templates/obligations/notice.html)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from chalicelib.domain.contract import Contract
from chalicelib.domain.documents import cn_date, document_sha256
from chalicelib.domain.kpis import Kpis
from chalicelib.domain.money import amount_in_words, money_str
from chalicelib.domain.obligations import PeriodState
from chalicelib.domain.signing import PARTY_LABELS
from chalicelib.domain.terms import LatePenalty, ServiceStandards, Terms, pct_str
from chalicelib.html_templates import html_templates
from chalicelib.services.documents import TITLES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "obligations"


def _env() -> Any:
    return html_templates(TEMPLATES)


def penalty_rule(clause: LatePenalty) -> str:
    cap = "" if clause.cap_pct is None else f", capped at {pct_str(clause.cap_pct)}% of the contract amount"
    if clause.mode == "daily_pct":
        return f"{pct_str(clause.rate_pct)}% of the contract amount per day late{cap}"
    return f"{pct_str(clause.rate_pct)}% of the contract amount per late period{cap}"


def _base(c: Contract, st: PeriodState, kind: str, issued_on: date) -> dict[str, Any]:
    ob, p = st.scheduled.obligation, st.period
    sender = ob.other_party
    return {
        "kind": kind,
        "title_zh": "逾期履行通知书" if kind == "overdue" else "整改通知书",
        "title_en": "Notice of late performance" if kind == "overdue" else "Rectification notice",
        "contract_no": c.contract_no,
        "contract_title": TITLES[c.template],
        "clause": ob.clause,
        "key": ob.key,
        "title": ob.title,
        "period": p.id,
        "period_start": p.start.isoformat(),
        "period_end": p.end.isoformat(),
        "due_on": p.due_on.isoformat(),
        "due_on_cn": cn_date(p.due_on),
        "addressee": c.party(ob.party).to_dict(),
        "addressee_role": PARTY_LABELS[ob.party],
        "sender": c.party(sender).to_dict(),
        "sender_role": PARTY_LABELS[sender],
        "issued_on_cn": cn_date(issued_on),
    }


def overdue_notice(c: Contract, st: PeriodState, as_of: date) -> tuple[str, str]:
    """(html, sha256) of the 逾期履行通知书 of a missed period as of `as_of`."""
    ctx = _base(c, st, "overdue", as_of) | {
        "as_of": as_of.isoformat(),
        "as_of_cn": cn_date(as_of),
        "days_late": st.days_late,
        "penalty": money_str(st.penalty) if st.penalty > 0 else None,
        "penalty_in_words": amount_in_words(st.penalty),
        "penalty_rule": penalty_rule(st.scheduled.terms.vendor_penalty),
        "daily": st.scheduled.terms.vendor_penalty.mode == "daily_pct",
    }
    html = str(_env().get_template("notice.html").render(ctx))
    return html, document_sha256(html)


def rectification_notice(
    c: Contract, st: PeriodState, kpis: Kpis, standards: ServiceStandards, consecutive: int, issued_on: date
) -> tuple[str, str]:
    rows = [
        {
            "label": "电话接通率 / Connect rate",
            "value": f"{pct_str(kpis.connect_rate_pct)}%",
            "standard": f"≥ {pct_str(standards.connect_rate_min_pct)}%",
            "breached": kpis.connect_rate_pct < standards.connect_rate_min_pct,
        },
        {
            "label": "通话质量 / Call quality",
            "value": "清晰 / clear" if kpis.call_quality_ok else "不清晰 / not clear",
            "standard": "清晰 / clear",
            "breached": not kpis.call_quality_ok,
        },
        {
            "label": "客户满意度 / Satisfaction",
            "value": f"{pct_str(kpis.satisfaction_pct)}%",
            "standard": f"≥ {pct_str(standards.satisfaction_min_pct)}%",
            "breached": kpis.satisfaction_pct < standards.satisfaction_min_pct,
        },
    ]
    from chalicelib.domain.kpis import BREACHES_FOR_TERMINATION

    ctx = _base(c, st, "rectification", issued_on) | {
        "kpi_rows": rows,
        "consecutive": consecutive,
        "termination_ground": consecutive >= BREACHES_FOR_TERMINATION,
    }
    html = str(_env().get_template("notice.html").render(ctx))
    return html, document_sha256(html)


_PERIODS = {"month": "每月", "quarter": "每季度", "year": "每年度", "once": "一次"}


def _obligations_wording(terms: Terms) -> str:
    if terms.obligations is None:
        return "按合同模板约定"
    rows = [
        f"{o.title}（{PARTY_LABELS[o.party]}，第{o.clause}条，{_PERIODS[o.period]}，期满后{o.due_days_after}日内）"
        for o in terms.obligations
    ]
    return "；".join(rows) or "无"


def _vendor_penalty_wording(terms: Terms) -> str:
    clause = terms.vendor_penalty
    cap = "" if clause.cap_pct is None else f"，累计不超过合同金额的{pct_str(clause.cap_pct)}%"
    if clause.mode == "daily_pct":
        return f"每逾期一日按合同金额的{pct_str(clause.rate_pct)}%计付{cap}"
    return f"每一逾期期间按合同金额的{pct_str(clause.rate_pct)}%计付{cap}"


def _standards_wording(terms: Terms) -> str:
    s = terms.service_standards
    if s is None:
        return "未约定"
    connect, satisfaction = pct_str(s.connect_rate_min_pct), pct_str(s.satisfaction_min_pct)
    return f"电话接通率不低于{connect}%，客户满意度不低于{satisfaction}%，通话质量清晰"


# How a 补充协议 words each 履约 term before and after (services/lifecycle.py).
PERFORMANCE_WORDING: dict[str, Callable[[Terms], str]] = {
    "obligations": _obligations_wording,
    "vendor_late_penalty": _vendor_penalty_wording,
    "incident_report_hours": lambda t: f"{t.incident_report_hours}小时",
    "service_standards": _standards_wording,
}
