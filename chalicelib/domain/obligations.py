"""履约: the periods of each obligation inside the term, their due dates, and the status, lateness and vendor late
penalty (逾期违约金) of each period as of a day. Pure rules over the contract and its recorded deliveries
(docs/domain-rules.md, "Obligations")."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.domain.calendar import add_days
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.kpis import Kpis
from chalicelib.domain.money import quantize
from chalicelib.domain.obligation_terms import DEFAULT_OBLIGATIONS, DEFAULT_STANDARDS, Obligation
from chalicelib.domain.terms import LatePenalty, ServiceStandards, Terms

if TYPE_CHECKING:
    from chalicelib.domain.contract import Contract

REMINDER_DAYS_BEFORE = 5
ZERO = Decimal("0.00")
IN_FORCE = ("active", "terminating", "terminated", "expired")
_PERIOD_ID = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])|([0-9]{4})-Q([1-4])|([0-9]{4})|once")


def with_template_defaults(template: str, terms: Terms) -> Terms:
    """Omitted obligation terms take the template's (the seeds'): its obligations and, for the outbound-call
    contract, the service standards of 外呼外包合同 3.2."""
    changes: dict[str, object] = {}
    if terms.obligations is None:
        changes["obligations"] = DEFAULT_OBLIGATIONS[template]
    if terms.service_standards is None and template == "outbound-call-outsourcing":
        changes["service_standards"] = ServiceStandards(**DEFAULT_STANDARDS)
    return terms.with_changes(**changes) if changes else terms


PERFORMANCE_FIELDS = ("obligations", "vendor_late_penalty", "incident_report_hours", "service_standards")


def performance_changes(given: Mapping[str, object], field: str) -> dict[str, object]:
    """A supplementary agreement's changes of the 履约 terms, each checked by the terms' own parser, in wire shape."""
    from chalicelib.domain.obligation_terms import parse_incident_report_hours, parse_obligations

    out: dict[str, object] = {}
    if "obligations" in given:
        parsed = parse_obligations(given["obligations"], f"{field}.obligations") or ()
        out["obligations"] = [o.to_dict() for o in parsed]
    if "vendor_late_penalty" in given:
        out["vendor_late_penalty"] = LatePenalty.parse(
            given["vendor_late_penalty"], f"{field}.vendor_late_penalty"
        ).to_dict()
    if "incident_report_hours" in given:
        out["incident_report_hours"] = parse_incident_report_hours(
            given["incident_report_hours"], f"{field}.incident_report_hours"
        )
    if "service_standards" in given:
        standards = ServiceStandards.parse(given["service_standards"], f"{field}.service_standards")
        assert standards is not None
        out["service_standards"] = standards.to_dict()
    return out


def obligations_of(template: str, terms: Terms) -> tuple[Obligation, ...]:
    return DEFAULT_OBLIGATIONS.get(template, ()) if terms.obligations is None else terms.obligations


def standards_of(terms: Terms) -> ServiceStandards:
    return terms.service_standards or ServiceStandards(**DEFAULT_STANDARDS)


# ---- periods ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """One period of an obligation: calendar month/quarter/year (or the whole term) clipped to the term."""

    id: str
    start: date
    end: date
    due_on: date

    @property
    def reminder_on(self) -> date:
        return add_days(self.due_on, -REMINDER_DAYS_BEFORE)


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _calendar(kind: str, first: date, last: date) -> Iterator[tuple[str, date, date]]:
    if kind == "once":
        yield "once", first, last
        return
    step = {"month": 1, "quarter": 3, "year": 12}[kind]
    year, month = first.year, ((first.month - 1) // step) * step + 1
    while date(year, month, 1) <= last:
        end = _month_end(year + (month + step - 2) // 12, (month + step - 2) % 12 + 1)
        pid = {"month": f"{year}-{month:02d}", "quarter": f"{year}-Q{(month - 1) // 3 + 1}", "year": f"{year}"}[kind]
        yield pid, max(first, date(year, month, 1)), min(last, end)
        month += step
        if month > 12:
            year, month = year + 1, month - 12


def periods(ob: Obligation, first: date, last: date) -> list[Period]:
    """The obligation's periods between the term's first and last day (both included; partial ones too)."""
    return list(_periods(ob.period, ob.due_days_after, first, last))


@lru_cache(maxsize=512)
def _periods(kind: str, due_days_after: int, first: date, last: date) -> tuple[Period, ...]:
    """Pure calendar arithmetic, asked again on every commit of a contract in force (its next check day): kept per
    (period kind, due days, term) — a handful per portfolio, since terms start on few days."""
    return tuple(Period(pid, s, e, add_days(e, due_days_after)) for pid, s, e in _calendar(kind, first, last))


def check_period_id(value: str, field: str) -> str:
    if not _PERIOD_ID.fullmatch(value):
        raise ValidationError(field, "must be a period id: YYYY-MM, YYYY-Qn, YYYY or once")
    return value


def term_window(c: Contract) -> tuple[date, date] | None:
    """First and last day of the obligations: the effective date to the end of term (or the day before the
    contract ended early)."""
    if c.effective_date is None or c.status not in IN_FORCE:
        return None
    last = c.end_date
    assert last is not None
    if c.closed_on is not None:
        last = min(last, add_days(c.closed_on, -1))
    return c.effective_date, last


@dataclass(frozen=True)
class Scheduled:
    """An obligation with its periods, each governed by the terms in force on the period's first day."""

    obligation: Obligation
    terms: Terms
    period: Period


def _in_force(c: Contract) -> Iterator[tuple[Obligation, Terms, Iterator[Period]]]:
    """Per terms version and obligation: the periods (in order) that start while that version is in force."""
    window = term_window(c)
    if window is None:
        return
    first, last = window
    versions = c.terms_versions
    for i, version in enumerate(versions):
        start = max(first, version.effective_from or first)
        nxt = next((v.effective_from for v in versions[i + 1 :] if v.effective_from is not None), None)
        stop = last if nxt is None else min(last, add_days(nxt, -1))
        for ob in obligations_of(c.template, version.terms):
            ps = _periods(ob.period, ob.due_days_after, first, last)
            yield ob, version.terms, (p for p in ps if start <= p.start <= stop)


def schedule(c: Contract) -> list[Scheduled]:
    """Every (obligation, period) of the contract, in obligation order then period order."""
    out: dict[str, list[Scheduled]] = {}
    for ob, terms, ps in _in_force(c):
        out.setdefault(ob.key, []).extend(Scheduled(ob, terms, p) for p in ps)
    return [s for items in out.values() for s in items]


def find_scheduled(c: Contract, key: str, period_id: str) -> Scheduled:
    items = [s for s in schedule(c) if s.obligation.key == key]
    if not items:
        known = {o.key for v in c.terms_versions for o in obligations_of(c.template, v.terms)}
        if key in known:
            raise ValidationError("period", f"obligation {key!r} has no period inside the term")
        raise ValidationError("key", f"contract {c.contract_no} has no obligation {key!r}")
    for s in items:
        if s.period.id == period_id:
            return s
    raise ValidationError(
        "period",
        f"{period_id} is not a period of obligation {key!r} inside the term "
        f"({items[0].period.id} to {items[-1].period.id})",
    )


def next_check_on(c: Contract) -> date | None:
    """The next day the daily job must look at this contract: a reminder day or the day after a due date, after
    the last day it ran for.

    Asked on every commit, so it does not build the schedule: an obligation's periods come in order with rising
    reminder days, so its walk stops at the first reminder day not before the best day found so far."""
    after = c.obligations_checked_on
    best: date | None = None
    for _, _, ps in _in_force(c):
        for p in ps:
            remind, day_after_due = p.reminder_on, add_days(p.due_on, 1)
            if best is not None and remind >= best:
                break
            for d in (remind, day_after_due):
                if (after is None or d > after) and (best is None or d < best):
                    best = d
    return best


# ---- deliveries and status -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    """A period's delivery as recorded (by the operator or the responsible party through its link)."""

    key: str
    period: str
    delivered_on: date
    recorded_at: str
    recorded_by: str
    note: str = ""
    kpis: Kpis | None = None
    breaches: tuple[str, ...] = ()


def vendor_penalty(clause: LatePenalty, contract_amount: Decimal, days_late: int) -> Decimal:
    """逾期违约金 of a late period: contract_pct once, daily_pct per day late, both of the contract amount and
    capped at cap_pct of the contract amount."""
    if days_late <= 0:
        return ZERO
    rate = clause.rate_pct / Decimal(100)
    penalty = contract_amount * rate if clause.mode == "contract_pct" else contract_amount * rate * days_late
    if clause.cap_pct is not None:
        penalty = min(penalty, contract_amount * clause.cap_pct / Decimal(100))
    return quantize(penalty)


@dataclass
class PeriodState:
    scheduled: Scheduled
    status: str  # upcoming | due | delivered | late | missed
    delivery: Delivery | None
    days_late: int
    penalty: Decimal
    set_off: Decimal = ZERO
    reminders: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.scheduled.obligation.key

    @property
    def period(self) -> Period:
        return self.scheduled.period

    @property
    def overdue(self) -> bool:
        return self.status in ("late", "missed")


def period_state(c: Contract, s: Scheduled, delivery: Delivery | None, as_of: date) -> PeriodState:
    """The period as of `as_of`: a delivery dated after `as_of` is not yet known."""
    p = s.period
    if delivery is not None and delivery.delivered_on > as_of:
        delivery = None
    if delivery is not None:
        days = max(0, (delivery.delivered_on - p.due_on).days)
        status = "late" if days else "delivered"
    elif as_of > p.due_on:
        days, status = (as_of - p.due_on).days, "missed"
    else:
        days, status = 0, "upcoming" if as_of <= p.end else "due"
    penalty = ZERO
    if s.obligation.party == "vendor" and days:
        amount = c.contract_amount_on(add_days(p.due_on, 1))
        penalty = vendor_penalty(s.terms.vendor_penalty, amount, days)
    return PeriodState(s, status, delivery, days, penalty)


def states(
    c: Contract,
    deliveries: Mapping[tuple[str, str], Delivery],
    as_of: date,
    set_offs: Mapping[str, Decimal] | None = None,
) -> list[PeriodState]:
    """Every period that has started by `as_of`, with its status; `set_offs` by claim (obligation:key:period)."""
    out = []
    for s in schedule(c):
        if s.period.start > as_of:
            continue
        st = period_state(c, s, deliveries.get((s.obligation.key, s.period.id)), as_of)
        if set_offs:
            st = replace(st, set_off=set_offs.get(claim_of(st.key, st.period.id), ZERO))
        out.append(st)
    return out


def claim_of(key: str, period_id: str) -> str:
    """How a set-off names the vendor penalty it deducts (`claim` of POST /contracts/{id}/set-offs)."""
    return f"obligation:{key}:{period_id}"


# ---- termination grounds -------------------------------------------------------------------------------------
GROUND_CLAUSES = {
    "quality_below_standard": "外呼外包合同 3.2、6.2；违约行为 2",
    "client_data_not_provided": "客户服务管理合同 3.2；违约行为 5",
}


def breach_streak(items: list[PeriodState], upto: int) -> list[PeriodState]:
    """The consecutive breached KPI periods ending at index `upto` (a period without a breached report ends it)."""
    run: list[PeriodState] = []
    for st in reversed(items[: upto + 1]):
        if st.delivery is None or not st.delivery.breaches:
            break
        run.insert(0, st)
    return run


def breach_run(items: list[PeriodState], at: int) -> list[PeriodState]:
    """The whole run of consecutive breached KPI periods that index `at` belongs to: the streak ending there and
    the breached periods right after it (already delivered when an earlier period comes in late)."""
    run = breach_streak(items, at)
    for st in items[at + 1 :]:
        if not run or st.delivery is None or not st.delivery.breaches:
            break
        run.append(st)
    return run


def _evidence(st: PeriodState) -> dict[str, object]:
    d = st.delivery
    return {
        "obligation": st.key,
        "period": st.period.id,
        "due_on": st.period.due_on.isoformat(),
        "status": st.status,
        "days_late": st.days_late,
        "delivered_on": None if d is None else d.delivered_on.isoformat(),
        "kpis": None if d is None or d.kpis is None else d.kpis.to_dict(),
        "breaches": [] if d is None else list(d.breaches),
    }


def termination_grounds(period_states: list[PeriodState]) -> list[dict[str, object]]:
    """The grounds each party has as of the states' day: the client's `quality_below_standard` after
    BREACHES_FOR_TERMINATION consecutive breached KPI periods (the longest such run is the evidence); the vendor's
    `client_data_not_provided` while a client data period is missed or was late (each such period is evidence)."""
    from chalicelib.domain.kpis import BREACHES_FOR_TERMINATION

    grounds: list[dict[str, object]] = []
    by_key: dict[str, list[PeriodState]] = {}
    for st in period_states:
        by_key.setdefault(st.key, []).append(st)
    for key, items in by_key.items():
        if items[0].scheduled.obligation.kind != "kpi":
            continue
        best = max((breach_streak(items, i) for i in range(len(items))), key=len, default=[])
        if len(best) >= BREACHES_FOR_TERMINATION:
            grounds.append(_ground("client", "quality_below_standard", key, best))
    data = [st for st in period_states if st.scheduled.obligation.kind == "data" and st.overdue]
    for key in dict.fromkeys(st.key for st in data):
        grounds.append(_ground("vendor", "client_data_not_provided", key, [st for st in data if st.key == key]))
    return grounds


def _ground(party: str, code: str, key: str, evidence: list[PeriodState]) -> dict[str, object]:
    return {
        "party": party,
        "code": code,
        "clause": GROUND_CLAUSES[code],
        "obligation": key,
        "evidence": [_evidence(st) for st in evidence],
    }
