"""Write-sharded partition keys of the table's sparse indexes. A contract's index entries live under
`<base>#<shard>`, shard = CRC-32 of the contract id mod the configured count, so one busy day's writes spread over
that many index partitions instead of one; a query of "what is due" reads every shard and merges them.

The count in force is set once per process from the settings (`configure`, called by DynamoRepository). Items
written under another count are found as long as the reads cover it (`read_count`: the larger of the count and
HETONG_INDEX_SHARDS_PREVIOUS) and are moved to their new key by the migration step (services/migrations.py)."""

from __future__ import annotations

import re
import zlib

# Partition bases of the sharded indexes (docs/data-model.md): schedule (NEXT_INVOICE on contracts, OPEN_INVOICE on
# invoices), lifecycle (LIFECYCLE_DUE on contracts, AUDITED on a chain's first audit entry of each day),
# receivables (RECEIVABLE on the receivables mark), and the obligations schedule (OBLIGATION_DUE on the contract's
# DUTIES item).
SHARDED_BASES = ("NEXT_INVOICE", "OPEN_INVOICE", "LIFECYCLE_DUE", "RECEIVABLE", "AUDITED", "OBLIGATION_DUE")
_SHARDED = re.compile(rf"^({'|'.join(SHARDED_BASES)})(?:#(\d+))?$")


class _Config:
    count = 16
    previous: int | None = None


def configure(count: int, previous: int | None = None) -> None:
    if count < 1 or (previous is not None and previous < 1):
        raise ValueError("shard counts are positive")
    _Config.count = count
    _Config.previous = previous


def count() -> int:
    """The shard count new keys are written with."""
    return _Config.count


def read_count() -> int:
    """How many shards a query reads: also the previous count's while items written under it may remain."""
    return max(_Config.count, _Config.previous or 0)


def shard_of(contract_id: str, shards: int | None = None) -> int:
    """Stable across processes and Python versions (unlike hash()): CRC-32 of the id's UTF-8 bytes."""
    return zlib.crc32(contract_id.encode("utf-8")) % (shards or _Config.count)


def shard_key(base: str, contract_id: str, shards: int | None = None) -> str:
    return f"{base}#{shard_of(contract_id, shards)}"


def rekeyed(stored: str | None, contract_id: str, shards: int | None = None) -> str | None:
    """The key a stored index partition value should have under the count in force (None: leave it alone — not
    a sharded index key). An unsharded `NEXT_INVOICE` and one written under another count both map to their
    current `NEXT_INVOICE#<n>`."""
    if stored is None:
        return None
    m = _SHARDED.match(stored)
    if m is None:
        return None
    return shard_key(m.group(1), contract_id, shards)
