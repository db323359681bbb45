"""Signing-link tokens: 256-bit HMAC of a random token id under the link secret. The table stores only the
token's SHA-256, and the outbox only the token id, so neither alone yields a working link."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_token_id() -> str:
    return secrets.token_hex(16)


def link_token(secret: str, token_id: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), token_id.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def plausible_token(token: str) -> bool:
    return 40 <= len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
