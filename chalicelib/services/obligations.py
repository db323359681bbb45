"""履约 use cases: record a period's delivery (by the operator, or by the responsible party through its link), and
what staff read: each obligation with its periods as of a day, and the termination grounds they give."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.contract import Contract
from chalicelib.domain.delivery_history import REDELIVERED, DeliveryRevision, check_delivered_on, check_kpis
from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.kpis import breaches
from chalicelib.domain.ledger_facts import SetOff
from chalicelib.domain.money import money_str, quantize
from chalicelib.domain.obligation_events import ObligationDelivered, ServiceStandardBreached
from chalicelib.domain.obligations import (
    ZERO,
    Delivery,
    PeriodState,
    Scheduled,
    breach_run,
    find_scheduled,
    obligations_of,
    period_state,
    standards_of,
    states,
    term_window,
    termination_grounds,
)
from chalicelib.services import obligation_store as store
from chalicelib.services.base import Deps
from chalicelib.services.correction_views import corrections_view
from chalicelib.services.obligation_commands import RecordDelivery
from chalicelib.services.obligation_documents import rectification_notice
from chalicelib.services.unit_of_work import UnitOfWork, run


# ---- recording a delivery -----------------------------------------------------------------------------------
def scheduled_period(contract: Contract, key: str, period: str, *, unknown_period: str = "invalid") -> Scheduled:
    """The obligation's period of a contract in force (else 409). An unknown obligation is a 404; a period outside
    the term a 400 naming `period` — or, with `unknown_period="not_found"` (correcting a delivery that cannot
    exist), a 404 naming the period."""
    if term_window(contract) is None:
        raise Conflict(f"contract {contract.contract_no} is not in force (status {contract.status})")
    try:
        return find_scheduled(contract, key, period)
    except ValidationError as exc:
        if exc.field == "key":
            raise NotFound("obligation", key) from None
        if unknown_period == "not_found":
            raise NotFound("period", f"{key} {period}") from None
        raise


def _check(s: Scheduled, cmd: RecordDelivery, today: date) -> None:
    check_delivered_on(s, cmd.delivered_on, today)
    check_kpis(s, cmd.kpis, required=True)


def _same(d: Delivery, cmd: RecordDelivery) -> bool:
    return d.delivered_on == cmd.delivered_on and d.note == cmd.note and d.kpis == cmd.kpis


def record_delivery(
    deps: Deps, contract_id: str, key: str, cmd: RecordDelivery, actor: str, via: str = "operator"
) -> dict[str, Any]:
    """201 reply of a delivery; an identical retry gets the same reply, another one for a delivered period a 409.
    A period whose delivery was withdrawn can be delivered again: kept as a revision beside the withdrawn one."""

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        contract = uow.contract(contract_id)
        s = scheduled_period(contract, key, cmd.period)
        records = store.load(deps.repo, contract_id)
        history = records.histories.get((key, cmd.period))
        existing = records.deliveries.get((key, cmd.period))
        if existing is not None:
            if _same(existing, cmd):
                return delivery_response(contract, period_state(contract, s, existing, existing.delivered_on))
            raise Conflict(f"{key} {cmd.period} was already delivered on {existing.delivered_on}", field="period")
        _check(s, cmd, deps.today())
        found = () if cmd.kpis is None else breaches(cmd.kpis, standards_of(s.terms))
        delivery = Delivery(key, cmd.period, cmd.delivered_on, deps.now_iso(), actor, cmd.note, cmd.kpis, found)
        records.deliveries[(key, cmd.period)] = delivery
        st = period_state(contract, s, delivery, cmd.delivered_on)
        uow.raise_event(
            ObligationDelivered(
                key=key,
                title=s.obligation.title,
                party=s.obligation.party,
                period=cmd.period,
                due_on=s.period.due_on,
                delivered_on=cmd.delivered_on,
                days_late=st.days_late,
                penalty=st.penalty,
                note=cmd.note,
                kpis=cmd.kpis,
                via=via,
            )
        )
        if found and (history is None or not rectification_issued(deps, contract_id, key, cmd.period)):
            stage_breach(uow, contract, records.deliveries, st, deps.today())
        if history is None:
            uow.staged.items.append(store.delivery_item(contract_id, delivery))
        else:  # delivered again after a withdrawal
            no = len(history.revisions) + 1
            again = DeliveryRevision(key, cmd.period, no, delivery.recorded_at, actor, REDELIVERED, "", delivery)
            uow.staged.items.append(store.revision_item(contract_id, again))
        uow.commit()
        return delivery_response(contract, st)

    return run(deps, actor, attempt)


def rectification_issued(deps: Deps, contract_id: str, key: str, period: str) -> bool:
    """Whether the period's 整改通知书 exists: it is issued once per period, whatever is recorded after it."""
    try:
        deps.repo.get_document(contract_id, rectification_key(key, period))
    except NotFound:
        return False
    return True


def rectification_key(key: str, period: str) -> str:
    return f"rectification:{key}:{period}"


def stage_breach(
    uow: UnitOfWork, contract: Contract, deliveries: dict[tuple[str, str], Delivery], st: PeriodState, today: date
) -> None:
    """整改通知书 and ServiceStandardBreached, with how many periods in a row are now below standard."""
    assert st.delivery is not None and st.delivery.kpis is not None
    as_of = max(today, st.delivery.delivered_on)
    items = [x for x in states(contract, deliveries, as_of) if x.key == st.key]
    index = next(i for i, x in enumerate(items) if x.period.id == st.period.id)
    consecutive = len(breach_run(items, index))  # the run it is part of, later periods delivered earlier included
    standards = standards_of(st.scheduled.terms)
    html, sha = rectification_notice(contract, st, st.delivery.kpis, standards, consecutive, today)
    doc = rectification_key(st.key, st.period.id)
    uow.add_document(doc, html, sha)
    from chalicelib.domain.kpis import BREACHES_FOR_TERMINATION

    uow.raise_event(
        ServiceStandardBreached(
            key=st.key,
            period=st.period.id,
            kpis=st.delivery.kpis,
            breaches=st.delivery.breaches,
            connect_rate_min_pct=standards.connect_rate_min_pct,
            satisfaction_min_pct=standards.satisfaction_min_pct,
            consecutive=consecutive,
            termination_ground=consecutive >= BREACHES_FOR_TERMINATION,
            document=doc,
            document_sha256=sha,
        )
    )


# ---- what staff read ----------------------------------------------------------------------------------------
def delivery_response(contract: Contract, st: PeriodState) -> dict[str, Any]:
    return {"contract_id": contract.id, "obligation": st.key, **period_response(st)}


def period_response(st: PeriodState) -> dict[str, Any]:
    p, d = st.period, st.delivery
    settled = min(st.set_off, st.penalty)
    return {
        "period": p.id,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "due_on": p.due_on.isoformat(),
        "status": st.status,
        "delivered_on": None if d is None else d.delivered_on.isoformat(),
        "days_late": st.days_late,
        "kpis": None if d is None or d.kpis is None else d.kpis.to_dict(),
        "breaches": [] if d is None else list(d.breaches),
        "note": None if d is None else d.note,
        "recorded_by": None if d is None else d.recorded_by,
        "penalty": {
            "amount": money_str(st.penalty),
            "set_off": money_str(settled),
            "outstanding": money_str(quantize(st.penalty - settled)),
            "settled": st.penalty > 0 and settled >= st.penalty,
            # set off beyond the penalty (a correction lowered it after the client deducted it): owed back
            "over_set_off": money_str(quantize(st.set_off - settled)),
            "claim": f"obligation:{st.key}:{p.id}",
        },
    }


def set_offs_by_claim(deps: Deps, contract_id: str, as_of: date) -> dict[str, Decimal]:
    """Set-offs that name an obligation's penalty (claim obligation:<key>:<period>), dated on or before `as_of`."""
    out: dict[str, Decimal] = {}
    for fact in deps.repo.load_ledger(contract_id).facts:
        if isinstance(fact, SetOff) and fact.claim and fact.claim.startswith("obligation:") and fact.on <= as_of:
            out[fact.claim] = out.get(fact.claim, ZERO) + fact.amount
    return out


def _load_states(
    deps: Deps, contract: Contract, as_of: date, *, money: bool
) -> tuple[list[PeriodState], store.ObligationRecords]:
    """The periods as of `as_of`, as the records stood at the end of that day (later corrections not yet known)."""
    records = store.load(deps.repo, contract.id)
    set_offs = set_offs_by_claim(deps, contract.id, as_of) if money else None
    return states(contract, records.deliveries_on(as_of), as_of, set_offs), records


def obligations_response(deps: Deps, contract_id: str, as_of: date) -> dict[str, Any]:
    contract = deps.repo.get_contract(contract_id)
    period_states, records = _load_states(deps, contract, as_of, money=True)
    by_key: dict[str, list[PeriodState]] = {}
    for st in period_states:
        by_key.setdefault(st.key, []).append(st)
    terms = contract.terms_on(as_of) if contract.effective_date else contract.current_terms
    # The obligations in force, then any an agreement dropped that still has periods (their history stays).
    shown = {ob.key: ob for ob in obligations_of(contract.template, terms)}
    for st in period_states:
        shown.setdefault(st.key, st.scheduled.obligation)
    out = []
    for ob in shown.values():
        items = by_key.get(ob.key, [])
        penalty = quantize(sum((st.penalty for st in items), ZERO))
        out.append(
            {
                **ob.to_dict(),
                "penalty_total": money_str(penalty),
                "periods": [{**period_response(st), **corrections_view(records.histories, st, as_of)} for st in items],
            }
        )
    return {
        "contract_id": contract.id,
        "contract_no": contract.contract_no,
        "as_of": as_of.isoformat(),
        "vendor_late_penalty": terms.vendor_penalty.to_dict(),
        "service_standards": standards_of(terms).to_dict(),
        "incident_report_hours": terms.incident_report_hours,
        "obligations": out,
        "termination_grounds": termination_grounds(period_states),
    }


def contract_grounds(deps: Deps, contract: Contract, as_of: date) -> list[dict[str, object]]:
    """termination_grounds for the contract view (GET /contracts/{id})."""
    if term_window(contract) is None:
        return []
    return termination_grounds(_load_states(deps, contract, as_of, money=False)[0])


# ---- set-offs that name a vendor penalty ----------------------------------------------------------------------
def check_penalty_claim(
    deps: Deps, contract: Contract, facts: list[object], claim: str | None, amount: Decimal, on: date
) -> None:
    """A set-off whose claim is `obligation:<key>:<period>` deducts that vendor late penalty: the period must have
    one on the set-off's date, and set-offs naming it may not exceed it. Other claims are free text."""
    if not claim or not claim.startswith("obligation:"):
        return
    parts = claim.split(":")
    if len(parts) != 3:
        raise ValidationError("claim", "must name a vendor penalty as obligation:<key>:<period>")
    _, key, period = parts
    try:
        s = find_scheduled(contract, key, period)
    except ValidationError as exc:
        raise ValidationError("claim", exc.message) from None
    delivery = store.load(deps.repo, contract.id).deliveries.get((key, period))
    st = period_state(contract, s, delivery, on)
    if st.penalty <= 0:
        raise ValidationError("claim", f"{key} {period} owes no late penalty on {on.isoformat()}")
    before = sum((f.amount for f in facts if isinstance(f, SetOff) and f.claim == claim), ZERO)
    left = quantize(st.penalty - before)
    if amount > left:
        raise Conflict(
            f"set-off of {money_str(amount)} exceeds the late penalty of {key} {period} left to deduct: at most "
            f"{money_str(left)}",
            field="amount",
        )
