"""The "in force" emails carry the signed original: when a contract takes effect (ContractActivated) or a
supplementary agreement does (AmendmentEffective), both parties get the usual notice with the sealed PDF
attached. The PDF comes from `MessageBuilder.originals` (wired in chalicelib/bootstrap.py); if rendering or
sealing fails the whole event fails and is retried (then parked on the DLQ), never sent without it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalicelib.domain.events import AmendmentEffective, ContractActivated
from chalicelib.services.notifications import BUILDERS, Builder, Envelope, Outgoing, render_email

if TYPE_CHECKING:
    from chalicelib.services.notifications import MessageBuilder


def original_filename(contract_no: str, part: str) -> str:
    """HT-2026-0001-contract-signed.pdf, HT-2026-0001-amendment-2-signed.pdf (ASCII: every mail client shows it):
    the same name as the download of the signed original (services/originals.py), so a party who has both sees
    one file."""
    return f"{contract_no}-{part.replace(':', '-')}-signed.pdf"


def _in_force(template: str, part_of: Any) -> Builder:
    def build(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
        c = env.contract
        recipients = {"client": c.client.email, "vendor": c.vendor.email}
        if mb.originals is None:  # wired in chalicelib/bootstrap.py; an email without its original is never sent
            raise RuntimeError(f"{env.event.type} needs the signed original, and no renderer is wired")
        original = mb.originals(env.event.contract_id, part_of(ev))  # one render and seal for both parties
        return [
            Outgoing(f"email:{who}", email=replace(render_email(template, to, c, ev=ev), attachments=(original,)))
            for who, to in recipients.items()
            if to
        ]

    return build


BUILDERS[ContractActivated] = _in_force("contract-activated", lambda ev: "contract")
BUILDERS[AmendmentEffective] = _in_force("amendment-effective", lambda ev: f"amendment:{ev.amendment_no}")
