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

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.env import apply_env


def _timed(owner: Any, name: str, into: list[float], when: Callable[[], bool]) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            if when():
                into.append(time.perf_counter() - t0)

    setattr(owner, name, wrapper)


def main() -> None:
    apply_env()
    from bench.meter import install

    meter = install()
    import chalicelib.adapters.dynamo as dynamo
    import chalicelib.services.signing as signing_service
    from bench import latency

    phases: dict[str, list[float]] = defaultdict(list)
    signing = [False]
    sizes: list[int] = []  # items in each timed signing's transaction
    shapes: dict[int, list[tuple[str, int, int]]] = {}  # by items: the counting pass's composition

    def timed() -> bool:
        """A signing of figure 5's timed loop (the meter paused), not of its counting pass."""
        return signing[0] and meter.paused

    commit: Callable[..., None] = dynamo.DynamoRepository.commit

    def traced_commit(self: Any, changes: Any) -> None:
        if not signing[0]:
            commit(self, changes)
            return
        version = changes.contract.version
        t0 = time.perf_counter()
        items = [write for writes in dynamo.WRITES for write in writes(changes)]
        built = time.perf_counter() - t0
        changes.contract.version = version  # the writes set the next version; commit() sets it again
        if timed():
            phases["build records"].append(built)
            sizes.append(len(items))
        else:  # sized only in the untimed counting pass: serializing every record again is not free
            shapes[len(items)] = [
                (w.entity, len(w.record.serialize()), len(json.dumps(w.record.serialize()))) for w in items
            ]
        t0 = time.perf_counter()
        commit(self, changes)
        if timed():
            phases["commit"].append(time.perf_counter() - t0)

    dynamo.DynamoRepository.commit = traced_commit  # type: ignore[method-assign]
    _timed(dynamo.DynamoRepository, "get_contract", phases["GetItem contract"], timed)
    service: Callable[..., Any] = signing_service.sign

    def traced_sign(*args: Any, **kwargs: Any) -> Any:
        signing[0] = True
        t0 = time.perf_counter()
        try:
            return service(*args, **kwargs)
        finally:
            if timed():
                phases["signing (service)"].append(time.perf_counter() - t0)
            signing[0] = False

    signing_service.sign = traced_sign  # the route looks it up on the module at each call
    import chalice.test

    request: Callable[..., Any] = chalice.test.TestHTTPClient.request

    def traced_request(self: Any, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return request(self, method, path, *args, **kwargs)
        finally:
            if meter.paused and method == "POST" and path.startswith(("/sign/", "/minimal/")):
                name = "request" if path.startswith("/sign/") else "minimal"
                phases[name].append(time.perf_counter() - t0)
                phases[f"{name} (CPU)"].append(time.thread_time() - c0)

    chalice.test.TestHTTPClient.request = traced_request  # type: ignore[method-assign]
    result = latency.run()
    print(
        f"p50 ratio {result['p50_ratio']:.2f}× (p95 {result['p95_ratio']:.2f}×), CPU {result['cpu_p50_ratio']:.2f}×"
        f" (p95 {result['cpu_p95_ratio']:.2f}×); minimal put p50 {result['minimal_p50_ms']:.2f} ms"
    )
    by_size: dict[int, list[int]] = defaultdict(list)
    for n, size in enumerate(sizes):
        by_size[size].append(n)
    for size, runs in sorted(by_size.items()):
        kinds = ", ".join(f"{entity} ({attrs} attrs, {nbytes} B)" for entity, attrs, nbytes in shapes.get(size, []))
        print(f"\n{len(runs)} signings with {size} items: {kinds}")
        for phase in ("request", "request (CPU)", "signing (service)", "GetItem contract", "build records", "commit"):
            values = [phases[phase][i] for i in runs if i < len(phases[phase])]
            if values:
                print(f"  {phase:<20} {statistics.median(values) * 1000:6.2f} ms")
    print(
        f"\nminimal put, whole request {statistics.median(phases['minimal']) * 1000:6.2f} ms"
        f" (CPU {statistics.median(phases['minimal (CPU)']) * 1000:.2f} ms)"
    )
    print("request = the whole POST in the Chalice test client; commit = build records + TransactWriteItems")


if __name__ == "__main__":
    main()
