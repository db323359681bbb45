"""Events of 履约: obligations delivered, reminded and overdue, service standards breached, incidents reported and
progressed. Registered like every event (domain/event_base.py); domain/events.py re-exports them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chalicelib.domain.event_base import Event
from chalicelib.domain.kpis import Kpis


@dataclass(frozen=True)
class ObligationDelivered(Event):
    key: str
    title: str
    party: str
    period: str
    due_on: date
    delivered_on: date
    days_late: int
    penalty: Decimal
    note: str
    kpis: Kpis | None
    via: str  # operator | link


@dataclass(frozen=True)
class ObligationReminder(Event):
    """Sent to the responsible party REMINDER_DAYS_BEFORE days before the due date, with its submit link (derived
    from the contract, key and period; no link material is carried here)."""

    key: str
    title: str
    party: str
    clause: str
    period: str
    period_start: date
    period_end: date
    due_on: date


@dataclass(frozen=True)
class ObligationOverdue(Event):
    """逾期履行通知书: a period not delivered by its due date; to the other party, the operator and the party late."""

    in_words = ("penalty",)
    key: str
    title: str
    party: str
    clause: str
    period: str
    period_start: date
    period_end: date
    due_on: date
    as_of: date
    days_late: int
    penalty: Decimal
    penalty_rule: str
    document: str
    document_sha256: str


@dataclass(frozen=True)
class ServiceStandardBreached(Event):
    """A KPI report below the service standards: 整改通知书 issued; `consecutive` breached periods so far."""

    key: str
    period: str
    kpis: Kpis
    breaches: tuple[str, ...]
    connect_rate_min_pct: Decimal
    satisfaction_min_pct: Decimal
    consecutive: int
    termination_ground: bool
    document: str
    document_sha256: str


@dataclass(frozen=True)
class IncidentReported(Event):
    no: int
    occurred_at: str
    reported_at: str
    severity: str
    summary: str
    report_delay_hours: Decimal
    report_hours_allowed: int
    reported_late: bool


@dataclass(frozen=True)
class IncidentUpdated(Event):
    no: int
    stage: str
    at: str
    note: str
    status: str
