"""POST /sign/{token}/code: a one-time code for the link's signer, by email (and SMS where the party has a mobile
number and SMS is configured). The code is recorded on the contract only as a salted HMAC, in the same versioned
write as its audit entry, and then sent by this request itself: it is never stored in plain form, not even in
the outbox (whose records live 14 days and travel through the stream and DLQ)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain import verification
from chalicelib.domain.calendar import iso_utc
from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import Conflict, Unavailable
from chalicelib.domain.signing_events import SigningCodeRequested
from chalicelib.services.base import Deps
from chalicelib.services.ports import Mailer, SigningToken
from chalicelib.services.signing_links import resolve_token
from chalicelib.services.signing_messages import code_email, code_sms
from chalicelib.services.unit_of_work import UnitOfWork, run

logger = logging.getLogger(__name__)


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str: ...


@dataclass(frozen=True)
class CodeSenders:
    mailer: Mailer
    sms: SmsSender | None  # None: SMS is not configured (HETONG_SMS_CODES)


@dataclass(frozen=True)
class _Issued:
    code: str
    record: SigningToken
    contract: Contract
    phone: str | None
    event: SigningCodeRequested


def request_code(deps: Deps, token: str, senders: CodeSenders) -> dict[str, Any]:
    def attempt(uow: UnitOfWork) -> _Issued:
        record, contract = resolve_token(deps, token)
        if not verification.required(contract):
            raise Conflict("this document is signed without a one-time code; sign directly", field="code")
        uow.adopt(contract)
        uow.actor = f"signer:{record.party}:{record.email}"
        phone = verification.sms_number(contract.party(record.party).phone) if senders.sms is not None else None
        channels = ["email"] + (["sms"] if phone else [])
        destination = verification.mask_email(record.email)
        if phone:
            destination += ", " + verification.mask_phone(phone)
        code, event = verification.issue_code(
            contract, record.subject, record.party, deps.clock.now(), destination, channels
        )
        uow.raise_event(event)
        uow.commit()
        return _Issued(code, record, contract, phone, event)

    issued = run(deps, "signer", attempt)
    _deliver(issued, senders)
    ev = issued.event
    return {
        "sent_to": ev.destination,
        "channels": list(ev.channels),
        "expires_at": ev.expires_at,
        "retry_after_seconds": int(verification.REQUEST_EVERY.total_seconds()),
        "tries_left": verification.MAX_FAILURES - issued.contract.signature_set(ev.subject).links[ev.party].failures,
        "requested_at": iso_utc(deps.clock.now()),
    }


def _deliver(issued: _Issued, senders: CodeSenders) -> None:
    """Email first (the channel every signer has); an SMS that fails is logged, not fatal."""
    summary, party = issued.contract.summary(), issued.record.party
    try:
        senders.mailer.send(code_email(summary, party, issued.record.email, issued.code, issued.event.expires_at))
    except Exception as exc:  # noqa: BLE001 - any mailer failure: the signer asks again
        logger.warning("one-time code email failed: %s", exc)
        raise Unavailable("the code could not be sent just now; ask again in a minute") from None
    if issued.phone is not None and senders.sms is not None:
        try:
            senders.sms.send(issued.phone, code_sms(summary, issued.code))
        except Exception as exc:  # noqa: BLE001 - the email went out; the SMS is a courtesy
            logger.warning("one-time code SMS failed: %s", exc)
