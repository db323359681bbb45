"""The base of typed domain events: the registry from type name to class, and the one JSON shape of an event
(audit entry and outbox payload alike). The events themselves are in domain/events.py (contract and signing)
and domain/money_events.py (invoices, payments and the receivables ledger)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from chalicelib.domain.event_codec import decode_fields, encode_fields
from chalicelib.domain.money import amount_in_words

EVENT_TYPES: dict[str, type[Event]] = {}


class UnknownEvent(KeyError):
    """An outbox or audit record names an event type this code does not know."""


class Event:
    """Base of every typed event. Subclass with `finance=True` for events finance gets on the SNS topic, and with
    `audit_only=True` for events nobody is told of: they enter the contract's audit chain but not the outbox, so
    their commit writes no outbox item for the notifier to read and drop (services/base.stage_events).
    tests/unit/test_audit_only_events.py holds this to the notifier's BUILDERS: audit-only ⇔ no builder and not
    finance. Neither flag is inherited: each event class says it for itself."""

    type: ClassVar[str]
    finance: ClassVar[bool] = False
    audit_only: ClassVar[bool] = False
    in_words: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, *, finance: bool = False, audit_only: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if finance and audit_only:
            raise TypeError(f"{cls.__name__}: a finance event goes to the SNS topic, so it cannot be audit-only")
        cls.type = cls.__name__
        cls.finance = finance
        cls.audit_only = audit_only
        EVENT_TYPES[cls.__name__] = cls


def event_payload(event: Event) -> dict[str, Any]:
    """The JSON-ready shape of `event`: its fields (money as strings, dates ISO), plus each `in_words` amount."""
    data = encode_fields(event)
    for name in event.in_words:
        amount = getattr(event, name)
        data[f"{name}_in_words"] = None if amount is None else amount_in_words(amount)
    return data


def event_from_payload(type_: str, payload: Mapping[str, Any]) -> Event:
    """The typed event of a stored payload (keys it does not know, e.g. `contract`, `seq`, are ignored)."""
    cls = EVENT_TYPES.get(type_)
    if cls is None:
        raise UnknownEvent(type_)
    event: Event = decode_fields(cls, payload)
    return event
