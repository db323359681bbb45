"""What every use case shares: its dependencies, the clock, staging events into the audit chain and outbox,
and retrying a use case when another writer changed the contract first."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypeVar

from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.calendar import iso_utc, today_shanghai, utc_now
from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.event_codec import encode_fields
from chalicelib.domain.events import Event, event_payload
from chalicelib.domain.links import without_link_material
from chalicelib.pdf_seal.model import SealSource
from chalicelib.services.ports import Changes, OutboxEvent, Repository
from chalicelib.settings import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return utc_now()


def _no_link_secret() -> str:
    raise RuntimeError("no link secret source is wired into these dependencies (see chalicelib.bootstrap)")


@dataclass
class Deps:
    repo: Repository
    settings: Settings
    clock: Clock
    # The signing-link secret, read lazily (Secrets Manager when deployed and locally; a fixed one in unit tests).
    link_secret: Callable[[], str] = _no_link_secret
    seal: SealSource | None = None  # the platform seal (services/sealing.py); None where nothing is sealed

    def now_iso(self) -> str:
        return iso_utc(self.clock.now())

    def today(self) -> date:
        return today_shanghai(self.clock.now())


def event_id(contract_id: str, seq: int) -> str:
    return f"{contract_id}-{seq:06d}"


def stage_events(changes: Changes, events: Sequence[Event], actor: str, at: str) -> None:
    """Append each event to the contract's hash chain and, unless nobody is told of it (`Event.audit_only`), to
    the outbox of the same transaction: a commit whose events are all audit-only writes no outbox item, so no
    stream record or notifier invocation is spent on it. The outbox payload keeps the signing links' token ids
    (the notifier derives each party's link from them); the audit entry, which both staff roles read, never
    holds link material."""
    c: Contract = changes.contract
    summary = encode_fields(c.summary())
    for ev in events:
        seq = c.audit_seq + 1
        data = event_payload(ev)
        entry = AuditEntry.make(c.id, seq, at, actor, ev.type, without_link_material(data), c.audit_head)
        c.audit_seq, c.audit_head = seq, entry.hash
        changes.audit.append(entry)
        day = date.fromisoformat(at[:10])
        if c.audit_listed_on != day:  # the chain's first entry of the (UTC) day: anchoring finds the chain by it
            changes.audit_listed.add(seq)
            c.audit_listed_on = day
        if ev.audit_only:
            continue
        changes.outbox.append(
            OutboxEvent(
                event_id=event_id(c.id, seq),
                type=ev.type,
                contract_id=c.id,
                at=at,
                actor=actor,
                payload={**data, "contract": summary, "seq": seq},
            )
        )


def retry_on_conflict(fn: Callable[[], T], attempts: int = 8) -> T:
    """Run a read-decide-write use case again when a concurrent writer won the version race."""
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except ConcurrentUpdate as exc:
            if attempt == attempts:
                raise
            logger.info("concurrent update on %s %s, retrying (%d)", exc.entity, exc.key, attempt)
            time.sleep(min(0.5, 0.01 * 2**attempt) * random.random())
    raise AssertionError("unreachable")
