"""What the obligations and incidents use cases are asked to do (parsed by chalicelib/api/obligation_requests.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chalicelib.domain.kpis import Kpis


@dataclass(frozen=True)
class RecordDelivery:
    period: str
    delivered_on: date
    note: str = ""
    kpis: Kpis | None = None


@dataclass(frozen=True)
class CorrectDelivery:
    """Correct a recorded delivery (the values given; the others stay) or withdraw it, for `reason`."""

    reason: str
    withdrawn: bool = False
    delivered_on: date | None = None
    note: str | None = None  # "" clears the note
    kpis: Kpis | None = None


@dataclass(frozen=True)
class ReportIncident:
    occurred_at: str
    reported_at: str
    severity: str
    summary: str


@dataclass(frozen=True)
class UpdateIncident:
    stage: str
    at: str
    note: str
