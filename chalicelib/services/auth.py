"""Who is calling: a staff key (stored only as its SHA-256) names a person with one role. `authorize` returns the
caller, whose `actor` is what the audit records (role, key id and name)."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.services.base import Deps
from chalicelib.services.keys import ROLES as ROLES
from chalicelib.services.keys import create_key
from chalicelib.services.keys import key_hash as key_hash


class Unauthorized(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, role: str, allowed: tuple[str, ...]) -> None:
        super().__init__(f"the {role} role may not do this (allowed: {', '.join(allowed)})")


@dataclass(frozen=True)
class Caller:
    key_id: str
    name: str
    role: str

    @property
    def actor(self) -> str:
        """`staff:<role>:<key id>:<name>`; entries written before named keys say only `staff:<role>`."""
        return f"staff:{self.role}:{self.key_id}:{self.name}"


def create_api_key(deps: Deps, role: str, name: str) -> str:
    """A new key for `name` (the local stack's and the tests' keys); returns the key itself."""
    return create_key(deps.repo, role, name, deps.now_iso())[1]


def authorize(deps: Deps, authorization: str | None, allowed: tuple[str, ...]) -> Caller:
    """Returns the caller; raises Unauthorized (401: no key, unknown or revoked) or Forbidden (403: wrong role)."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("missing bearer key: send Authorization: Bearer <key>")
    key = authorization.removeprefix("Bearer ").strip()
    if not key or len(key) > 200:
        raise Unauthorized("unknown key")
    found = deps.repo.find_api_key(key_hash(key))
    if found is None:
        raise Unauthorized("unknown key")
    if not found.active:
        raise Unauthorized("this key was revoked")
    if found.role not in allowed:
        raise Forbidden(found.role, allowed)
    return Caller(found.key_id, found.name, found.role)
