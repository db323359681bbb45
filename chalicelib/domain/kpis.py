"""Service-level figures of a KPI report (外呼外包合同 3.2, 6.2: connect rate, call quality, satisfaction) and how
they are judged against the contract's service standards."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.terms import ServiceStandards

# 3 consecutive breached periods give the client the ground `quality_below_standard`.
BREACHES_FOR_TERMINATION = 3


@dataclass(frozen=True)
class Kpis:
    connect_rate_pct: Decimal
    satisfaction_pct: Decimal
    call_quality_ok: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "connect_rate_pct": format(self.connect_rate_pct, "f"),
            "satisfaction_pct": format(self.satisfaction_pct, "f"),
            "call_quality_ok": self.call_quality_ok,
        }


def breaches(kpis: Kpis, standards: ServiceStandards) -> tuple[str, ...]:
    """The standards a report falls below (empty: it meets them all)."""
    out = []
    if kpis.connect_rate_pct < standards.connect_rate_min_pct:
        out.append("connect_rate")
    if not kpis.call_quality_ok:
        out.append("call_quality")
    if kpis.satisfaction_pct < standards.satisfaction_min_pct:
        out.append("satisfaction")
    return tuple(out)
