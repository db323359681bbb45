"""Figure 5: in-process latency of POST /sign/{token} (Chalice test client, real adapters, moto), p50 and p95,
as a ratio to a minimal Chalice handler that does one conditional put_item on the same moto table.

Contracts are drafted and sent through the services (each send makes two signing links); each signing is
followed by one call of the minimal handler, so both see the same table and the same machine load. The first
few of each are a warm-up and not counted. Half the signings are a first signature, half a second one (which
also makes the contract take effect).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.data import SIGNER_AGENT, clock, contract_body
from bench.env import stack
from bench.meter import METER
from bench.motofast import fast_moto

CONTRACTS = 30  # 60 signings
WARMUP_CONTRACTS = 2
TARGET_P50_RATIO = 3.0


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@contextmanager
def counting_clients() -> Iterator[list[tuple[str, float]]]:
    """Record (service, seconds) for every botocore client created in the block."""
    import botocore.session

    created: list[tuple[str, float]] = []
    original = botocore.session.Session.create_client

    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(self, service_name, *args, **kwargs)
        finally:
            created.append((service_name, time.perf_counter() - t0))

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield created
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]


def minimal_app(table: str) -> Any:
    """A Chalice app whose one route does one conditional put_item (the same boto3 client factory)."""
    from chalice.app import Chalice, Response

    from chalicelib.adapters.aws import client
    from chalicelib.settings import get_settings

    mini = Chalice(app_name="bench-minimal")

    def put(key: str) -> Response:
        client("dynamodb", get_settings()).put_item(
            TableName=table,
            Item={"pk": {"S": f"BENCH#{key}"}, "sk": {"S": "BENCH"}, "kind": {"S": "bench"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
        return Response(body='{"ok": true}', status_code=201, headers={"Content-Type": "application/json"})

    mini.route("/minimal/{key}", methods=["POST"], content_types=["application/json"])(put)
    return mini


def run() -> dict[str, Any]:
    from chalice.test import Client

    from chalicelib.api.body import parse
    from chalicelib.api.requests import DraftContractRequest
    from chalicelib.bootstrap import get_deps
    from chalicelib.domain.contract import PARTIES
    from chalicelib.domain.links import link_token
    from chalicelib.services.contracts import draft_contract
    from chalicelib.services.signing import send_for_signature

    with stack() as st, fast_moto():
        METER.forget_tables()
        deps = get_deps()
        from bench.life import EFFECTIVE

        clock(deps, EFFECTIVE)
        tokens: list[str] = []
        with METER.pause():
            for _ in range(WARMUP_CONTRACTS + CONTRACTS):
                drafted = draft_contract(deps, parse(DraftContractRequest, contract_body()).command(), "staff:operator")
                sent = send_for_signature(deps, drafted.id, "staff:operator")
                tokens.extend(link_token(deps.link_secret(), sent.signing.links[p].token_id) for p in PARTIES)
        from app import app
        from chalicelib.bootstrap import reset

        headers = {"Content-Type": "application/json", "User-Agent": SIGNER_AGENT}
        body = json.dumps({"signer_name": "张伟", "consent": True})
        # A fresh process's first signing: the repository and its connections are rebuilt (imports stay warm).
        reset()
        clock(get_deps(), EFFECTIVE)
        with Client(app) as api, counting_clients() as created:
            t0 = time.perf_counter()
            first = api.http.post(f"/sign/{tokens.pop(0)}", headers=headers, body=body)
            first_s = time.perf_counter() - t0
        if first.status_code != 201:
            raise RuntimeError(f"first signing: {first.status_code} {first.body!r}")
        sign_s: list[float] = []
        sign_ddb_s: list[float] = []
        minimal_s: list[float] = []
        sign_requests: list[int] = []
        minimal_requests: list[int] = []
        with Client(app) as api, Client(minimal_app(st.table)) as mini:
            for n, token in enumerate(tokens):
                before = METER.snapshot()
                t0 = time.perf_counter()
                resp = api.http.post(f"/sign/{token}", headers=headers, body=body)
                t_sign = time.perf_counter() - t0
                mid = METER.snapshot()
                t0 = time.perf_counter()
                resp_min = mini.http.post(f"/minimal/{n}", headers=headers, body="{}")
                t_min = time.perf_counter() - t0
                after = METER.snapshot()
                if resp.status_code != 201 or resp_min.status_code != 201:
                    raise RuntimeError(f"signing {n}: {resp.status_code} {resp.body!r} / {resp_min.status_code}")
                if n < 2 * WARMUP_CONTRACTS - 1:  # one warm-up token went to the first signing
                    continue
                sign_s.append(t_sign)
                sign_ddb_s.append(sum(v for k, v in (mid - before).op_seconds.items() if k.startswith("dynamodb.")))
                minimal_s.append(t_min)
                sign_requests.append((mid - before).ddb_requests)
                minimal_requests.append((after - mid).ddb_requests)
        p50_sign, p95_sign = percentile(sign_s, 50), percentile(sign_s, 95)
        p50_min, p95_min = percentile(minimal_s, 50), percentile(minimal_s, 95)
        return {
            "signings": len(sign_s),
            "sign_p50_ms": p50_sign * 1000,
            "sign_p95_ms": p95_sign * 1000,
            "minimal_p50_ms": p50_min * 1000,
            "minimal_p95_ms": p95_min * 1000,
            "p50_ratio": p50_sign / p50_min,
            "p95_ratio": p95_sign / p95_min,
            "sign_ddb_requests_median": statistics.median(sign_requests),
            "sign_time_in_dynamodb_calls_share": statistics.median(
                d / t for d, t in zip(sign_ddb_s, sign_s, strict=True)
            ),
            "first_signing_ms": first_s * 1000,
            "first_signing_clients_created": [name for name, _ in created],
            "first_signing_client_creation_ms": sum(sec for _, sec in created) * 1000,
            "minimal_ddb_requests_median": statistics.median(minimal_requests),
            "target_p50_ratio": TARGET_P50_RATIO,
        }
