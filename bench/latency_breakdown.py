"""Where a signing's time goes (a diagnostic beside figure 5, not a figure): runs figure 5's signing loop once
with timers around its phases and prints, per kind of signing (first signature: 3 items; the one that makes the
contract effective: 6), the transaction's composition (items, attributes, bytes, by entity) and the median of
each phase next to the minimal conditional put. The composition count runs inside the timed signing, so the
ratio this prints is above figure 5's; use `python -m bench --only latency` for the figure itself.

    python -m bench.latency_breakdown

Measured on 2026-12-02 (2 shared cores, load ~1.5; medians): minimal put 1.08 ms; a signing in the service 3.74 ms
with 3 items (contract 14 attributes / 5.6 KB serialized, audit 12 / 1.3 KB, outbox 10 / 2.0 KB) and 5.47 ms with 6
(two audit entries, two outbox events, the obligations schedule entry): GetItem of the contract 1.16, building
the records 0.23 / 0.31, commit (build + TransactWriteItems) 2.10 / 3.01, the rest (domain rules, code check,
audit/outbox staging) about 0.5. So even a 3-item signing is 3.5× the put, and the p50 over both kinds sits
between them. In moto a GetItem costs more than a small put (its response goes through moto's model-driven
serializer); a transaction costs ~0.8 ms + ~0.19 per item + ~0.01 per attribute (moto's 400 KB size check
re-sums every attribute on each one it sets, so it grows faster than linearly), and bytes barely matter (3 KB →
9 KB per item: +0.1 ms). Dropping every outbox item from the transaction (a diagnostic, not a fix) moved the p50
ratio from ~3.9× to ~3.5×; keeping one outbox item per transaction moved it within the run-to-run noise (3.5–4.6×
for the same code on this machine).
"""

from __future__ import annotations

import base64
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.env import apply_env


def _timed(owner: Any, name: str, into: list[float], when: list[bool]) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            if when[0]:
                into.append(time.perf_counter() - t0)

    setattr(owner, name, wrapper)


def _wire_json(item: dict[str, Any]) -> str:
    """The item as the request carries it (binary values base64-encoded)."""
    return json.dumps(item, default=lambda raw: base64.b64encode(raw).decode())


def main() -> None:
    apply_env()
    from bench.meter import install

    install()
    import chalicelib.adapters.dynamo as dynamo
    import chalicelib.services.signing as signing_service
    from bench import latency

    phases: dict[str, list[float]] = defaultdict(list)
    signing = [False]
    shapes: list[list[tuple[str, int, int]]] = []
    commit: Callable[..., None] = dynamo.DynamoRepository.commit

    def traced_commit(self: Any, changes: Any) -> None:
        if signing[0]:
            version = changes.contract.version
            t0 = time.perf_counter()
            items = [write for writes in dynamo.WRITES for write in writes(changes)]
            phases["build records"].append(time.perf_counter() - t0)
            changes.contract.version = version  # the writes set the next version; commit() sets it again
            shapes.append([(w.entity, len(w.record.serialize()), len(_wire_json(w.record.serialize()))) for w in items])
            t0 = time.perf_counter()
            commit(self, changes)
            phases["commit"].append(time.perf_counter() - t0)
            return
        commit(self, changes)

    dynamo.DynamoRepository.commit = traced_commit  # type: ignore[method-assign]
    _timed(dynamo.DynamoRepository, "get_contract", phases["GetItem contract"], signing)
    service: Callable[..., Any] = signing_service.sign

    def traced_sign(*args: Any, **kwargs: Any) -> Any:
        signing[0] = True
        t0 = time.perf_counter()
        try:
            return service(*args, **kwargs)
        finally:
            signing[0] = False
            phases["signing (service)"].append(time.perf_counter() - t0)

    signing_service.sign = traced_sign  # the route looks it up on the module at each call
    result = latency.run()
    print(
        f"p50 ratio {result['p50_ratio']:.2f}× (p95 {result['p95_ratio']:.2f}×), CPU {result['cpu_p50_ratio']:.2f}×"
        f" (p95 {result['cpu_p95_ratio']:.2f}×); minimal put p50 {result['minimal_p50_ms']:.2f} ms"
    )
    by_size: dict[int, list[int]] = defaultdict(list)
    for n, shape in enumerate(shapes):
        by_size[len(shape)].append(n)
    for size, runs in sorted(by_size.items()):
        shape = shapes[runs[0]]
        kinds = ", ".join(f"{entity} ({attrs} attrs, {nbytes} B)" for entity, attrs, nbytes in shape)
        print(f"\n{len(runs)} signings with {size} items: {kinds}")
        for phase in ("signing (service)", "GetItem contract", "build records", "commit"):
            values = [phases[phase][i] for i in runs if i < len(phases[phase])]
            if values:
                print(f"  {phase:<20} {statistics.median(values) * 1000:6.2f} ms")
    print("\ncommit = build records + TransactWriteItems (one request)")


if __name__ == "__main__":
    main()
