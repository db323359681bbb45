"""The contract items this process last read or wrote, so a use case that asks for it may start from the contract
as last seen instead of reading it again (Repository.get_contract(recent=True); services/unit_of_work.run with
`recent_first`).

A copy here may be stale: another process (another Lambda instance) may have changed the contract since. That is
safe only because of how it is used: every commit writes the contract conditioned on the version it was read at, so
a commit built on a stale copy is refused (ConcurrentUpdate) and the use case runs again on a fresh read; and a use
case that ends without committing (a refusal, a repeated request's same reply) is run again on a fresh read before
its answer goes out. Nothing is ever answered from a copy alone.

Bounded (least recently used first out) and thread-safe (the local API server is threaded); a newer version never
gives way to an older one that a slower thread read before it."""

from __future__ import annotations

import threading
from collections import OrderedDict

from chalicelib.adapters.records import ContractRecord

CAPACITY = 256  # a contract item is a few KB compressed: about a megabyte at most


class RecentContracts:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._records: OrderedDict[str, ContractRecord] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, contract_id: str) -> ContractRecord | None:
        with self._lock:
            rec = self._records.get(contract_id)
            if rec is not None:
                self._records.move_to_end(contract_id)
            return rec

    def put(self, contract_id: str, rec: ContractRecord) -> None:
        with self._lock:
            held = self._records.get(contract_id)
            if held is not None and int(held.version) > int(rec.version):
                return
            self._records[contract_id] = rec
            self._records.move_to_end(contract_id)
            while len(self._records) > self._capacity:
                self._records.popitem(last=False)

    def drop(self, contract_id: str) -> None:
        with self._lock:
            self._records.pop(contract_id, None)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
