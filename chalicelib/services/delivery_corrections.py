"""Correct or withdraw a recorded delivery (履约). The revision is kept beside the delivery it changes (never an
overwrite); the period's status, days late, penalty, breaches and grounds follow the corrected facts; the parties
hear of it (DeliveryCorrected); a report newly below standard gets its 整改通知书 if its period has none yet; a
withdrawn period goes back to the daily job. docs/domain-rules.md, "Corrections of deliveries"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.calendar import add_days
from chalicelib.domain.contract import Contract
from chalicelib.domain.delivery_history import CORRECTED, WITHDRAWN, DeliveryHistory, DeliveryRevision, corrected
from chalicelib.domain.errors import Conflict
from chalicelib.domain.money import quantize
from chalicelib.domain.obligation_events import DeliveryCorrected, DeliveryFacts
from chalicelib.domain.obligations import (
    ZERO,
    Delivery,
    PeriodState,
    Scheduled,
    claim_of,
    period_state,
    states,
    termination_grounds,
)
from chalicelib.services import obligation_store as store
from chalicelib.services.base import Deps
from chalicelib.services.correction_views import corrections_view
from chalicelib.services.obligation_commands import CorrectDelivery
from chalicelib.services.obligations import (
    period_response,
    rectification_issued,
    scheduled_period,
    set_offs_by_claim,
    stage_breach,
)
from chalicelib.services.unit_of_work import UnitOfWork, run

Deliveries = dict[tuple[str, str], Delivery]


def _change(s: Scheduled, current: Delivery, cmd: CorrectDelivery, today: date) -> Delivery | None:
    if cmd.withdrawn:
        return None
    return corrected(s, current, today, delivered_on=cmd.delivered_on, note=cmd.note, kpis=cmd.kpis)


def _retried(history: DeliveryHistory | None, cmd: CorrectDelivery) -> bool:
    """The same correction (or withdrawal) again, with nothing left to change: it gets the same reply."""
    last = None if history is None else history.last
    action = WITHDRAWN if cmd.withdrawn else CORRECTED
    return last is not None and last.action == action and last.reason == cmd.reason


def correct_delivery(
    deps: Deps, contract_id: str, key: str, period: str, cmd: CorrectDelivery, actor: str
) -> dict[str, Any]:
    """201 reply: the period as it now stands with its corrections. Two corrections racing: the later one is run
    again on top of the earlier (its `before` is what the earlier left), or a 409 when that one withdrew it."""

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        contract = uow.contract(contract_id)
        s = scheduled_period(contract, key, period, unknown_period="not_found")
        records = store.load(deps.repo, contract_id)
        history = records.histories.get((key, period))
        current = None if history is None else history.current
        today = deps.today()
        if current is None:
            if cmd.withdrawn and _retried(history, cmd):
                return _reply(deps, contract, s, records, today)
            raise Conflict(f"{key} {period} has no delivery to correct", field="period")
        assert history is not None
        after = _change(s, current, cmd, today)
        if after == current:
            if _retried(history, cmd):
                return _reply(deps, contract, s, records, today)
            raise Conflict(f"nothing to correct: {key} {period} already stands as given", field="period")
        action = WITHDRAWN if after is None else CORRECTED
        rev = DeliveryRevision(
            key, period, len(history.revisions) + 1, deps.now_iso(), actor, action, cmd.reason, after
        )
        before_deliveries = dict(records.deliveries)
        records.histories[(key, period)] = history.with_revision(rev)
        records.deliveries = {k: v for k, v in before_deliveries.items() if k != (key, period)}
        if after is not None:
            records.deliveries[(key, period)] = after
        set_off = set_offs_by_claim(deps, contract_id, today).get(claim_of(key, period), ZERO)
        uow.raise_event(_event(contract, s, rev, current, (before_deliveries, records.deliveries), set_off, today))
        after_st = period_state(contract, s, after, today)
        if after is not None and after.breaches and not rectification_issued(deps, contract_id, key, period):
            stage_breach(uow, contract, records.deliveries, after_st, today)
        if after is None:
            _back_to_the_job(contract, s)
        uow.staged.items.append(store.revision_item(contract_id, rev))
        uow.commit()
        return _reply(deps, contract, s, records, today, set_off)

    return run(deps, actor, attempt)


def _back_to_the_job(contract: Contract, s: Scheduled) -> None:
    """A withdrawn period is undelivered again: the daily job looks at the contract again from the period's
    reminder day, so its reminder or 逾期履行通知书 goes out once (its marks say whether it already did)."""
    since = add_days(s.period.reminder_on, -1)
    if contract.obligations_checked_on is not None and contract.obligations_checked_on > since:
        contract.obligations_checked_on = since


def _grounds(contract: Contract, deliveries: Deliveries, key: str, on: date) -> tuple[str, ...]:
    items = [st for st in states(contract, deliveries, on) if st.key == key]
    return tuple(str(g["code"]) for g in termination_grounds(items))


def _facts(d: Delivery) -> DeliveryFacts:
    return DeliveryFacts(d.delivered_on, d.note, d.kpis, d.breaches)


def _event(
    contract: Contract,
    s: Scheduled,
    rev: DeliveryRevision,
    before: Delivery,
    deliveries: tuple[Deliveries, Deliveries],
    set_off: Decimal,
    today: date,
) -> DeliveryCorrected:
    """The event of revision `rev`, with the period's figures before and after it as of `today`."""
    ob, p = s.obligation, s.period
    old, new = period_state(contract, s, before, today), period_state(contract, s, rev.after, today)
    return DeliveryCorrected(
        key=ob.key,
        title=ob.title,
        party=ob.party,
        clause=ob.clause,
        period=p.id,
        due_on=p.due_on,
        no=rev.no,
        action=rev.action,
        reason=rev.reason,
        before=_facts(before),
        after=None if rev.after is None else _facts(rev.after),
        as_of=today,
        status_before=old.status,
        status_after=new.status,
        days_late_before=old.days_late,
        days_late_after=new.days_late,
        penalty_before=old.penalty,
        penalty_after=new.penalty,
        set_off=set_off,
        over_set_off=max(ZERO, quantize(set_off - new.penalty)),
        grounds_before=_grounds(contract, deliveries[0], ob.key, today),
        grounds_after=_grounds(contract, deliveries[1], ob.key, today),
    )


def _reply(
    deps: Deps,
    contract: Contract,
    s: Scheduled,
    records: store.ObligationRecords,
    today: date,
    set_off: Decimal | None = None,
) -> dict[str, Any]:
    key, pid = s.obligation.key, s.period.id
    st: PeriodState = period_state(contract, s, records.deliveries.get((key, pid)), today)
    st.set_off = (
        set_offs_by_claim(deps, contract.id, today).get(claim_of(key, pid), ZERO) if set_off is None else set_off
    )
    return {
        "contract_id": contract.id,
        "obligation": key,
        "as_of": today.isoformat(),
        **period_response(st),
        **corrections_view(records.histories, st, None),
    }
