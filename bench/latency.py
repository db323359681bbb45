"""Figure 5: in-process latency of POST /sign/{token} (Chalice test client, real adapters, moto), p50 and p95,
as a ratio to a minimal Chalice handler that does one conditional put_item on the same moto table, with a client
from the same factory (chalicelib.adapters.aws.client) as the repository's.

Contracts are drafted (with `signer_verification: email_code`, the default) and sent through the services (each
send makes two signing links, in the format emailed: the contract id, then the token); before each signing, and
outside the timed call, the signer asks for a one-time code (the code's email is captured instead of sent), and
the signing carries it. The code request leaves the process its copy of the contract (adapters/recent.py), as
on a Lambda instance that served the signer's code request: the signing starts from it, and its one request is
the TransactWriteItems. A second pass (`cold`, COLD_CONTRACTS more contracts) times the same signings after the
copies are forgotten — a signing on an instance that did not serve the code request, which reads the contract
first. Each signing is followed by one call of the minimal handler, so both see the same table
and the same machine load. The first few of each are a warm-up and not counted. Half the signings are a first
signature, half a second one (which also makes the contract take effect).

Both timed calls run with the bench meter paused: its botocore handlers read and size every written item in
moto's backend, which costs far more for a signing's transaction than for the baseline's one put, so timing with
it attached measured the meter. The requests per call and the share of a signing spent in DynamoDB calls come
from a separate, untimed counting pass over COUNTED_CONTRACTS more contracts signed the same way with the meter on
(the share excludes the meter's own time).
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.data import SIGNER_AGENT, clock, contract_body
from bench.env import stack
from bench.meter import METER, Counts
from bench.motofast import fast_moto

CONTRACTS = 30  # 60 timed signings
WARMUP_CONTRACTS = 2
COUNTED_CONTRACTS = 2  # the untimed counting pass: 2 first signatures, 2 that make the contract effective
COLD_CONTRACTS = 30  # 60 more timed signings on a process without a copy of the contract (adapters/recent.py)
TARGET_P50_RATIO = 3.0
CODE = re.compile(r"\b(\d{6})\b")


class CapturedMail:
    """Stands in for SES while the bench asks for codes: keeps the last code instead of sending it."""

    def __init__(self) -> None:
        self.code = ""

    def send(self, email: Any) -> str:
        found = CODE.search(email.subject)
        if found is None:
            raise RuntimeError(f"no code in {email.subject!r}")
        self.code = found.group(1)
        return "captured"


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


class CallClock:
    """Sums the time spent inside botocore API calls (serializing, moto, parsing the reply) while installed: the
    part of a request that only fewer or smaller DynamoDB requests can shorten. It wraps every client's calls the
    same way, the baseline's included (~1 µs a call)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def installed(self) -> Iterator[CallClock]:
        import botocore.client

        original = botocore.client.BaseClient._make_api_call

        def timed_call(client: Any, operation: str, params: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                self.seconds += time.perf_counter() - t0

        botocore.client.BaseClient._make_api_call = timed_call  # type: ignore[method-assign]
        try:
            yield self
        finally:
            botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def by_kind(kinds: list[str], sign_s: list[float], sign_calls: list[float], minimal_p50: float) -> dict[str, Any]:
    """Per kind of signing (a first signature, the one that makes the contract effective): its p50 and p95, the
    p50 of the time inside its DynamoDB calls, and both as ratios to the baseline's whole request (p50)."""
    out: dict[str, Any] = {}
    for kind in ("first", "effective"):
        walls = [s for k, s in zip(kinds, sign_s, strict=True) if k == kind]
        calls = [s for k, s in zip(kinds, sign_calls, strict=True) if k == kind]
        if not walls:
            continue
        out[kind] = {
            "signings": len(walls),
            "p50_ms": percentile(walls, 50) * 1000,
            "p95_ms": percentile(walls, 95) * 1000,
            "calls_p50_ms": percentile(calls, 50) * 1000,
            "p50_ratio": percentile(walls, 50) / minimal_p50,
            "calls_p50_ratio": percentile(calls, 50) / minimal_p50,
        }
    return out


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
    from chalicelib.domain.links import signing_token
    from chalicelib.services.contracts import draft_contract
    from chalicelib.services.signing import send_for_signature
    from chalicelib.services.signing_codes import CodeSenders, request_code

    with stack() as st, fast_moto():
        METER.forget_tables()
        deps = get_deps()
        from bench.life import EFFECTIVE

        clock(deps, EFFECTIVE)
        tokens: list[str] = []
        with METER.pause():
            for _ in range(WARMUP_CONTRACTS + CONTRACTS + COLD_CONTRACTS + COUNTED_CONTRACTS):
                body = contract_body(signer_verification="email_code")
                drafted = draft_contract(deps, parse(DraftContractRequest, body).command(), "staff:operator")
                sent = send_for_signature(deps, drafted.id, "staff:operator")
                tokens.extend(
                    signing_token(deps.link_secret(), sent.id, sent.signing.links[p].token_id) for p in PARTIES
                )
        mail = CapturedMail()
        senders = CodeSenders(mail, None)

        def signing_body(token: str) -> str:
            """The signer's body with a fresh code for `token` (asked for outside the timed call)."""
            with METER.pause():
                request_code(get_deps(), token, senders)
            return json.dumps({"signer_name": "张伟", "consent": True, "code": mail.code})

        from app import app
        from chalicelib.adapters.aws import reset_clients
        from chalicelib.bootstrap import reset

        headers = {"Content-Type": "application/json", "User-Agent": SIGNER_AGENT}
        # A fresh process's first signing: the repository and its connections are rebuilt (imports stay warm).
        reset()
        clock(get_deps(), EFFECTIVE)
        first_token = tokens.pop(0)
        first_body = signing_body(first_token)
        reset()  # the code request warmed the repository and its client; the first signing must find them cold
        reset_clients()
        clock(get_deps(), EFFECTIVE)
        with Client(app) as api, counting_clients() as created, METER.pause():
            t0 = time.perf_counter()
            first = api.http.post(f"/sign/{first_token}", headers=headers, body=first_body)
            first_s = time.perf_counter() - t0
        if first.status_code != 201:
            raise RuntimeError(f"first signing: {first.status_code} {first.body!r}")
        counted_tokens = tokens[-2 * COUNTED_CONTRACTS :]
        del tokens[-2 * COUNTED_CONTRACTS :]
        cold_tokens = tokens[-2 * COLD_CONTRACTS :]
        del tokens[-2 * COLD_CONTRACTS :]
        cold_s: list[float] = []
        cold_minimal_s: list[float] = []
        cold_kinds: list[str] = []
        cold_calls: list[float] = []
        sign_s: list[float] = []
        minimal_s: list[float] = []
        # CPU time of the calling thread (everything here runs in it, moto included): what the wall time would be
        # without preemption by other processes, reported beside it for runs on a busy machine.
        sign_cpu: list[float] = []
        minimal_cpu: list[float] = []
        sign_requests: list[int] = []
        minimal_requests: list[int] = []
        ddb_shares: list[float] = []
        kinds: list[str] = []  # "first" or "effective", from the reply's effective_date
        sign_calls: list[float] = []  # seconds inside DynamoDB calls, per timed signing
        minimal_calls: list[float] = []
        clock_calls = CallClock()
        with Client(app) as api, Client(minimal_app(st.table)) as mini, clock_calls.installed():

            def post_pair(
                n: int, token: str, body: str, marks: list[Counts] | None
            ) -> tuple[float, float, float, float]:
                """One signing, then one minimal put; `marks` gets the meter's counts before, between and after."""
                if marks is not None:
                    marks.append(METER.snapshot())
                calls0 = clock_calls.seconds
                t0, c0 = time.perf_counter(), time.thread_time()
                resp = api.http.post(f"/sign/{token}", headers=headers, body=body)
                t_sign, c_sign = time.perf_counter() - t0, time.thread_time() - c0
                calls1 = clock_calls.seconds
                if marks is not None:
                    marks.append(METER.snapshot())
                t0, c0 = time.perf_counter(), time.thread_time()
                resp_min = mini.http.post(f"/minimal/{n}", headers=headers, body="{}")
                t_min, c_min = time.perf_counter() - t0, time.thread_time() - c0
                if marks is not None:
                    marks.append(METER.snapshot())
                if resp.status_code != 201 or resp_min.status_code != 201:
                    raise RuntimeError(f"signing {n}: {resp.status_code} {resp.body!r} / {resp_min.status_code}")
                last_kind[:] = ["effective" if resp.json_body.get("effective_date") else "first"]
                last_calls[:] = [calls1 - calls0, clock_calls.seconds - calls1]
                return t_sign, c_sign, t_min, c_min

            last_kind: list[str] = []
            last_calls: list[float] = []
            for n, token in enumerate(tokens):
                body = signing_body(token)
                with METER.pause():  # timed without the meter's handlers (see the docstring)
                    t_sign, c_sign, t_min, c_min = post_pair(n, token, body, None)
                if n < 2 * WARMUP_CONTRACTS - 1:  # one warm-up token went to the first signing
                    continue
                sign_s.append(t_sign)
                sign_cpu.append(c_sign)
                minimal_s.append(t_min)
                minimal_cpu.append(c_min)
                kinds.append(last_kind[0])
                sign_calls.append(last_calls[0])
                minimal_calls.append(last_calls[1])
            # The counting pass: the same calls with the meter on, untimed (its times are not reported).
            for n, token in enumerate(counted_tokens, start=len(tokens)):
                body = signing_body(token)
                marks: list[Counts] = []
                t_sign, *_ = post_pair(n, token, body, marks)
                before, mid, after = marks
                used = mid - before
                ddb = sum(v for k, v in used.op_seconds.items() if k.startswith("dynamodb."))
                ddb_shares.append(ddb / (t_sign - used.meter_seconds))
                sign_requests.append(used.ddb_requests)
                minimal_requests.append((after - mid).ddb_requests)
            # The same signings on a process that has no copy of the contract (another instance served the code
            # request, or this one's copy was pushed out): the contract is read first.
            for n, token in enumerate(cold_tokens, start=len(tokens) + len(counted_tokens)):
                cold_body = signing_body(token)
                forget = getattr(get_deps().repo, "forget_recent_contracts", None)
                if forget is not None:
                    forget()
                with METER.pause():
                    t_sign, _, t_min, _ = post_pair(n, token, cold_body, None)
                cold_s.append(t_sign)
                cold_minimal_s.append(t_min)
                cold_kinds.append(last_kind[0])
                cold_calls.append(last_calls[0])
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
            "sign_cpu_p50_ms": percentile(sign_cpu, 50) * 1000,
            "minimal_cpu_p50_ms": percentile(minimal_cpu, 50) * 1000,
            "cpu_p50_ratio": percentile(sign_cpu, 50) / percentile(minimal_cpu, 50),
            "cpu_p95_ratio": percentile(sign_cpu, 95) / percentile(minimal_cpu, 95),
            "meter_during_timed_calls": False,
            "load_average_1min": os.getloadavg()[0],
            "sign_time_in_dynamodb_calls_share": statistics.median(ddb_shares),
            "counted_signings": len(sign_requests),
            "first_signing_ms": first_s * 1000,
            "first_signing_clients_created": [name for name, _ in created],
            "first_signing_client_creation_ms": sum(sec for _, sec in created) * 1000,
            "minimal_ddb_requests_median": statistics.median(minimal_requests),
            "target_p50_ratio": TARGET_P50_RATIO,
            "by_kind": by_kind(kinds, sign_s, sign_calls, p50_min),
            "minimal_calls_p50_ms": percentile(minimal_calls, 50) * 1000,
            "cold": {
                "signings": len(cold_s),
                "sign_p50_ms": percentile(cold_s, 50) * 1000,
                "sign_p95_ms": percentile(cold_s, 95) * 1000,
                "minimal_p50_ms": percentile(cold_minimal_s, 50) * 1000,
                "p50_ratio": percentile(cold_s, 50) / percentile(cold_minimal_s, 50),
                "p95_ratio": percentile(cold_s, 95) / percentile(cold_minimal_s, 95),
                "by_kind": by_kind(cold_kinds, cold_s, cold_calls, percentile(cold_minimal_s, 50)),
            },
        }
