"""Submit links (/submit/{token}): the responsible party delivers one period of one obligation through the link its
reminder (or overdue notice) carried. Same rules as signing links: the token is an HMAC under the link secret of
an id derived from (contract, obligation, period), only its SHA-256 is stored, it expires, and it is good for its
one period. Neither the audit nor the outbox carries link material: the notifier derives the link again."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from chalicelib.domain.calendar import SHANGHAI, instant, iso_utc
from chalicelib.domain.errors import TokenRejected, ValidationError
from chalicelib.domain.links import link_token, plausible_token, token_hash
from chalicelib.domain.obligations import PeriodState, find_scheduled, period_state, standards_of
from chalicelib.services import obligation_store as store
from chalicelib.services import obligations
from chalicelib.services.base import Deps
from chalicelib.services.obligation_commands import RecordDelivery
from chalicelib.services.unit_of_work import UnitOfWork

LINK_DAYS_AFTER_DUE = 60  # a link works until this many days after its period's due date


def submit_token_id(contract_id: str, key: str, period: str) -> str:
    return f"submit:{contract_id}:{key}:{period}"


def submit_url(base: str, secret: str, contract_id: str, key: str, period: str) -> str:
    return f"{base.rstrip('/')}/submit/{link_token(secret, submit_token_id(contract_id, key, period))}"


def stage_link(uow: UnitOfWork, st: PeriodState, marks: set[tuple[str, str, str]]) -> None:
    """The period's submit link, created once (with the first reminder or overdue notice that carries it)."""
    contract = uow.staged.contract
    key, pid = st.key, st.period.id
    if (key, pid, "link") in marks:
        return
    marks.add((key, pid, "link"))
    ob = st.scheduled.obligation
    token = link_token(uow.deps.link_secret(), submit_token_id(contract.id, key, pid))
    last_day = st.period.due_on + timedelta(days=LINK_DAYS_AFTER_DUE)
    expires = iso_utc(datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=SHANGHAI))
    body = {
        "contract_id": contract.id,
        "key": key,
        "period": pid,
        "party": ob.party,
        "email": contract.party(ob.party).email,
        "expires_at": expires,
        "status": "active",
    }
    uow.staged.items.append(store.submit_token_item(token_hash(token), body, new=True))
    uow.staged.items.append(store.mark_item(contract.id, key, pid, "link", uow.deps.now_iso()))


def _resolve(deps: Deps, token: str) -> dict[str, Any]:
    if not plausible_token(token):
        raise TokenRejected("this submission link is not valid", 404)
    record = store.find_submit_token(deps.repo, token_hash(token))
    if record is None:
        raise TokenRejected("this submission link is not valid", 404)
    if instant(record["expires_at"]) <= deps.clock.now():
        raise TokenRejected("this submission link has expired; ask the contract manager for help", 410)
    return record


def submit_view(deps: Deps, token: str) -> dict[str, Any]:
    """What the page shows (and the JSON of GET /submit/{token})."""
    record = _resolve(deps, token)
    contract = deps.repo.get_contract(record["contract_id"])
    s = find_scheduled(contract, record["key"], record["period"])
    delivered = store.load(deps.repo, contract.id).deliveries.get((s.obligation.key, s.period.id))
    st = period_state(contract, s, delivered, deps.today())
    ob = s.obligation
    standards = standards_of(s.terms).to_dict() if ob.kind == "kpi" else None
    return {
        "contract_no": contract.contract_no,
        "client": contract.client.name,
        "vendor": contract.vendor.name,
        "party": ob.party,
        "submits_for": contract.party(ob.party).name,
        "obligation": ob.to_dict(),
        "service_standards": standards,
        "expires_at": record["expires_at"],
        "valid_through": (s.period.due_on + timedelta(days=LINK_DAYS_AFTER_DUE)).isoformat(),
        "today": deps.today().isoformat(),
        **obligations.period_response(st),
    }


def submit(deps: Deps, token: str, cmd: RecordDelivery) -> dict[str, Any]:
    record = _resolve(deps, token)
    if cmd.period != record["period"]:
        raise ValidationError("period", f"this link is for period {record['period']} only")
    actor = f"link:{record['party']}"
    return obligations.record_delivery(deps, record["contract_id"], record["key"], cmd, actor, via="link")
