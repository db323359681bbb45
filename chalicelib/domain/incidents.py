"""Incidents (危机事件, 外呼外包合同 4.1–4.4): reported to the client at once, handled by plan, communicated until
resolved. Report delay is measured against the terms' incident_report_hours; stages only move forward
(reported → plan → resolved; progress notes in between; resolved is final)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.domain.calendar import SHANGHAI, instant
from chalicelib.domain.errors import Conflict, ValidationError

SEVERITIES = ("low", "medium", "high", "critical")
STAGES = ("progress", "plan", "resolved")
_ORDER = {"reported": 0, "plan": 1, "resolved": 2}


def parse_instant(value: str, field_name: str, now: datetime) -> datetime:
    """An ISO 8601 time with its zone, not in the future, as the same instant in Asia/Shanghai (where incidents
    are kept and shown, whatever zone they were given in)."""
    try:
        at = instant(value.strip())
    except ValueError:
        raise ValidationError(
            field_name, "must be an ISO 8601 time with its zone, e.g. 2026-11-30T09:30:00+08:00"
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(field_name, "must carry its time zone (e.g. +08:00 or Z)")
    try:  # 0001-01-01T00:00+08:00 is valid ISO 8601, but before year 1 in UTC: no datetime can hold it there
        at = at.astimezone(SHANGHAI)
    except OverflowError:
        raise ValidationError(field_name, "is out of range: give a real time, e.g. 2026-11-30T09:30:00+08:00") from None
    if at > now:
        raise ValidationError(field_name, "must not be in the future")
    return at


@dataclass(frozen=True)
class IncidentUpdate:
    stage: str
    at: str
    note: str


@dataclass(frozen=True)
class Incident:
    no: int
    occurred_at: str  # ISO 8601 as given (with its zone)
    reported_at: str
    severity: str
    summary: str
    report_hours_allowed: int
    recorded_by: str
    status: str = "reported"  # reported | plan | resolved
    updates: tuple[IncidentUpdate, ...] = field(default_factory=tuple)

    @property
    def report_delay_hours(self) -> Decimal:
        seconds = (_dt(self.reported_at) - _dt(self.occurred_at)).total_seconds()
        return (Decimal(int(seconds)) / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def reported_late(self) -> bool:
        """Judged on the exact delay, not the shown one: 2 h 00 min 10 s is late against 2 hours (it shows 2.00)."""
        delay = _dt(self.reported_at) - _dt(self.occurred_at)
        return delay.total_seconds() > self.report_hours_allowed * 3600

    def is_report(self, occurred: datetime, reported: datetime, severity: str, summary: str) -> bool:
        """Whether a report of these facts is this incident's again (a retry): the same instants, in whatever zone
        they were given, severity and summary."""
        return (_dt(self.occurred_at), _dt(self.reported_at), self.severity, self.summary) == (
            occurred,
            reported,
            severity,
            summary,
        )

    def repeats_last_update(self, stage: str, at: datetime, note: str) -> bool:
        """Whether this update is the incident's last one again (a retry)."""
        last = self.updates[-1] if self.updates else None
        return last is not None and (last.stage, _dt(last.at), last.note) == (stage, at, note)

    def at_stage(self, stage: str) -> str | None:
        return next((u.at for u in self.updates if u.stage == stage), None)

    def update(self, stage: str, at: datetime, note: str) -> Incident:
        """Move forward (or add a progress note): never back, nothing after resolved, times in order."""
        if self.status == "resolved":
            raise Conflict(f"incident {self.no} is resolved; it takes no further updates", field="stage")
        if stage != "progress" and _ORDER[stage] <= _ORDER[self.status]:
            raise Conflict(f"incident {self.no} is already at {self.status}; stages only move forward", field="stage")
        last = self.updates[-1].at if self.updates else self.reported_at
        if at < _dt(last):
            raise ValidationError("at", f"must not be before the incident's last entry ({last})")
        status = self.status if stage == "progress" else stage
        return replace(self, status=status, updates=(*self.updates, IncidentUpdate(stage, at.isoformat(), note)))


def _dt(value: str) -> datetime:
    return instant(value)
