"""The audit log of a contract as a SHA-256 hash chain: each entry commits to the previous one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_hex(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    contract_id: str
    seq: int
    at: str
    actor: str
    type: str
    data: dict[str, Any]
    prev_hash: str
    hash: str

    @staticmethod
    def compute_hash(
        contract_id: str, seq: int, at: str, actor: str, type_: str, data: dict[str, Any], prev_hash: str
    ) -> str:
        body = {
            "contract_id": contract_id,
            "seq": seq,
            "at": at,
            "actor": actor,
            "type": type_,
            "data": data,
            "prev_hash": prev_hash,
        }
        return sha256_hex(canonical_json(body))

    @classmethod
    def make(
        cls, contract_id: str, seq: int, at: str, actor: str, type_: str, data: dict[str, Any], prev_hash: str
    ) -> AuditEntry:
        return cls(
            contract_id,
            seq,
            at,
            actor,
            type_,
            data,
            prev_hash,
            cls.compute_hash(contract_id, seq, at, actor, type_, data, prev_hash),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "type": self.type,
            "data": self.data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    where: str
    problem: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "where": self.where, "problem": self.problem}


def verify_chain(entries: Sequence[AuditEntry], head_seq: int, head_hash: str) -> list[ChainProblem]:
    """Recompute every hash and link; the contract item's head must point at the last entry."""
    problems: list[ChainProblem] = []
    prev = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            problems.append(ChainProblem(entry.seq, f"audit entry {entry.seq}", f"expected sequence {expected_seq}"))
        if entry.prev_hash != prev:
            problems.append(
                ChainProblem(
                    entry.seq, f"audit entry {entry.seq}", "prev_hash does not match the previous entry's hash"
                )
            )
        recomputed = AuditEntry.compute_hash(
            entry.contract_id, entry.seq, entry.at, entry.actor, entry.type, entry.data, entry.prev_hash
        )
        if recomputed != entry.hash:
            problems.append(ChainProblem(entry.seq, f"audit entry {entry.seq}", "content does not match its hash"))
        prev = entry.hash
    if len(entries) != head_seq or prev != head_hash:
        problems.append(
            ChainProblem(
                None,
                "contract",
                f"head points at entry {head_seq} but the chain has {len(entries)} entries ending in {prev[:12]}",
            )
        )
    return problems
