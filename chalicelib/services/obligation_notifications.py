"""Who hears of 履约 events, registered into the notifier's BUILDERS: reminders (with the submit link) to the party
that delivers; overdue notices to the other party, the operator and the party late (with its link);
breached standards to both parties and the operator; incidents to the client and the operator."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.obligation_events import (
    IncidentReported,
    IncidentUpdated,
    ObligationDelivered,
    ObligationOverdue,
    ObligationReminder,
    ServiceStandardBreached,
)
from chalicelib.services.notifications import BUILDERS, Envelope, MessageBuilder, Outgoing, render_email
from chalicelib.services.submissions import submit_url


def _link(mb: MessageBuilder, env: Envelope, ev: Any) -> str:
    if mb.link_secret is None:
        raise RuntimeError("this message builder has no link secret; it cannot build submit links")
    return submit_url(mb.base, mb.link_secret(), env.contract.contract_id, ev.key, ev.period)


def _reminder(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
    to = env.contract.party(ev.party).email
    email = render_email("obligation-reminder", to, env.contract, url=_link(mb, env, ev), ev=ev)
    return [Outgoing(f"email:{ev.party}", email=email)]


def _overdue(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
    c = env.contract
    other = "client" if ev.party == "vendor" else "vendor"
    out = [
        Outgoing(f"email:{other}", email=render_email("obligation-overdue", c.party(other).email, c, ev=ev, who=other)),
        Outgoing(
            f"email:{ev.party}",
            email=render_email(
                "obligation-overdue", c.party(ev.party).email, c, url=_link(mb, env, ev), ev=ev, who=ev.party
            ),
        ),
    ]
    if mb.settings.operator_email:
        email = render_email("obligation-overdue", mb.settings.operator_email, c, ev=ev, who="operator")
        out.append(Outgoing("email:operator", email=email))
    return out


def _to(template: str, *who: str) -> Any:
    def build(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
        c = env.contract
        addresses = {"client": c.client.email, "vendor": c.vendor.email, "operator": mb.settings.operator_email}
        return [
            Outgoing(f"email:{w}", email=render_email(template, addresses[w], c, ev=ev, who=w))
            for w in who
            if addresses[w]
        ]

    return build


BUILDERS.update(
    {
        ObligationDelivered: None,  # the parties see it on the next view; the audit keeps it
        ObligationReminder: _reminder,
        ObligationOverdue: _overdue,
        ServiceStandardBreached: _to("service-standard-breached", "client", "vendor", "operator"),
        IncidentReported: _to("incident-reported", "client", "operator"),
        IncidentUpdated: _to("incident-updated", "client", "operator"),
    }
)
