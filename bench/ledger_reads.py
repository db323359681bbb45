"""Figure 7 at one portfolio size: what the receivables ledger reads — per payment recorded, and per row of the
receivables report — counted in DynamoDB requests and items read (bench.meter), never in time.

Payments: `payments.record_payment` (the service the API calls) for up to PAYMENTS contracts with an open invoice
on D, spread evenly over the portfolio (overdue and not yet due), each paying its open fee in full on D: the voucher
check (GetItem), the contract's ledger (one Query over its partition: invoices, ledger facts, the contract,
payments), one transaction.

Receivables: `receivables.receivables` as of D (the service behind GET /receivables): the `receivables` index's
entries (RECEIVABLE#<shard>) not settled before D, then each such contract's ledger Query. Contracts settled before D are not
read at all, so the items read per row do not grow with the portfolio.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from bench.data import Portfolio, clock
from bench.meter import METER, Counts

PAYMENTS = 100


def _reads(counts: Counts, n: int) -> dict[str, Any]:
    ledger_queries = counts.ops.get("dynamodb.Query", 0)
    ledger_items = counts.op_items.get("dynamodb.Query", 0)
    index_items = sum(v for k, v in counts.op_items.items() if "@" in k)
    return {
        "requests": counts.ddb_requests,
        "items_read": counts.items_read,
        "ledger_queries": ledger_queries,
        "ledger_items_read": ledger_items,
        "index_items_read": index_items,
        "read_units": counts.read_units,
        "write_units": counts.write_units,
        "requests_per": counts.ddb_requests / n if n else None,
        "items_read_per": counts.items_read / n if n else None,
        "ledger_queries_per": ledger_queries / n if n else None,
        "ledger_items_per": ledger_items / n if n else None,
        "read_units_per": counts.read_units / n if n else None,
        "ops": dict(sorted(counts.ops.items())),
        "items_read_by_op": dict(sorted(counts.op_items.items())),
        "failed_requests": counts.ddb_failed,
    }


def receivables_figure(deps: Any, portfolio: Portfolio, day: date) -> dict[str, Any]:
    from chalicelib.services.receivables import receivables

    clock(deps, day)
    t0 = time.perf_counter()
    before = METER.snapshot()
    report = receivables(deps, day)
    counts = METER.snapshot() - before
    rows = len(report["contracts"])
    out = _reads(counts, rows)
    out.update(
        {
            "as_of": day.isoformat(),
            "rows": rows,
            "contracts": portfolio.size,
            "receivable_in_portfolio": portfolio.receivable,
            "settled_contracts_read": out["index_items_read"] - rows,
            "wall_s": time.perf_counter() - t0,
        }
    )
    return out


def payments_figure(deps: Any, portfolio: Portfolio, day: date) -> dict[str, Any]:
    from chalicelib.services.payments import RecordPayment, record_payment

    clock(deps, day)
    step = max(1, len(portfolio.open) // PAYMENTS)
    chosen = portfolio.open[::step][:PAYMENTS]
    overdue = {o.contract.id for o in portfolio.overdue}
    t0 = time.perf_counter()
    before = METER.snapshot()
    for n, (contract_id, year, amount) in enumerate(chosen):
        cmd = RecordPayment(amount=amount, paid_on=day, voucher_no=f"BENCH-PAY-{year}-{n:05d}", method="bank_transfer")
        record_payment(deps, contract_id, cmd, "finance:bench")
    counts = METER.snapshot() - before
    out = _reads(counts, len(chosen))
    out.update(
        {
            "paid_on": day.isoformat(),
            "payments": len(chosen),
            "of_overdue_invoices": sum(1 for c, _, _ in chosen if c in overdue),
            "wall_s": time.perf_counter() - t0,
        }
    )
    return out
