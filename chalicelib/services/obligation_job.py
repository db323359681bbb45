"""The daily obligations job (functions/obligations.py): for each contract its schedule entry says is due, remind
the responsible party 5 days before a due date (with its submit link) and, once a period is past due and not
delivered, issue the 逾期履行通知书 and tell the other party and the operator (ObligationOverdue). Each is done once
per period: a mark item written only if absent, in the same transaction as the contract's version check, so
reruns, late runs and concurrent runs change nothing twice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.domain.calendar import add_days
from chalicelib.domain.contract import Contract
from chalicelib.domain.obligation_events import ObligationOverdue, ObligationReminder
from chalicelib.domain.obligations import PeriodState, states, term_window
from chalicelib.services import obligation_store as store
from chalicelib.services import submissions
from chalicelib.services.base import Deps
from chalicelib.services.obligation_documents import overdue_notice, penalty_rule
from chalicelib.services.unit_of_work import UnitOfWork, run

ACTOR = "worker:obligations"
# Periods handled per transaction (each writes up to 5 items: mark, link, document, audit, outbox).
BATCH = 12


def _todo(st: PeriodState, marks: set[tuple[str, str, str]], as_of: date, after: date | None) -> str | None:
    """What the job owes this period on `as_of`. Only action days after `after` (the last day the job covered,
    `obligations_checked_on`) count: what fell on or before it was done then, or — for a contract the migration
    put on the schedule — predates the schedule and is shown, not notified years late."""
    key, pid, p = st.key, st.period.id, st.period

    def pending(day: date, what: str) -> bool:
        return (after is None or day > after) and (key, pid, what) not in marks

    if st.status == "missed" and pending(add_days(p.due_on, 1), "overdue"):
        return "overdue"
    if st.status in ("upcoming", "due") and as_of >= p.reminder_on and pending(p.reminder_on, "reminder"):
        return "reminder"
    return None


def _covered(contract: Contract) -> date | None:
    """The last day whose actions are done with: the last day the job ran for, and never before the day a
    migrated contract joined the schedule (a withdrawal may move the first back, not the second)."""
    after = contract.obligations_checked_on
    start = contract.obligations_scheduled_from
    if start is None:
        return after
    floor = start - timedelta(days=1)
    return floor if after is None or after < floor else after


def _period_fields(st: PeriodState) -> dict[str, Any]:
    """What every obligation event says about its obligation and period."""
    ob, p = st.scheduled.obligation, st.period
    return {
        "key": ob.key,
        "title": ob.title,
        "party": ob.party,
        "clause": ob.clause,
        "period": p.id,
        "period_start": p.start,
        "period_end": p.end,
        "due_on": p.due_on,
    }


def _remind(uow: UnitOfWork, st: PeriodState, marks: set[tuple[str, str, str]], at: str) -> None:
    ob, p = st.scheduled.obligation, st.period
    submissions.stage_link(uow, st, marks)
    uow.staged.items.append(store.mark_item(uow.staged.contract.id, ob.key, p.id, "reminder", at))
    uow.raise_event(ObligationReminder(**_period_fields(st)))


def _overdue(uow: UnitOfWork, st: PeriodState, marks: set[tuple[str, str, str]], as_of: date, at: str) -> None:
    contract = uow.staged.contract
    ob, p = st.scheduled.obligation, st.period
    html, sha = overdue_notice(contract, st, as_of)
    doc = f"overdue-notice:{ob.key}:{p.id}"
    uow.add_document(doc, html, sha)
    submissions.stage_link(uow, st, marks)
    uow.staged.items.append(store.mark_item(contract.id, ob.key, p.id, "overdue", at))
    uow.raise_event(
        ObligationOverdue(
            **_period_fields(st),
            as_of=as_of,
            days_late=st.days_late,
            penalty=st.penalty,
            penalty_rule=penalty_rule(st.scheduled.terms.vendor_penalty) if ob.party == "vendor" else "",
            document=doc,
            document_sha256=sha,
        )
    )


def check_contract(deps: Deps, contract_id: str, as_of: date) -> dict[str, int]:
    """Everything due on `as_of` for one contract, BATCH periods per transaction; then the contract's schedule
    entry moves past `as_of`."""
    done = {"reminders": 0, "overdue": 0}

    def attempt(uow: UnitOfWork) -> bool:
        contract = uow.contract(contract_id)
        if contract.obligations_checked_on is not None and contract.obligations_checked_on >= as_of:
            return False  # a rerun or an older date: already looked at
        records = store.load(deps.repo, contract_id)
        known = records.deliveries_on(as_of)  # corrections recorded after as_of not yet known
        after = _covered(contract)
        todo = [(st, w) for st in states(contract, known, as_of) if (w := _todo(st, records.marks, as_of, after))]
        at = deps.now_iso()
        counts = {"reminders": 0, "overdue": 0}
        for st, what in todo[:BATCH]:
            if what == "overdue":
                _overdue(uow, st, records.marks, as_of, at)
                counts["overdue"] += 1
            else:
                _remind(uow, st, records.marks, at)
                counts["reminders"] += 1
        more = len(todo) > BATCH
        if not more:
            contract.obligations_checked_on = as_of
        uow.commit()
        for k, v in counts.items():
            done[k] += v
        return more

    while run(deps, ACTOR, attempt):
        pass
    return done


def run_obligations(deps: Deps, as_of: date) -> dict[str, Any]:
    seen = 0
    totals = {"reminders": 0, "overdue": 0}
    for contract_id in store.contracts_due(deps.repo, as_of):
        seen += 1
        for k, v in check_contract(deps, contract_id, as_of).items():
            totals[k] += v
    return {"as_of": as_of.isoformat(), "contracts_due": seen, **totals}


def index_obligations(deps: Deps, contract_id: str, today: date) -> bool:
    """Migration of a contract stored before obligations existed: it enters the schedule index from today on
    (its past periods are shown, but not notified years late). True when it was indexed now."""

    def attempt(uow: UnitOfWork) -> bool:
        contract = uow.contract(contract_id)
        if contract.obligations_indexed_on is not None or contract.obligations_checked_on is not None:
            return False
        if term_window(contract) is None:
            return False
        contract.obligations_checked_on = today - timedelta(days=1)
        contract.obligations_scheduled_from = today
        uow.commit()
        return True

    return run(deps, "system:migration", attempt)
