"""Signing reminders and expired links: a party whose link is out and unsigned gets a reminder every N days
(the document's `remind_every_days`, set at send from HETONG_SIGNING_REMINDER_DAYS), at most 3, never on or after
the day its link expires, nor while it is locked (too many wrong codes: the operator was told and resends); the
operator is told once when a link expires unsigned. The counts live on the link,
so the daily sweep (a versioned write of the contract) sends nothing twice however often or late it runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from chalicelib.domain.calendar import add_days, instant, today_shanghai
from chalicelib.domain.event_base import Event
from chalicelib.domain.signing import PARTIES, SignatureSet, SigningLink
from chalicelib.domain.signing_events import SigningLinkExpired, SigningReminder
from chalicelib.domain.verification import FIRST

if TYPE_CHECKING:
    from chalicelib.domain.contract import Contract

MAX_REMINDERS = 3


def _day(iso: str) -> date:
    return today_shanghai(instant(iso))


def _open_sets(c: Contract) -> Iterator[tuple[str, SignatureSet]]:
    """The documents awaiting signatures: the contract before it is in force, an agreement while it is active."""
    if c.status == "awaiting_signatures":
        yield "contract", c.signing
    if c.status == "active":
        for a in c.amendments:
            if a.status == "awaiting_signatures":
                yield f"amendment:{a.no}", a.signing


def _waiting(sigset: SignatureSet) -> Iterator[tuple[str, SigningLink]]:
    """Each party whose link is out (under an order, the second link is out once the first party signed)."""
    first = FIRST.get(sigset.order)
    for party in PARTIES:
        link = sigset.links.get(party)
        if link is None or party in sigset.signatures:
            continue
        if first is not None and party != first and first not in sigset.signatures:
            continue
        yield party, link


def _reminder_day(link: SigningLink, every: int, number: int) -> date:
    return add_days(_day(link.issued_at), number * every)


def _next_day(sigset: SignatureSet, link: SigningLink) -> date | None:
    expiry = _day(link.expires_at)
    candidates = []
    if not link.expiry_reported:
        candidates.append(add_days(expiry, 1))
    if sigset.remind_every_days and link.reminders_sent < MAX_REMINDERS and link.locked_at is None:
        day = _reminder_day(link, sigset.remind_every_days, link.reminders_sent + 1)
        if day < expiry:
            candidates.append(day)
    return min(candidates) if candidates else None


def next_due(c: Contract) -> date | None:
    """The next day the daily sweep has something to do for a signature (for the lifecycle index)."""
    days = [d for _, s in _open_sets(c) for _, link in _waiting(s) if (d := _next_day(s, link)) is not None]
    return min(days) if days else None


def due_events(c: Contract, as_of: date) -> list[Event]:
    """Reminders and expiry reports due on `as_of` (a late run sends the latest due reminder only, once)."""
    events: list[Event] = []
    for subject, sigset in _open_sets(c):
        for party, link in list(_waiting(sigset)):
            expiry = _day(link.expires_at)
            if as_of > expiry:
                if not link.expiry_reported:
                    sigset.links[party] = replace(link, expiry_reported=True)
                    events.append(SigningLinkExpired(subject, party, link.email, link.expires_at))
                continue
            every = sigset.remind_every_days
            if not every or as_of >= expiry or link.locked_at is not None:  # a locked link waits for a resend
                continue
            due = min(MAX_REMINDERS, (as_of - _day(link.issued_at)).days // every)
            if due > link.reminders_sent:
                sigset.links[party] = replace(link, reminders_sent=due)
                events.append(SigningReminder(subject, party, link.token_id, link.email, link.expires_at, due))
    return events
