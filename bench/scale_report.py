"""Figure 9's part of results.md and of the summary table (the scale model: bench/scale_model.py)."""

from __future__ import annotations

from typing import Any

from bench.projection import PEAK_SHARE, SIZES


def _i(x: float) -> str:
    return f"{x:,.0f}"


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def _key(index_key: str) -> str:
    """`schedule|NEXT_INVOICE` → `schedule` `NEXT_INVOICE#n` (a table cell cannot hold a bar)."""
    index, _, base = index_key.partition("|")
    return (
        f"{index} {base}#n"
        if base in ("NEXT_INVOICE", "OPEN_INVOICE", "LIFECYCLE_DUE", "RECEIVABLE", "AUDITED", "OBLIGATION_DUE")
        else f"{index} {base}"
    )


def _usd(x: float | None) -> str:
    return "—" if x is None else f"${x:.6f}"


def _verdicts(sm: dict[str, Any]) -> dict[str, bool]:
    from bench.scale_model import ok

    return ok(sm)


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    sm = results.get("scalemodel")
    if not sm or "error" in sm:
        return []
    v = _verdicts(sm)
    p = [sm["projections"][str(n)] for n in SIZES]
    hot = [max(x["key_write_units_per_s"].items(), key=lambda kv: kv[1]) for x in p]
    rows = [
        (
            "9",
            f"Scale model, peak day ({PEAK_SHARE:.0%} due), {sm['config']['shards']} shards: highest write units/s on "
            "one index partition key (100,000 / 1,000,000 contracts)",
            " / ".join(f"{u:,.0f} ({_key(k)})" for k, u in hot),
            "≤ 1,000",
            _mark(v["key_rate"]),
        ),
        (
            "9",
            "… invocations per daily run (3 jobs), run wall time, longest invocation",
            " / ".join(f"{x['invocations']:,}, {x['run_wall_s']:.0f} s, {x['longest_invocation_s']:.0f} s" for x in p),
            "each invocation ≤ 300 s",
            _mark(v["invocation"]),
        ),
        (
            "9",
            "… USD per contract-year with the fan-out's fixed cost",
            " / ".join(_usd(x["usd_per_contract_year"]) for x in p),
            "< $0.001",
            _mark(v["cost"]),
        ),
    ]
    if "check" in sm:
        jobs = sm["check"]["jobs"]
        rows.append(
            (
                "9",
                f"… check at {_i(sm['check']['contracts'])} contracts: measured / projected mean items per shard "
                "(invoicing, overdue, lifecycle)",
                ", ".join(f"{j['measured_mean_items']:.1f} / {j['predicted_mean_items']:.1f}" for j in jobs.values()),
                "mean within 5 %, max within the projection's bound",
                _mark(v["check"]),
            )
        )
    return rows


def _measured_table(sm: dict[str, Any]) -> list[str]:
    m = sm["measured"]
    lines = [
        f"Measured in moto at {_i(m['contracts'])} contracts over {m['shards']} shards (each shard run as a worker "
        "runs it: pages of 100, the deadline looked at before every item, checkpoints, continuations):",
        "",
        "| job (day) | items | busiest shard | requests / item (by operation) | read units / item | write units / item "
        "| index write units / item (by index and key) | in-process s / item |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, job in m["jobs"].items():
        per = job["per_item"]
        by_base: dict[str, float] = {}
        from bench.projection import base_of

        for key, units in per["index_units"].items():
            by_base[base_of(key)] = by_base.get(base_of(key), 0.0) + units
        lines.append(
            f"| {name} ({job['day']}) | {_i(job['items'])} | {max(job['items_per_shard'])} | "
            f"{per['requests']:.2f} ({', '.join(f'{k} {v:.2f}' for k, v in sorted(per['ops'].items()) if v)}) | "
            f"{per['read_units']:.2f} | {per['write_units']:.1f} | "
            f"{', '.join(f'{_key(k)} {v:.2f}' for k, v in sorted(by_base.items()))} | {per['seconds'] * 1000:.0f} ms |"
        )
    return lines


def _projection_table(sm: dict[str, Any]) -> list[str]:
    lines = [
        "| contracts | shards | peak items per job | per shard: mean / worst | invocations per daily run | run wall "
        "time | longest invocation | hottest index partition key (write units/s) | fixed USD/year | USD per "
        "contract-year |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, group in (("", sm["projections"]), (" (one shard, fanned out)", sm.get("one_shard", {}))):
        for n, p in group.items():
            key, rate = max(p["key_write_units_per_s"].items(), key=lambda kv: kv[1])
            shards = 1 if label else sm["config"]["shards"]
            lines.append(
                f"| {_i(int(n))}{label} | {shards} | {_i(p['peak_items'])} | {p['shard_mean']:,.1f} / "
                f"{_i(p['shard_max'])} | {_i(p['invocations'])} | {p['run_wall_s']:.0f} s | "
                f"{p['longest_invocation_s']:.0f} s | {_key(key)}: {rate:,.0f} | ${sum(p['fixed_usd_per_year'].values()):.2f} "
                f"| {_usd(p['usd_per_contract_year'])} |"
            )
    return lines


def _check_table(sm: dict[str, Any]) -> list[str]:
    c = sm.get("check")
    if not c:
        return ["No check run (`--check-at 0`)."]
    lines = [
        f"Check at {_i(c['contracts'])} contracts (a second portfolio, measured the same way; {c['wall_s']:.0f} s "
        "in moto): the projection from the 10,000-contract per-item costs against what each shard measured.",
        "",
        "| job | mean items per shard, projected / measured | worst shard, bound / measured | mean requests per "
        "shard, projected / measured | |",
        "|---|---|---|---|---|",
    ]
    for name, j in c["jobs"].items():
        lines.append(
            f"| {name} | {j['predicted_mean_items']:.1f} / {j['measured_mean_items']:.1f} | "
            f"{j['predicted_max_items']} / {j['measured_max_items']} | {j['predicted_mean_requests']:.1f} / "
            f"{j['measured_mean_requests']:.1f} | {_mark(j['ok'])} |"
        )
    return lines


def figure9(sm: dict[str, Any] | None) -> list[str]:
    if not sm:
        return ["Not run (`--only` without scalemodel)."]
    if "error" in sm:
        return [f"Failed: {sm['error']}"]
    v = _verdicts(sm)
    fixed = sm["projections"][str(max(SIZES))]["fixed_usd_per_year"]
    return [
        *_measured_table(sm),
        "",
        f"Projected (bench/projection.py; method in bench/README.md, *Scale model*) to a peak day with "
        f"{PEAK_SHARE:.0%} of the contracts due for each of the three jobs, with the settings' shard count, the shard "
        f"worker's reserved concurrency ({sm['config']['concurrency']}) and pace ({sm['config']['pace']:.0f} items/s), "
        "and for comparison everything in one shard:",
        "",
        *_projection_table(sm),
        "",
        f"**Write rate per index partition key** (≤ 1,000 units/s at the peak): {_mark(v['key_rate'])}. A sharded key "
        "(`NEXT_INVOICE#n`, `OPEN_INVOICE#n`, `LIFECYCLE_DUE#n`, `RECEIVABLE#n`, `AUDITED#n`, `OBLIGATION_DUE#n`) is "
        "written by one shard worker at a "
        "time, at most at its pace, so its rate is that job's units per item × the pace (summed over jobs as if all "
        "three ran at once); `by_status` is not sharded (its key changes only when a contract's status does) and takes "
        "every concurrent worker's writes: reserved concurrency × pace × units per item.",
        "",
        f"**Invocations** (each ≤ 300 s): {_mark(v['invocation'])}. Before every item a worker looks at the time left "
        "and hands the rest of its shard on (from right after its last item) once less than 30 s + 5 × its slowest "
        "item is left, so an invocation works at most 300 s − 30 s − 5 × the item's upper-bound time, plus that one "
        "item.",
        "",
        f"**Cost per contract-year** at 100,000 / 1,000,000 contracts (< $0.001): {_mark(v['cost'])} "
        f"({' / '.join(_usd(sm['projections'][str(n)]['usd_per_contract_year']) for n in SIZES)}) — the contract's "
        f"own cost from figure 3 ({_usd(sm.get('own_usd_per_contract_year'))}) plus the fan-out's fixed cost shared "
        f"by the portfolio: ${sum(fixed.values()):.2f} a year, of which ${fixed['sqs_idle_polling_estimate']:.2f} is "
        "the estimate for the queue's event source mapping long-polling an idle queue all day (≈ 15 ReceiveMessage a "
        "minute; within SQS's free million requests a month, which this figure does not apply). A portfolio that does "
        "not need the fan-out deploys with `ShardFanOut=false` (no queue, no idle polling; each daily run works "
        "through its shards itself) and `IndexShards=1`: see the one-shard rows for how long its runs take.",
        "",
        *_check_table(sm),
    ]
