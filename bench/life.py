"""Figure 3: one contract's whole three-year life through the API (Chalice test client), the scheduled workers
(their Lambda handlers, every day), and the notifier fed from the table's stream, on moto with a fixed clock
(as tests/integration/world.py does), turned into US dollars at list prices (bench.prices).

The life: drafted, sent, each party opens the signing page and signs (effective 2026-11-22); the invoicing
worker issues three annual invoices; finance looks at the invoices and records each payment 20 days after
issue (before the due date); in year two a supplementary agreement raises the fee for year three and both
parties sign it; renewal reminders go out 60 and 30 days before the end; the contract expires.

Invocations are counted the way Lambda bills them: each API request = 1 API invocation (+1 API Gateway
request), each worker run = 1, each notifier batch (up to 10 stream records, as the event source mapping)
= 1. Durations are the measured in-process wall times of each invocation (moto's emulation of DynamoDB, SES
and SNS included, network latency and cold starts not), each rounded up to a whole millisecond as Lambda bills.

The three workers run once a day whatever the number of contracts, so their invocation fee, the duration of a
run with nothing due and its index queries are a fixed cost shared by the whole portfolio; everything else
(API, notifier, the units and time the workers spend on this contract) is this contract's own.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
import math
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench import prices
from bench.data import SIGNER_AGENT, clock, contract_body
from bench.env import REGION, index_shards, stack
from bench.meter import METER, Counts
from bench.motofast import fast_moto
from bench.projection import recommended_shards
from devstack.client import moto_inbox_in_process, newest_link, recipients, token_of

EFFECTIVE = date(2026, 11, 22)
PAY_AFTER_DAYS = 20
AMENDMENT_AFTER = timedelta(days=365 + 90)
WORKERS = ("invoicing", "overdue", "lifecycle")


@dataclass
class Bucket:
    invocations: int = 0
    billed_ms: float = 0.0
    seconds: list[float] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)

    def add(self, counts: Counts, seconds: float) -> None:
        self.invocations += 1
        self.seconds.append(seconds)
        self.billed_ms += math.ceil(seconds * 1000)
        c = self.counts
        for name in ("ddb_requests", "ddb_failed", "items_read", "items_written", "emails", "sns_publishes"):
            setattr(c, name, getattr(c, name) + getattr(counts, name))
        for name in ("read_units", "write_units_table", "write_units_index"):
            setattr(c, name, getattr(c, name) + getattr(counts, name))
        c.ops.update(counts.ops)

    def to_dict(self) -> dict[str, Any]:
        return {
            "invocations": self.invocations,
            "billed_ms": self.billed_ms,
            "median_ms": statistics.median(self.seconds) * 1000 if self.seconds else None,
            "ddb_requests": self.counts.ddb_requests,
            "read_units": self.counts.read_units,
            "write_units": self.counts.write_units,
            "write_units_index": self.counts.write_units_index,
            "items_read": self.counts.items_read,
            "items_written": self.counts.items_written,
            "emails": self.counts.emails,
            "sns_publishes": self.counts.sns_publishes,
            "ops": dict(sorted(self.counts.ops.items())),
        }


class Life:
    def __init__(self, api: Any, keys: dict[str, str], runner: Any, deps: Any) -> None:
        self.api = api
        self.keys = keys
        self.runner = runner
        self.deps = deps
        self.buckets: dict[str, Bucket] = {}
        self.routes: dict[str, int] = {}
        self.empty_ms: dict[str, list[float]] = {w: [] for w in WORKERS}

    def bucket(self, name: str) -> Bucket:
        return self.buckets.setdefault(name, Bucket())

    @staticmethod
    def measure(fn: Callable[[], Any]) -> tuple[Any, Counts, float]:
        before = METER.snapshot()
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
        return result, METER.snapshot() - before, seconds

    # ---- the API --------------------------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        role: str | None = "operator",
        status: int = 200,
        route: str = "",
        headers: dict[str, str] | None = None,
    ) -> Any:
        h = {"Content-Type": "application/json", **(headers or {})}
        if role:
            h["Authorization"] = f"Bearer {self.keys[role]}"
        kwargs: dict[str, Any] = {"headers": h}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        resp, counts, seconds = self.measure(lambda: getattr(self.api.http, method.lower())(path, **kwargs))
        if resp.status_code != status:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.body!r}")
        self.bucket("api").add(counts, seconds)
        name = f"{method} {route or path}"
        self.routes[name] = self.routes.get(name, 0) + 1
        self.deliver()
        content_type = next((v for k, v in resp.headers.items() if k.lower() == "content-type"), "")
        return resp.json_body if "json" in content_type else resp.body

    def deliver(self) -> None:
        self.runner.poll_once()

    def notifier(self, handler: Callable[[dict[str, Any], Any], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        def counted(event: dict[str, Any], context: Any) -> dict[str, Any]:
            result, counts, seconds = self.measure(lambda: handler(event, context))
            self.bucket("notifier").add(counts, seconds)
            out: dict[str, Any] = result
            return out

        return counted

    def sign(self, who: str) -> None:
        token = token_of(signing_link(who))
        self.call("GET", f"/sign/{token}", role=None, route="/sign/{token}", headers={"Accept": "text/html"})
        self.call(
            "POST",
            f"/sign/{token}",
            {"signer_name": "张伟" if who.startswith("client") else "李娜", "consent": True},
            role=None,
            status=201,
            route="/sign/{token}",
            headers={"User-Agent": SIGNER_AGENT},
        )

    # ---- the workers ---------------------------------------------------------------------------------------
    def day(self, today: date) -> None:
        from devstack.lambda_shim import LocalContext

        clock(self.deps, today)
        for worker in WORKERS:
            handler = importlib.import_module(f"functions.{worker}").handler
            invoke = functools.partial(handler, {"as_of": today.isoformat()}, LocalContext(f"hetong-{worker}"))
            _, counts, seconds = self.measure(invoke)
            if counts.ops.get("dynamodb.TransactWriteItems"):
                self.bucket("worker_work").add(counts, seconds)
                self.deliver()
            else:
                self.bucket("worker_empty").add(counts, seconds)
                self.empty_ms[worker].append(seconds * 1000)


def signing_link(address: str) -> str:
    link = newest_link(moto_inbox_in_process(REGION), address)
    if link is None:
        raise RuntimeError(f"no signing link was emailed to {address}")
    return link


def emails_by_title() -> dict[str, int]:
    """How many emails of each kind were sent (the English title in the subject), recipients counted."""
    out: dict[str, int] = {}
    for msg in moto_inbox_in_process(REGION):
        subject = msg["subject"]
        title = subject.split(" / ", 1)[1].split(" — ", 1)[0] if " / " in subject else subject
        out[title] = out.get(title, 0) + max(1, len(recipients(msg)))
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def _life(life: Life) -> dict[str, Any]:
    deps = life.deps
    clock(deps, EFFECTIVE)
    cid = str(life.call("POST", "/contracts", contract_body(), status=201, route="/contracts")["id"])
    life.call("POST", f"/contracts/{cid}/send", route="/contracts/{id}/send")
    life.sign("client@example.com")
    life.sign("vendor@example.com")
    contract = life.call("GET", f"/contracts/{cid}", route="/contracts/{id}")
    end = date.fromisoformat(contract["end_date"])
    payments = {date.fromisoformat(contract["effective_date"]).replace(year=EFFECTIVE.year + k) for k in range(3)}
    pay_days = {d + timedelta(days=PAY_AFTER_DAYS) for d in payments}
    amendment_day = EFFECTIVE + AMENDMENT_AFTER
    day = EFFECTIVE
    paid = 0
    while day <= end + timedelta(days=1):
        clock(deps, day)
        if day in pay_days:
            invoices = life.call("GET", f"/contracts/{cid}/invoices", role="finance", route="/contracts/{id}/invoices")
            due = next(i for i in invoices["items"] if i["status"] != "paid")
            paid += 1
            life.call(
                "POST",
                f"/contracts/{cid}/payments",
                {
                    "amount": due["outstanding"],
                    "paid_on": day.isoformat(),
                    "voucher_no": f"BOC-{day:%Y%m%d}-{paid:03d}",
                    "method": "bank_transfer",
                },
                role="finance",
                status=201,
                route="/contracts/{id}/payments",
            )
        if day == amendment_day:
            life.call(
                "POST",
                f"/contracts/{cid}/amendments",
                {"changes": {"annual_fee": "132000.00"}, "reason": "服务范围扩大，自第三个合同年度起调整年度服务费。"},
                status=201,
                route="/contracts/{id}/amendments",
            )
            life.sign("client@example.com")
            life.sign("vendor@example.com")
        life.day(day)
        day += timedelta(days=1)
    final = life.call("GET", f"/contracts/{cid}", route="/contracts/{id}")
    invoices = life.call("GET", f"/contracts/{cid}/invoices", role="finance", route="/contracts/{id}/invoices")
    return {
        "contract_id": cid,
        "effective_date": contract["effective_date"],
        "end_date": contract["end_date"],
        "final_status": final["status"],
        "invoices": [(i["year"], i["amount"], i["status"]) for i in invoices["items"]],
        "payments": paid,
        "days_simulated": (day - EFFECTIVE).days,
    }


def _costs(buckets: dict[str, Bucket], empty_ms: dict[str, list[float]], years: float) -> dict[str, Any]:
    api, notifier = buckets["api"], buckets["notifier"]
    work, empty = buckets["worker_work"], buckets["worker_empty"]
    median_empty = {w: statistics.median(v) if v else 0.0 for w, v in empty_ms.items()}
    typical_empty_ms = statistics.median([m for v in empty_ms.values() for m in v]) if empty_ms else 0.0
    # The workers' own work for this contract: its units, and its time beyond a run with nothing due.
    work_extra_ms = max(0.0, work.billed_ms - work.invocations * math.ceil(typical_empty_ms))
    runs_per_year = len(WORKERS) * 365
    empty_units_per_run = (
        empty.counts.read_units / empty.invocations if empty.invocations else 0.0,
        empty.counts.write_units / empty.invocations if empty.invocations else 0.0,
    )
    fixed_year = {
        "lambda_requests": runs_per_year * prices.LAMBDA_REQUEST,
        "lambda_duration": runs_per_year
        * math.ceil(typical_empty_ms)
        / 1000
        * prices.LAMBDA_MEMORY_GB
        * prices.LAMBDA_GB_SECOND_ARM,
        "dynamodb": runs_per_year * prices.dynamodb_cost(*empty_units_per_run),
    }
    # A run that did work for this contract also did what an empty run does (its index queries, one per shard),
    # which the fixed cost already counts for every run: only the units beyond it are this contract's.
    work_reads = max(0.0, work.counts.read_units - work.invocations * empty_units_per_run[0])
    work_writes = max(0.0, work.counts.write_units - work.invocations * empty_units_per_run[1])
    reads = api.counts.read_units + notifier.counts.read_units + work_reads
    writes = api.counts.write_units + notifier.counts.write_units + work_writes
    emails = api.counts.emails + notifier.counts.emails + work.counts.emails
    publishes = api.counts.sns_publishes + notifier.counts.sns_publishes + work.counts.sns_publishes
    marginal = {
        "dynamodb_reads": reads * prices.DDB_READ_REQUEST_UNIT,
        "dynamodb_writes": writes * prices.DDB_WRITE_REQUEST_UNIT,
        "lambda_api": prices.lambda_cost(api.invocations, api.billed_ms),
        "lambda_notifier": prices.lambda_cost(notifier.invocations, notifier.billed_ms),
        "lambda_workers_extra_duration": prices.lambda_cost(0, work_extra_ms),
        "api_gateway": api.invocations * prices.API_GATEWAY_REST_REQUEST,
        "ses": emails * prices.SES_EMAIL,
        "sns": publishes * prices.SNS_PUBLISH,
    }
    marginal_total = sum(marginal.values())
    fixed_total = sum(fixed_year.values())
    per_year = {str(n): marginal_total / years + fixed_total / n for n in (1, 1_000, 10_000)}
    return {
        "quantities": {
            "api_invocations": api.invocations,
            "api_gateway_requests": api.invocations,
            "notifier_invocations": notifier.invocations,
            "worker_runs": work.invocations + empty.invocations,
            "worker_runs_with_work_for_this_contract": work.invocations,
            "read_units": reads,
            "write_units": writes,
            "ses_emails": emails,
            "sns_publishes": publishes,
            "billed_ms_api": api.billed_ms,
            "billed_ms_notifier": notifier.billed_ms,
            "billed_ms_workers_extra": work_extra_ms,
            "median_empty_worker_run_ms": median_empty,
            "fixed_runs_per_year": runs_per_year,
            "empty_run_read_units": empty_units_per_run[0],
        },
        "marginal_usd_life": marginal,
        "marginal_usd_life_total": marginal_total,
        "marginal_usd_per_contract_year": marginal_total / years,
        "fixed_usd_per_year": fixed_year,
        "fixed_usd_per_year_total": fixed_total,
        "usd_per_contract_year_by_portfolio_size": per_year,
    }


def run() -> dict[str, Any]:
    from chalice.test import Client

    from chalicelib.bootstrap import get_deps
    from chalicelib.services.auth import create_api_key
    from devstack.runner import StreamRunner
    from functions import notifier

    # The life is judged at 1,000 contracts: run with the shard count such a deployment would set.
    with index_shards(recommended_shards(1_000)), stack() as st, fast_moto():
        METER.forget_tables()
        deps = get_deps()
        clock(deps, EFFECTIVE)
        with METER.pause():
            keys = {
                "operator": create_api_key(deps, "operator", "bench operator"),
                "finance": create_api_key(deps, "finance", "bench finance"),
            }
        from app import app

        logs = io.StringIO()
        with Client(app) as api, contextlib.redirect_stdout(logs), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            life = Life(api, keys, None, deps)
            # endpoint None = AWS's own endpoints, which moto intercepts (StreamRunner's annotation says str).
            endpoint: Any = None
            life.runner = StreamRunner(endpoint, REGION, st.stream_arn, st.dlq_url, life.notifier(notifier.handler))
            t0 = time.perf_counter()
            story = _life(life)
            wall = time.perf_counter() - t0
        years = 3.0
        from bench.scale import table_stats

        return {
            "table_after_life": table_stats(st.table),
            "story": story,
            "wall_s": wall,
            "routes": dict(sorted(life.routes.items())),
            "emails_by_title": emails_by_title(),
            "buckets": {k: v.to_dict() for k, v in sorted(life.buckets.items())},
            "stdout_log_bytes": len(logs.getvalue().encode()),
            "cost": _costs(life.buckets, life.empty_ms, years),
            "prices": {"date": prices.PRICES_DATE, "source": prices.PRICES_SOURCE, "table": prices.TABLE},
        }
