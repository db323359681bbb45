"""Signing-link tokens: 256-bit HMAC of a random token id under the link secret. The table stores only the
token's SHA-256, and the outbox only the token id, so neither alone yields a working link.

A link as emailed since the one-read signing path (`signing_token`) is the contract's id (its 32 hex digits)
followed by that HMAC, so a signing reads the contract item alone; a link emailed before is the bare HMAC and is
still found through its token item (one read more)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
import uuid
from typing import Any


def new_token_id() -> str:
    return secrets.token_hex(16)


def link_token(secret: str, token_id: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), token_id.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def signing_token(secret: str, contract_id: str, token_id: str) -> str:
    """The token of the link emailed to a signer: the contract id's hex digits, then the HMAC."""
    try:
        prefix = uuid.UUID(contract_id).hex
    except ValueError:  # not a uuid: the bare HMAC, found through its token item
        return link_token(secret, token_id)
    return prefix + link_token(secret, token_id)


CONTRACT_PREFIX = 32
HMAC_CHARS = 43


def split_token(token: str) -> tuple[str | None, str]:
    """(contract id, the HMAC part) of a link's token; (None, token) for a link in the older format."""
    head = token[:CONTRACT_PREFIX]
    if len(token) == CONTRACT_PREFIX + HMAC_CHARS and all(c in string.hexdigits for c in head):
        return str(uuid.UUID(head)), token[CONTRACT_PREFIX:]
    return None, token


def plausible_token(token: str) -> bool:
    return 40 <= len(token) <= 80 and all(c.isascii() and (c.isalnum() or c in "-_") for c in token)


# Keys whose values are signing-link material: a token id plus the link secret yields a working link. The
# outbox (which the notifier needs to build each party's link) keeps them; the audit chain, finance alerts
# and logs never do.
LINK_MATERIAL = frozenset({"token", "token_id", "revoked_token_id", "token_hash", "signing_url"})


def without_link_material(value: Any) -> Any:
    """`value` (an event's JSON shape) with every link-material key removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_link_material(v) for k, v in value.items() if k not in LINK_MATERIAL}
    if isinstance(value, list):
        return [without_link_material(v) for v in value]
    return value


# /sign/<token> and /submit/<token> as they appear in request lines and URLs.
_LINK_PATH = re.compile(r"/(sign|submit)/[^/?#\s\"']+")


def redact_link_paths(text: str) -> str:
    """`text` with the token of every signing/submission path replaced, for log lines."""
    return _LINK_PATH.sub(r"/\1/<redacted>", text)
