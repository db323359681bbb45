"""Who hears of a corrected or withdrawn delivery (DeliveryCorrected), registered into the notifier's BUILDERS.

The operator always (the contract's manager keeps the records). The party that delivers always: its own record
changed, possibly by someone else, and it may now owe a penalty or face a ground; it must be able to dispute it.
The other party when the correction changes what it has a stake in (lateness, the vendor's penalty, breaches,
termination grounds): it was told of those, or relies on them. Finance when a set-off already claimed the
penalty the correction changed: money deducted on the strength of the old figure."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.obligation_events import DeliveryCorrected
from chalicelib.services.notifications import BUILDERS, Envelope, MessageBuilder, Outgoing, render_email


def recipients(ev: DeliveryCorrected) -> list[str]:
    other = "client" if ev.party == "vendor" else "vendor"
    who = ["operator", ev.party] + ([other] if ev.consequences_changed else [])
    if ev.set_off > 0 and ev.penalty_before != ev.penalty_after:
        who.append("finance")
    return who


def _corrected(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
    c = env.contract
    addresses = {
        "client": c.client.email,
        "vendor": c.vendor.email,
        "operator": mb.settings.operator_email,
        "finance": mb.settings.finance_email,
    }
    return [
        Outgoing(f"email:{w}", email=render_email("delivery-corrected", addresses[w], c, ev=ev, who=w))
        for w in recipients(ev)
        if addresses[w]
    ]


BUILDERS[DeliveryCorrected] = _corrected
