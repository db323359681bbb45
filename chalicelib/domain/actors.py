"""Who an audit entry says acted, read back from its `actor`: `staff:<role>:<key id>:<name>` (named staff keys),
`staff:<role>` (entries written before named keys), `signer:<party>:<email>`, `system:<job>`."""

from __future__ import annotations

from typing import Any


def describe_actor(actor: str) -> dict[str, Any]:
    kind, _, rest = actor.partition(":")
    if kind == "staff":
        role, _, named = rest.partition(":")
        key_id, _, name = named.partition(":")
        return {"kind": "staff", "role": role, "key_id": key_id or None, "name": name or None}
    if kind == "signer":
        party, _, email = rest.partition(":")
        return {"kind": "signer", "party": party, "email": email or None}
    return {"kind": kind, "name": rest or None}
