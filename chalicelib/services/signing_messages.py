"""The messages of signer verification, signing order and reminders: the one-time code's email and SMS (sent by
the API, signing_codes.py), and the builders the notifier runs for the signing events (registered into
notifications.BUILDERS when that module loads)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.events import ContractSummary, SigningVoided
from chalicelib.domain.signing_events import (
    SigningCodeRejected,
    SigningCodeRequested,
    SigningLinkExpired,
    SigningLinkLocked,
    SigningReminder,
    SigningTurn,
)
from chalicelib.services.email_wording import local_time
from chalicelib.services.notifications import BUILDERS, Builder, Envelope, MessageBuilder, Outgoing, render_email
from chalicelib.services.ports import Email


def code_email(contract: ContractSummary, party: str, to: str, code: str, expires_at: str) -> Email:
    return render_email("signing-code", to, contract, party=party, code=code, expires_local=local_time(expires_at))


def code_sms(contract: ContractSummary, code: str) -> str:
    return (
        f"【合同签署】验证码 {code}，10分钟内有效，请勿告知他人（合同 {contract.contract_no}）。"
        f" Hetong signing code {code}, valid 10 min."
    )


def _to_party(template: str) -> Builder:
    """One email to the event's party with its own link (turn, reminder)."""

    def build(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
        email = render_email(
            template,
            ev.email,
            env.contract,
            url=mb.sign_url(ev.token_id, env.contract.contract_id),
            ev=ev,
            party=ev.party,
            link=ev,
            document_sha256=getattr(ev, "document_sha256", ""),
            expires_local=local_time(ev.expires_at),
        )
        return [Outgoing(f"email:{ev.party}", email=email)]

    return build


def _to_operator(template: str) -> Builder:
    def build(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
        expires = getattr(ev, "expires_at", None)
        extra = {"expires_local": local_time(expires)} if expires else {}
        email = render_email(template, mb.settings.operator_email, env.contract, ev=ev, **extra)
        return [Outgoing("email:operator", email=email)]

    return build


def _to_invited(template: str) -> Builder:
    """To each party whose link had gone out (a party never invited has nothing to be told about)."""

    def build(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
        c = env.contract
        address = {"client": c.client.email, "vendor": c.vendor.email}
        return [
            Outgoing(f"email:{p}", email=render_email(template, address[p], c, ev=ev)) for p in ev.invited if address[p]
        ]

    return build


BUILDERS.update(
    {
        SigningVoided: _to_invited("signing-voided"),
        SigningCodeRequested: None,  # the API sends the code itself: it never enters the outbox
        SigningCodeRejected: None,  # in the audit; the signer sees the tries left on the page
        SigningLinkLocked: _to_operator("signing-link-locked"),
        SigningTurn: _to_party("signing-turn"),
        SigningReminder: _to_party("signing-reminder"),
        SigningLinkExpired: _to_operator("signing-link-expired"),
    }
)
