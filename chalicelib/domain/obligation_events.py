"""Events of 履约: obligations delivered, reminded and overdue, service standards breached, incidents reported and
progressed. Registered like every event (domain/event_base.py); domain/events.py re-exports them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chalicelib.domain.event_base import Event
from chalicelib.domain.kpis import Kpis


@dataclass(frozen=True)
class ObligationDelivered(Event, audit_only=True):
    """Nobody is told: the parties see it on the next view; the audit keeps it."""

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


@dataclass(frozen=True)
class DeliveryFacts:
    """What a recorded delivery says (before or after a correction)."""

    delivered_on: date
    note: str
    kpis: Kpis | None
    breaches: tuple[str, ...]


@dataclass(frozen=True)
class DeliveryCorrected(Event):
    """A recorded delivery corrected (`after`) or withdrawn (`after` None), for `reason`; kept beside the delivery
    as revision `no`, never overwriting it. The period's figures before and after are as of `as_of`, the day it
    was recorded; `grounds_*` are the termination grounds this obligation gives then."""

    key: str
    title: str
    party: str
    clause: str
    period: str
    due_on: date
    no: int
    action: str  # corrected | withdrawn
    reason: str
    before: DeliveryFacts
    after: DeliveryFacts | None
    as_of: date
    status_before: str
    status_after: str
    days_late_before: int
    days_late_after: int
    penalty_before: Decimal
    penalty_after: Decimal
    set_off: Decimal  # set-offs that claimed this period's penalty, up to as_of
    over_set_off: Decimal  # of which beyond the corrected penalty: owed back to the vendor
    grounds_before: tuple[str, ...]
    grounds_after: tuple[str, ...]

    @property
    def consequences_changed(self) -> bool:
        """Whether it changes what the other party has a stake in: lateness, the penalty, breaches, grounds."""
        breaches_after = () if self.after is None else self.after.breaches
        return (
            self.status_before != self.status_after
            or self.days_late_before != self.days_late_after
            or self.penalty_before != self.penalty_after
            or self.before.breaches != breaches_after
            or self.grounds_before != self.grounds_after
        )
