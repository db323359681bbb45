"""Staff API keys: one role each (operator or finance), stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets

from chalicelib.services.base import Deps

ROLES = ("operator", "finance")


class Unauthorized(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, role: str, allowed: tuple[str, ...]) -> None:
        super().__init__(f"the {role} role may not do this (allowed: {', '.join(allowed)})")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(deps: Deps, role: str, name: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    key = f"ht_{role[:3]}_{secrets.token_urlsafe(32)}"
    deps.repo.put_api_key(key_hash(key), role, name, deps.now_iso())
    return key


def authorize(deps: Deps, authorization: str | None, allowed: tuple[str, ...]) -> str:
    """Returns the caller's role; raises Unauthorized (401) or Forbidden (403)."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("missing bearer key: send Authorization: Bearer <key>")
    key = authorization.removeprefix("Bearer ").strip()
    if not key or len(key) > 200:
        raise Unauthorized("unknown key")
    role = deps.repo.role_for_api_key(key_hash(key))
    if role is None:
        raise Unauthorized("unknown key")
    if role not in allowed:
        raise Forbidden(role, allowed)
    return role
