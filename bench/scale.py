"""Figures 1, 2 and 7 at one portfolio size: overdue detection (index vs a naive full scan), annual invoicing, and
the receivables ledger's reads per payment and per receivables row (bench/ledger_reads.py).

Both run the production services (`billing.detect_overdue`, `billing.issue_due_invoices`) with the real
DynamoRepository on moto in process; bench.meter counts every request, item and unit.

Figure 1. Steady state: the daily job on the seven days D-6..D, starting from the state the job left on D-7;
each day only some overdue invoices reach a new alert level (1, 15, 30, 60, 90 days) and the rest are only
read. First detection: the same invoices rewritten as never alerted, one run on D (every one escalates).
Naive: a Scan of the whole table keeping open invoices due before D.

Figure 2. Three rounds, each a different 1 % cohort whose contract year starts on D+1, D+2, D+3: the invoicing
job's requests and write units per invoice, and its invoices per second as a ratio to replaying the very same
items (everything its transactions wrote) with unconditional put_item calls, and with plain transactions.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from typing import Any

from bench import sizes
from bench.data import build_portfolio, clock, first_detection_state, template_contract
from bench.env import Stack, index_shards, stack
from bench.ledger_reads import payments_figure, receivables_figure
from bench.meter import METER, Counts, _wire
from bench.motofast import fast_moto
from bench.projection import recommended_shards

BUSINESS_DAY = date(2027, 10, 15)
STEADY_DAYS = 7
TEMPLATE_DAY = date(2026, 9, 1)


def table_stats(table_name: str) -> dict[str, int]:
    """Items and bytes (DynamoDB's item sizes) held in the table right now; outbox events (TTL 14 days) apart."""
    backend = METER._backend()
    table = backend.get_table(table_name)
    count = 0
    nbytes = 0
    outbox = 0
    for item in table.all_items():
        wire = {k: _wire(v) for k, v in item.attrs.items()}
        size = sizes.item_size(wire)
        count += 1
        nbytes += size
        if str(wire.get("pk", {}).get("S", "")).startswith("OUTBOX#"):
            outbox += size
    return {"items": count, "bytes": nbytes, "outbox_bytes": outbox}


def naive_overdue(client: Any, table_name: str, as_of: date) -> list[tuple[str, str]]:
    """The naive implementation: Scan every item of the table, keep open invoices due before `as_of`.

    The filter runs here rather than as a FilterExpression: DynamoDB charges a Scan for every item it reads
    whether or not a filter drops it, so the read units are the same, and every item read can be sized.
    """
    found: list[tuple[str, str]] = []
    cutoff = as_of.isoformat()
    kwargs: dict[str, Any] = {"TableName": table_name}
    while True:
        page = client.scan(**kwargs)
        for item in page.get("Items", []):
            if (
                item.get("kind", {}).get("S") == "invoice"
                and item.get("status", {}).get("S") in ("open", "partially_paid")
                and item.get("due_on", {}).get("S", "9999") < cutoff
            ):
                found.append((item["pk"]["S"], item["sk"]["S"]))
        last = page.get("LastEvaluatedKey")
        if not last:
            return sorted(found)
        kwargs["ExclusiveStartKey"] = last


def _per(counts: Counts, n: int) -> dict[str, Any]:
    index_items = sum(v for k, v in counts.op_items.items() if "@" in k)
    return {
        "requests": counts.ddb_requests,
        "items_read": counts.items_read,
        "index_items_read": index_items,
        "read_units": counts.read_units,
        "items_written": counts.items_written,
        "write_units": counts.write_units,
        "items_read_per_overdue": counts.items_read / n if n else None,
        "index_items_read_per_overdue": index_items / n if n else None,
        "read_units_per_overdue": counts.read_units / n if n else None,
        "ops": dict(sorted(counts.ops.items())),
        "items_read_by_op": dict(sorted(counts.op_items.items())),
        "moto_reported_units": counts.moto_reported_units,
        "failed_requests": counts.ddb_failed,
    }


def overdue_figure(st: Stack, deps: Any, size: int, levels: tuple[int, ...], portfolio: Any) -> dict[str, Any]:
    from chalicelib.adapters.aws import client
    from chalicelib.services.billing import detect_overdue

    day = BUSINESS_DAY
    # Steady state: D-6 .. D, from the state the job left on D-7.
    t0 = time.perf_counter()
    before = METER.snapshot()
    overdue_days = 0
    escalated = 0
    daily: list[dict[str, int]] = []
    for offset in range(STEADY_DAYS - 1, -1, -1):
        as_of = day - timedelta(days=offset)
        clock(deps, as_of)
        result = detect_overdue(deps, as_of)
        overdue_days += int(result["overdue_invoices"])
        escalated += int(result["escalated"])
        daily.append({"overdue": int(result["overdue_invoices"]), "escalated": int(result["escalated"])})
    steady = _per(METER.snapshot() - before, overdue_days)
    steady.update({"days": STEADY_DAYS, "overdue_invoice_days": overdue_days, "escalated": escalated, "daily": daily})
    steady["wall_s"] = time.perf_counter() - t0

    # First detection: the same invoices, never alerted, one run on D.
    first_detection_state(portfolio, levels)
    clock(deps, day)
    t0 = time.perf_counter()
    before = METER.snapshot()
    result = detect_overdue(deps, day)
    first_counts = METER.snapshot() - before
    first_s = time.perf_counter() - t0
    n_first = int(result["overdue_invoices"])
    first = _per(first_counts, n_first)
    first.update({"overdue": n_first, "escalated": int(result["escalated"])})
    first["wall_s"] = first_s
    first["write_units_per_escalation"] = first_counts.write_units / max(1, int(result["escalated"]))

    # The naive scan, same table, same day.
    index_keys = sorted(
        (f"CONTRACT#{inv.contract_id}", f"INVOICE#{inv.year:03d}")
        for inv in deps.repo.open_invoices_due_before(day)
        if inv.is_overdue(day)
    )
    ddb = client("dynamodb", deps.settings)
    t0 = time.perf_counter()
    before = METER.snapshot()
    found = naive_overdue(ddb, st.table, day)
    scan_counts = METER.snapshot() - before
    scan_s = time.perf_counter() - t0
    scan = _per(scan_counts, len(found))
    scan.update({"found": len(found), "same_invoices_as_index": found == index_keys, "wall_s": scan_s})
    return {
        "contracts": size,
        "overdue_on_day": n_first,
        "steady_state": steady,
        "first_detection": first,
        "naive_scan": scan,
    }


def invoicing_figure(deps: Any, portfolio: Any) -> dict[str, Any]:
    from chalicelib.adapters.aws import client
    from chalicelib.services.billing import issue_due_invoices

    ddb = client("dynamodb", deps.settings)
    rounds: list[dict[str, Any]] = []
    total = Counts()
    invoices = 0
    for as_of in sorted(portfolio.invoicing):
        clock(deps, as_of)
        with METER.capture_transactions() as txs:
            before = METER.snapshot()
            t0 = time.perf_counter()
            result = issue_due_invoices(deps, as_of)
            t_service = time.perf_counter() - t0
            counts = METER.snapshot() - before
        n = int(result["invoices_issued"])
        puts = [entry["Put"] for tx in txs for entry in tx if "Put" in entry]
        t0 = time.perf_counter()
        for op in puts:
            ddb.put_item(TableName=op["TableName"], Item=op["Item"])
        t_put = time.perf_counter() - t0
        t0 = time.perf_counter()
        for tx in txs:
            ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": e["Put"]["TableName"], "Item": e["Put"]["Item"]}} for e in tx if "Put" in e
                ]
            )
        t_tx = time.perf_counter() - t0
        query_s = sum(v for k, v in counts.op_seconds.items() if "@" in k)
        rounds.append(
            {
                "as_of": as_of.isoformat(),
                "invoices": n,
                "contracts_due": int(result["contracts_due"]),
                "items_put": len(puts),
                "service_s": t_service,
                "index_query_s": query_s,
                "raw_put_s": t_put,
                "raw_transaction_s": t_tx,
                "invoices_per_s": n / t_service,
                "raw_put_invoices_per_s": n / t_put,
                "ratio_to_raw_put": t_put / t_service,
                "ratio_to_raw_transaction": t_tx / t_service,
                "ratio_to_raw_put_without_index_query": t_put / max(1e-9, t_service - query_s),
                "requests": counts.ddb_requests,
                "ops": dict(sorted(counts.ops.items())),
            }
        )
        total = _add(total, counts)
        invoices += n
    return {
        "rounds": rounds,
        "invoices": invoices,
        "requests_per_invoice": total.ddb_requests / invoices,
        "ops_per_invoice": {k: v / invoices for k, v in sorted(total.ops.items())},
        "write_units_per_invoice": total.write_units / invoices,
        "write_units_table_per_invoice": total.write_units_table / invoices,
        "write_units_index_per_invoice": total.write_units_index / invoices,
        "items_written_per_invoice": total.items_written / invoices,
        "read_units_per_invoice": total.read_units / invoices,
        "items_read_per_invoice": total.items_read / invoices,
        "invoices_per_s": statistics.median(r["invoices_per_s"] for r in rounds),
        "raw_put_invoices_per_s": statistics.median(r["raw_put_invoices_per_s"] for r in rounds),
        "ratio_to_raw_put": statistics.median(r["ratio_to_raw_put"] for r in rounds),
        "ratio_to_raw_transaction": statistics.median(r["ratio_to_raw_transaction"] for r in rounds),
        "ratio_to_raw_put_without_index_query": statistics.median(
            r["ratio_to_raw_put_without_index_query"] for r in rounds
        ),
        "failed_requests": total.ddb_failed,
    }


def _add(a: Counts, b: Counts) -> Counts:
    out = a.copy()
    for name in ("ddb_requests", "ddb_failed", "items_read", "items_written"):
        setattr(out, name, getattr(a, name) + getattr(b, name))
    for fname in ("read_units", "write_units_table", "write_units_index", "moto_reported_units"):
        setattr(out, fname, getattr(a, fname) + getattr(b, fname))
    out.ops.update(b.ops)
    out.op_items.update(b.op_items)
    for name, seconds in b.op_seconds.items():
        out.op_seconds[name] = out.op_seconds.get(name, 0.0) + seconds
    return out


def moto_transaction_cost(st: Stack) -> dict[str, float]:
    """One single-item TransactWriteItems with moto's own code vs with bench.motofast (same table)."""
    import boto3

    from bench.motofast import fast_moto

    ddb = boto3.client("dynamodb", region_name="us-east-1")

    def once(tag: str) -> float:
        t0 = time.perf_counter()
        ddb.transact_write_items(
            TransactItems=[{"Put": {"TableName": st.table, "Item": {"pk": {"S": f"BENCH#{tag}"}, "sk": {"S": "X"}}}}]
        )
        return time.perf_counter() - t0

    with METER.pause():
        moto_s = min(once(f"moto{i}") for i in range(2))
        with fast_moto():
            fast_s = min(once(f"fast{i}") for i in range(2))
    return {"moto_s": moto_s, "bench_s": fast_s}


def prepare_template() -> tuple[dict[str, Any], dict[str, int]]:
    """One contract through the real services in its own moto account: its stored form (cloned by every
    portfolio) and what it occupies in the table (items and bytes: document, tokens, audit, outbox...)."""
    from chalicelib.bootstrap import get_deps

    with stack() as st, fast_moto():
        METER.forget_tables()
        template = template_contract(get_deps(), TEMPLATE_DAY)
        return template, table_stats(st.table)


def run(size: int, template: dict[str, Any], measure_moto_tx: bool = False) -> dict[str, Any]:
    """Figures 1, 2 and 7 on one portfolio of `size` active contracts (a fresh moto account)."""
    from chalicelib.bootstrap import get_deps

    with index_shards(recommended_shards(size)), stack() as st:
        deps = get_deps()
        levels = deps.settings.overdue_levels
        METER.forget_tables()
        t0 = time.perf_counter()
        portfolio = build_portfolio(template, size, BUSINESS_DAY, levels)
        setup_s = time.perf_counter() - t0
        stats = table_stats(st.table)
        moto_tx = moto_transaction_cost(st) if measure_moto_tx else None
        with fast_moto() as tx_stats:
            fast_before, moto_before = tx_stats.fast, tx_stats.moto
            overdue = overdue_figure(st, deps, size, levels, portfolio)
            ledger = {
                "receivables": receivables_figure(deps, portfolio, BUSINESS_DAY),
                "payments": payments_figure(deps, portfolio, BUSINESS_DAY),
            }
            invoicing = invoicing_figure(deps, portfolio)
            fast, slow = tx_stats.fast - fast_before, tx_stats.moto - moto_before
        return {
            "contracts": size,
            "index_shards": deps.repo.index_shards(),
            "business_day": BUSINESS_DAY.isoformat(),
            "setup_s": setup_s,
            "setup_items_written": portfolio.items_written,
            "table": stats,
            "moto_transaction_cost": moto_tx,
            "transactions": {"bench_path": fast, "moto_path": slow},
            "overdue": overdue,
            "invoicing": invoicing,
            "ledger": ledger,
        }
