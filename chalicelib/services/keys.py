"""Staff API keys: each belongs to a named person and has one role (operator or finance). Only the key's SHA-256
is stored; the key itself is shown once, when it is created. Keys are listed and revoked by their id."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.domain.errors import ValidationError

ROLES = ("operator", "finance")
MAX_NAME = 80


@dataclass(frozen=True)
class StaffKey:
    """What is stored about a key (never the key): who holds it, the role, and when it was created/revoked."""

    key_id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.key_id,
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


class KeyStore(Protocol):
    """Where staff keys live (the main table's APIKEY# items; DynamoRepository and the CLI's store)."""

    def find_api_key(self, key_hash: str) -> StaffKey | None: ...

    def add_api_key(self, key_hash: str, key: StaffKey) -> None: ...

    def list_api_keys(self) -> list[StaffKey]: ...

    def revoke_api_key(self, key_id: str, at: str) -> StaffKey: ...


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key_id() -> str:
    return f"key_{secrets.token_hex(5)}"


def checked_name(name: str) -> str:
    """A person's name as the audit will show it: 1–80 characters, no control or format characters."""
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME:
        raise ValidationError("name", f"must be 1–{MAX_NAME} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in clean):
        raise ValidationError("name", "must not contain control characters")
    return clean


def create_key(store: KeyStore, role: str, name: str, now: str) -> tuple[StaffKey, str]:
    """A new key for `name` with `role`; returns what is stored and the key itself (shown once, never stored)."""
    if role not in ROLES:
        raise ValidationError("role", f"must be one of {', '.join(ROLES)}")
    key = StaffKey(key_id=new_key_id(), name=checked_name(name), role=role, created_at=now)
    secret = f"ht_{role[:3]}_{secrets.token_urlsafe(32)}"
    store.add_api_key(key_hash(secret), key)
    return key, secret


def list_keys(store: KeyStore) -> list[StaffKey]:
    return sorted(store.list_api_keys(), key=lambda k: (k.created_at, k.key_id))


def revoke_key(store: KeyStore, key_id: str, now: str) -> StaffKey:
    """Revokes the key (from now on it gets 401); revoking a revoked key changes nothing and says when it was."""
    if not key_id.startswith("key_") or len(key_id) > 40:
        raise ValidationError("id", "is not a key id (key_...); see `keys list`")
    return store.revoke_api_key(key_id, now)
