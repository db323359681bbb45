"""Anchors of the audit chain: a statement "contract C's chain had N entries ending in head H", signed with a key
that the table's writers cannot use (an asymmetric KMS key only the anchor function may Sign with). Rewriting
history through the table (change an entry, recompute the later hashes and the contract's head) leaves a chain
that verifies on its own, but no longer hashes to the head its last anchor signed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.audit import AuditEntry, ChainProblem, canonical_json, verify_chain

FORMAT = "hetong-audit-anchor/1"


@dataclass(frozen=True)
class Anchor:
    """A signed statement about one contract's chain. `message` is exactly the bytes signed (canonical JSON);
    the other fields are copies of what it says, for reading: only what `message` says is trusted."""

    contract_id: str
    entries: int
    head: str
    as_of: str
    at: str
    key_id: str
    algorithm: str
    signature: str  # base64
    message: str


def anchor_message(contract_id: str, entries: int, head: str, as_of: str, at: str) -> str:
    return canonical_json(
        {"format": FORMAT, "contract_id": contract_id, "entries": entries, "head": head, "as_of": as_of, "at": at}
    )


def signed_statement(anchor: Anchor) -> dict[str, Any] | None:
    """What the signed message says, if it is one of ours."""
    try:
        said = json.loads(anchor.message)
    except json.JSONDecodeError:
        return None
    if not isinstance(said, dict) or said.get("format") != FORMAT:
        return None
    if not isinstance(said.get("entries"), int) or not isinstance(said.get("head"), str):
        return None
    return said


def chain_problems_against(
    anchor: Anchor, signature_valid: bool, contract_id: str, entries: Sequence[AuditEntry]
) -> list[ChainProblem]:
    """Why the chain does not match its anchor (empty: it matches): the signature must verify with our key, the
    statement be about this contract, and the first N entries of the chain hash, link by link, to the signed head."""
    where = "anchor"
    said = signed_statement(anchor)
    if not signature_valid or said is None:
        return [ChainProblem(None, where, "the anchor's signature does not verify with the anchoring key")]
    if said.get("contract_id") != contract_id:
        return [ChainProblem(None, where, "the anchor was signed for another contract")]
    count, head = int(said["entries"]), str(said["head"])
    if len(entries) < count:
        return [ChainProblem(count, where, f"the chain has {len(entries)} entries; {count} were anchored")]
    prefix = list(entries[:count])
    broken = verify_chain(prefix, count, head)
    if broken or (count and prefix[-1].hash != head):
        return [
            ChainProblem(
                count,
                where,
                f"entries 1–{count} no longer hash to the head signed at {said.get('at')} ({head[:12]})",
            )
        ]
    return []
