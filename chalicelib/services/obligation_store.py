"""How the obligations area is kept (docs/data-model.md): deliveries, once-only marks (reminded, overdue notice,
submit link) and incidents as items under the contract's partition, submit links under SUBMIT#<hash>, and the
contract's entry in the schedule index the daily job queries. All are written in the unit of work's transaction,
guarded by the contract's version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.domain.contract import Contract
from chalicelib.domain.delivery_history import DeliveryHistory, DeliveryRevision, deliveries_known_on
from chalicelib.domain.event_codec import decode_fields, encode_fields
from chalicelib.domain.incidents import Incident
from chalicelib.domain.obligations import Delivery, next_check_on
from chalicelib.services.ports import Changes, PlainItem, Repository

OBLIGATION_DUE = "OBLIGATION_DUE"  # the schedule index partition (adapters/records.py)
DUTY = "DUTY#"
SCHEDULE_SK = "DUTIES"  # sorts apart from DUTY#..., so the one prefix Query reads deliveries and marks only


def pk(contract_id: str) -> str:
    return f"CONTRACT#{contract_id}"


@dataclass
class ObligationRecords:
    """What a contract's obligations have recorded: deliveries by (key, period) as they now stand (withdrawn ones
    left out), each period's history (its first delivery and the revisions since), and marks (key, period, what)."""

    deliveries: dict[tuple[str, str], Delivery] = field(default_factory=dict)
    marks: set[tuple[str, str, str]] = field(default_factory=set)
    histories: dict[tuple[str, str], DeliveryHistory] = field(default_factory=dict)

    def deliveries_on(self, as_of: date) -> dict[tuple[str, str], Delivery]:
        """The deliveries as the records stood at the end of `as_of` (revisions recorded later not yet known)."""
        return deliveries_known_on(self.histories, as_of)


def load(repo: Repository, contract_id: str) -> ObligationRecords:
    records = ObligationRecords()
    revisions: list[DeliveryRevision] = []
    for item in repo.query_items(pk(contract_id), DUTY):
        if item.kind == "delivery":
            d = decode_fields(Delivery, item.body)
            records.histories[(d.key, d.period)] = DeliveryHistory(d)
        elif item.kind == "delivery_revision":
            revisions.append(decode_fields(DeliveryRevision, item.body))
        elif item.kind == "duty_mark":
            records.marks.add((item.body["key"], item.body["period"], item.body["what"]))
    for rev in sorted(revisions, key=lambda r: r.no):
        k = (rev.key, rev.period)
        records.histories[k] = records.histories[k].with_revision(rev)
    records.deliveries = deliveries_known_on(records.histories, None)
    return records


def delivery_item(contract_id: str, d: Delivery) -> PlainItem:
    return PlainItem(pk(contract_id), f"{DUTY}D#{d.key}#{d.period}", "delivery", encode_fields(d), create=True)


def revision_item(contract_id: str, rev: DeliveryRevision) -> PlainItem:
    """A revision beside the delivery it changes (written only if absent: two writers cannot both be revision n)."""
    sk = f"{DUTY}C#{rev.key}#{rev.period}#{rev.no:04d}"
    return PlainItem(pk(contract_id), sk, "delivery_revision", encode_fields(rev), create=True)


def mark_item(contract_id: str, key: str, period: str, what: str, at: str) -> PlainItem:
    body = {"key": key, "period": period, "what": what, "at": at}
    return PlainItem(pk(contract_id), f"{DUTY}M#{key}#{period}#{what}", "duty_mark", body, create=True)


# ---- incidents ---------------------------------------------------------------------------------------------
def incident_item(contract_id: str, incident: Incident, *, new: bool) -> PlainItem:
    return PlainItem(pk(contract_id), f"INCIDENT#{incident.no:04d}", "incident", encode_fields(incident), create=new)


def load_incidents(repo: Repository, contract_id: str) -> list[Incident]:
    return [decode_fields(Incident, i.body) for i in repo.query_items(pk(contract_id), "INCIDENT#")]


def load_incident(repo: Repository, contract_id: str, no: int) -> Incident | None:
    item = repo.get_item(pk(contract_id), f"INCIDENT#{no:04d}")
    return None if item is None else decode_fields(Incident, item.body)


# ---- submit links -------------------------------------------------------------------------------------------
def submit_token_item(token_hash: str, body: dict[str, Any], *, new: bool) -> PlainItem:
    return PlainItem(f"SUBMIT#{token_hash}", "TOKEN", "submit_token", body, create=new)


def find_submit_token(repo: Repository, token_hash: str) -> dict[str, Any] | None:
    item = repo.get_item(f"SUBMIT#{token_hash}", "TOKEN")
    return None if item is None else item.body


# ---- the schedule index -------------------------------------------------------------------------------------
def stage_schedule(changes: Changes) -> None:
    """Keep the contract's entry in the obligations schedule at its next check day (written only when it moves;
    removed from the index when there is none)."""
    c: Contract = changes.contract
    nxt = next_check_on(c)
    if nxt == c.obligations_indexed_on:
        return
    c.obligations_indexed_on = nxt
    schedule = None if nxt is None else (OBLIGATION_DUE, f"{nxt.isoformat()}#{c.id}")
    body = {"contract_id": c.id, "next_check_on": None if nxt is None else nxt.isoformat()}
    changes.items.append(PlainItem(pk(c.id), SCHEDULE_SK, "obligation_schedule", body, schedule=schedule))


def contracts_due(repo: Repository, as_of: date) -> list[str]:
    return [i.body["contract_id"] for i in repo.scheduled_items(OBLIGATION_DUE, f"{as_of.isoformat()}#\uffff")]
