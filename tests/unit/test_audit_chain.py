"""The audit hash chain: verify_chain finds a changed byte, a broken link and a truncated chain."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.audit import GENESIS, AuditEntry, verify_chain


def chain(n: int = 4) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        entry = AuditEntry.make(
            "c-1", seq, f"2026-11-2{seq}T02:00:00Z", "operator:test", "Event", {"金额": "120000.00", "n": seq}, prev
        )
        entries.append(entry)
        prev = entry.hash
    return entries


def problems(
    entries: list[AuditEntry], head_seq: int = 4, head_hash: str | None = None
) -> list[tuple[int | None, str]]:
    head = chain()[-1].hash if head_hash is None else head_hash
    return [(p.seq, p.problem) for p in verify_chain(entries, head_seq, head)]


def test_an_intact_chain_verifies() -> None:
    assert problems(chain()) == []
    assert verify_chain([], 0, GENESIS) == []


def test_one_changed_byte_in_an_entrys_data_is_found() -> None:
    entries = chain()
    entries[1] = replace(entries[1], data={"金额": "120000.01", "n": 2})
    assert problems(entries) == [(2, "content does not match its hash")]


def test_a_rehashed_entry_breaks_the_link_to_the_next_one() -> None:
    # Given an attacker who edits entry 2 and recomputes its hash
    entries = chain()
    old = entries[1]
    entries[1] = AuditEntry.make(
        old.contract_id, 2, old.at, old.actor, old.type, {"金额": "1.00", "n": 2}, old.prev_hash
    )
    # Then entry 3 no longer points at it
    assert problems(entries) == [(3, "prev_hash does not match the previous entry's hash")]


def test_a_broken_link_is_found() -> None:
    entries = chain()
    e = entries[2]
    entries[2] = AuditEntry.make(e.contract_id, e.seq, e.at, e.actor, e.type, e.data, "f" * 64)
    found = problems(entries)
    assert (3, "prev_hash does not match the previous entry's hash") in found


def test_a_truncated_chain_is_found_by_the_contracts_head() -> None:
    found = verify_chain(chain()[:3], 4, chain()[-1].hash)
    assert [(p.where, p.seq) for p in found] == [("contract", None)]
    assert "head points at entry 4 but the chain has 3 entries" in found[0].problem


def test_a_removed_middle_entry_is_found() -> None:
    entries = chain()
    del entries[1]
    found = problems(entries)
    assert (3, "expected sequence 2") in found
    assert (3, "prev_hash does not match the previous entry's hash") in found
