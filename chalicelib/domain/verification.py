"""Signer verification and signing order: the one-time code a signer asks for before signing (6 digits, 10
minutes, kept only as a salted HMAC on the link, at most 5 wrong tries per link, then the link is locked until
the operator sends a new one), and whose turn it is when the document has a signing order."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain.calendar import instant, iso_utc
from chalicelib.domain.errors import Conflict, DomainError, TokenRejected
from chalicelib.domain.event_base import Event
from chalicelib.domain.signing import OneTimeCode, SignatureSet, SigningLink
from chalicelib.domain.signing_events import SigningCodeRejected, SigningCodeRequested, SigningLinkLocked, SigningTurn

if TYPE_CHECKING:
    from chalicelib.domain.contract import Contract

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=10)
MAX_FAILURES = 5
REQUEST_EVERY = timedelta(seconds=60)
ORDERS = ("any", "client_first", "vendor_first")
FIRST = {"client_first": "client", "vendor_first": "vendor"}
OTHER = {"client": "vendor", "vendor": "client"}
LOCKED_STATUS = 423  # the link exists and is right, but may not be used until the operator resends it


class CodeRejected(DomainError):
    """A signing or code request refused for the code's sake; `field` is always `code`. The status is part of
    the error (400 missing, 422 wrong/expired/not requested, 423 locked, 429 asked again too soon)."""

    field = "code"

    def __init__(
        self, code: str, message: str, status: int, tries_left: int | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.tries_left = tries_left
        self.retry_after = retry_after


# ---- destinations -------------------------------------------------------------------------------------
_MOBILE_CN = re.compile(r"^1[3-9][0-9]{9}$")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


def sms_number(phone: str) -> str | None:
    """The party's phone in E.164 when it can take an SMS: already E.164, or a mainland mobile number
    (11 digits from 13x to 19x, optionally +86/0086); a landline such as 010-88886666 is None."""
    compact = re.sub(r"[\s\-()]", "", phone)
    if compact.startswith("0086"):
        compact = "+86" + compact[4:]
    if _MOBILE_CN.match(compact):
        return "+86" + compact
    if compact.startswith("+86") and not _MOBILE_CN.match(compact[3:]):
        return None
    return compact if _E164.match(compact) else None


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(e164: str) -> str:
    """+8613800138000 → +86138****8000."""
    return e164[:6] + "****" + e164[-4:]


# ---- the code -----------------------------------------------------------------------------------------
def code_digest(salt: str, token_hash: str, code: str) -> str:
    """HMAC-SHA256 keyed by the code's own random salt over (the link, the code): a code is bound to its link.
    No secret takes part, so neither asking for a code nor signing reads the link secret: a code found by trying
    a million digests is of no use without the link itself, whose token is never stored."""
    return hmac.new(bytes.fromhex(salt), f"{token_hash}:{code}".encode("ascii"), hashlib.sha256).hexdigest()


def required(contract: Contract) -> bool:
    return contract.current_terms.signer_verification == "email_code"


def _link(contract: Contract, subject: str, party: str) -> tuple[SignatureSet, SigningLink]:
    sigset = contract.signature_set(subject)
    return sigset, sigset.links[party]


def issue_code(
    contract: Contract, subject: str, party: str, now: datetime, destination: str, channels: list[str]
) -> tuple[str, SigningCodeRequested]:
    """A new code for the party's link (replacing any earlier one); the plain code goes to the sender only."""
    sigset, link = _link(contract, subject, party)
    if link.locked_at is not None:
        raise CodeRejected("link_locked", _LOCKED, LOCKED_STATUS)
    if link.code is not None:
        wait = instant(link.code.issued_at) + REQUEST_EVERY - now
        if wait > timedelta(0):
            seconds = max(1, int(wait.total_seconds() + 0.999))
            raise CodeRejected(
                "code_requested_recently",
                f"a code was sent less than a minute ago; ask again in {seconds} s",
                429,
                retry_after=seconds,
            )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    salt = secrets.token_hex(16)
    expires = iso_utc(now + CODE_VALID)
    stored = OneTimeCode(salt, code_digest(salt, link.token_hash, code), iso_utc(now), expires, destination)
    sigset.links[party] = replace(link, code=stored)
    return code, SigningCodeRequested(subject, party, tuple(channels), destination, expires)


_LOCKED = (
    f"验证码连续输错 {MAX_FAILURES} 次，链接已锁定，请联系发送方重新发送链接"
    f" / this link is locked after {MAX_FAILURES} wrong codes; ask the sender (the operator) for a new link"
)


@dataclass
class CodeCheck:
    """What checking a code found: `error` to raise after committing `events` (a wrong try is recorded),
    or the masked destination the code went to (the signature's evidence)."""

    verification: str = "none"
    destination: str | None = None
    sent_at: str | None = None
    events: list[Event] = field(default_factory=list)
    error: CodeRejected | None = None


def check_code(contract: Contract, subject: str, party: str, code: str | None, now: datetime) -> CodeCheck:
    """Check `code` against the link's current code. A right code is used up (the link forgets it); a wrong one
    counts against the link, and the fifth locks it. Missing, not requested and expired codes change nothing."""
    if not required(contract):
        return CodeCheck()
    sigset, link = _link(contract, subject, party)
    if link.locked_at is not None:
        raise CodeRejected("link_locked", _LOCKED, LOCKED_STATUS)
    if code is None:
        raise CodeRejected("code_required", "code: a one-time code is required; ask for one first", 400)
    if link.code is None or link.code.used_at is not None:
        raise CodeRejected("code_not_requested", "code: no code was sent for this link; ask for one", 422)
    if instant(link.code.expires_at) <= now:
        raise CodeRejected(
            "code_expired", "code: this code has expired (codes last 10 minutes); ask for a new one", 422
        )
    given = code_digest(link.code.salt, link.token_hash, code)
    if hmac.compare_digest(given, link.code.digest):
        sigset.links[party] = replace(link, code=replace(link.code, used_at=iso_utc(now)))
        return CodeCheck("email_code", link.code.destination, link.code.issued_at)
    failures = link.failures + 1
    left = MAX_FAILURES - failures
    events: list[Event] = [SigningCodeRejected(subject, party, failures, left)]
    if left <= 0:
        sigset.links[party] = replace(link, failures=failures, locked_at=iso_utc(now), code=None)
        events.append(SigningLinkLocked(subject, party, failures))
        return CodeCheck(events=events, error=CodeRejected("link_locked", _LOCKED, LOCKED_STATUS, tries_left=0))
    sigset.links[party] = replace(link, failures=failures)
    message = f"code: the code is not right; {left} {'try' if left == 1 else 'tries'} left"
    return CodeCheck(events=events, error=CodeRejected("code_wrong", message, 422, tries_left=left))


def link_state(contract: Contract, link: SigningLink) -> dict[str, object]:
    """What the signing page shows about the code: needed or not, where the last one went and until when."""
    code = None if link.code is None or link.code.used_at is not None else link.code
    return {
        "method": contract.current_terms.signer_verification,
        "code_sent_to": None if code is None else code.destination,
        "code_expires_at": None if code is None else code.expires_at,
        "tries_left": max(0, MAX_FAILURES - link.failures),
        "locked": link.locked_at is not None,
    }


# ---- signing order --------------------------------------------------------------------------------------
def check_turn(sigset: SignatureSet, party: str) -> None:
    """With a signing order, the second party's link works only once the first party has signed."""
    first = FIRST.get(sigset.order)
    if first is not None and party != first and first not in sigset.signatures:
        raise TokenRejected(
            f"尚未轮到您签署：{'甲方' if first == 'client' else '乙方'}签署后此链接方可使用（届时您会收到邮件）"
            f" / not yet your turn: the {first} signs first, then this link works (you will get an email)",
            409,
        )


def check_resend(sigset: SignatureSet, party: str) -> None:
    """A link is resent only when it could be used: not to the second party before the first has signed."""
    first = FIRST.get(sigset.order)
    if first is not None and party != first and first not in sigset.signatures:
        raise Conflict(f"the {first} signs first; the {party}'s link goes out after that", field="party")


def first_links(order: str, links: dict[str, SigningLink]) -> dict[str, SigningLink]:
    """The links emailed at send: both, or only the first party's."""
    first = FIRST.get(order)
    return dict(links) if first is None else {first: links[first]}


def invited(sigset: SignatureSet) -> tuple[str, ...]:
    """The parties whose link has gone out: both, or under an order before the turn only the first."""
    first = FIRST.get(sigset.order)
    if first is None or first in sigset.signatures:
        return tuple(sigset.links)
    return (first,)


def release_turn(contract: Contract, subject: str, signed: str, now: datetime, link_days: int) -> SigningTurn | None:
    """After the first party signed under an order: the other party's link, valid from now for `link_days`."""
    sigset = contract.signature_set(subject)
    if FIRST.get(sigset.order) != signed or OTHER[signed] in sigset.signatures:
        return None
    party = OTHER[signed]
    link = replace(sigset.links[party], issued_at=iso_utc(now), expires_at=iso_utc(now + timedelta(days=link_days)))
    sigset.links[party] = link
    return SigningTurn(subject, party, link.token_id, link.email, link.expires_at, sigset.document_sha256)
