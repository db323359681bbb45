"""Corrections of recorded deliveries (履约): a correction, a withdrawal, or a delivery again after a withdrawal is a
revision kept beside the delivery it changes, never an overwrite of it; which revisions a view as of a day knows;
and the rules a corrected delivery is held to (the same as a delivery's). docs/domain-rules.md, "Corrections"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from chalicelib.domain.calendar import SHANGHAI, instant, today_shanghai
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.kpis import Kpis, breaches
from chalicelib.domain.obligations import Delivery, Scheduled, standards_of

CORRECTED, WITHDRAWN, REDELIVERED = "corrected", "withdrawn", "redelivered"


def check_delivered_on(s: Scheduled, delivered_on: date, today: date) -> None:
    """A delivery's date lies between its period's first day and today."""
    if delivered_on < s.period.start:
        raise ValidationError("delivered_on", f"must not be before the period starts ({s.period.start.isoformat()})")
    if delivered_on > today:
        raise ValidationError("delivered_on", f"must not be after today ({today.isoformat()})")


def check_kpis(s: Scheduled, kpis: Kpis | None, *, required: bool) -> None:
    """Only a KPI report carries kpis, and a delivery of one must (a correction may leave them as they were)."""
    ob = s.obligation
    if ob.kind == "kpi" and kpis is None and required:
        raise ValidationError("kpis", f"is required: {ob.key!r} is a KPI report")
    if ob.kind != "kpi" and kpis is not None:
        raise ValidationError("kpis", f"only a KPI report carries kpis; {ob.key!r} is a {ob.kind}")


@dataclass(frozen=True)
class DeliveryRevision:
    """One change of a period's recorded delivery, numbered from 1 in the order recorded. `after` is the delivery
    as it stands after the change (None: withdrawn); what it stood at before is the previous revision's `after`
    (or the first delivery)."""

    key: str
    period: str
    no: int
    at: str  # when it was recorded (UTC)
    actor: str
    action: str  # corrected | withdrawn | redelivered
    reason: str
    after: Delivery | None = None

    @property
    def recorded_on(self) -> date:
        """The Asia/Shanghai day it was recorded: from this day on, views as of a day know it."""
        return today_shanghai(instant(self.at))

    @property
    def local_at(self) -> str:
        return instant(self.at).astimezone(SHANGHAI).isoformat()


@dataclass(frozen=True)
class DeliveryHistory:
    """A period's first recorded delivery and every revision of it since, in recorded order."""

    first: Delivery
    revisions: tuple[DeliveryRevision, ...] = ()

    @property
    def current(self) -> Delivery | None:
        return self.revisions[-1].after if self.revisions else self.first

    @property
    def last(self) -> DeliveryRevision | None:
        return self.revisions[-1] if self.revisions else None

    def steps(self) -> list[tuple[DeliveryRevision, Delivery | None]]:
        """Each revision with the delivery as it stood before it."""
        before: Delivery | None = self.first
        out = []
        for rev in self.revisions:
            out.append((rev, before))
            before = rev.after
        return out

    def known_on(self, as_of: date) -> DeliveryHistory:
        """The history as the records stood at the end of `as_of`: revisions recorded later are not yet known.
        (The first delivery counts from the day it is dated, however late it was recorded, as it always has.)"""
        known = []
        for rev in self.revisions:
            if rev.recorded_on > as_of:
                break
            known.append(rev)
        return replace(self, revisions=tuple(known))

    def with_revision(self, rev: DeliveryRevision) -> DeliveryHistory:
        return replace(self, revisions=(*self.revisions, rev))


Histories = Mapping[tuple[str, str], DeliveryHistory]


def deliveries_known_on(histories: Histories, as_of: date | None) -> dict[tuple[str, str], Delivery]:
    """Each period's delivery as known at the end of `as_of` (None: as now recorded), withdrawn ones left out."""
    out = {}
    for k, h in histories.items():
        d = h.current if as_of is None else h.known_on(as_of).current
        if d is not None:
            out[k] = d
    return out


def corrected(
    s: Scheduled,
    current: Delivery,
    today: date,
    *,
    delivered_on: date | None = None,
    note: str | None = None,
    kpis: Kpis | None = None,
) -> Delivery:
    """The delivery with the given values changed (the others as they were), held to a delivery's rules; its
    breaches judged again against the period's standards."""
    day = current.delivered_on if delivered_on is None else delivered_on
    check_delivered_on(s, day, today)
    check_kpis(s, kpis, required=False)
    new_kpis = current.kpis if kpis is None else kpis
    found = () if new_kpis is None else breaches(new_kpis, standards_of(s.terms))
    return replace(
        current,
        delivered_on=day,
        note=current.note if note is None else note,
        kpis=new_kpis,
        breaches=found,
    )
