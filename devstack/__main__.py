"""`python -m devstack run`: the whole system on this machine — moto (serialized) as the embedded AWS,
resources from infra/template.yaml, the API on 127.0.0.1:8000, the stream runner feeding the notifier, and
the scheduled workers fired once a minute for today. Writes .local/credentials.json, stack.json, env.json."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
FINANCE_EVENT_TYPES = [
    "InvoiceIssued",
    "InvoiceOverdue",
    "PenaltyAssessed",
    "PaymentReceived",
    "InvoiceVoided",
    "ContractActivated",
    "ContractTerminated",
    "NoticeServed",
]


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - our own http://127.0.0.1 URL
            return
        except Exception:  # noqa: BLE001 - still starting
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up within {timeout:.0f}s") from None
            time.sleep(0.2)


def provision(moto_url: str, api_url: str, stage: str, state_dir: Path) -> dict[str, Any]:
    """Creates resources, keys and the .local files; returns the environment the code runs with."""
    import boto3

    from devstack.resources import create_resources

    # Local credentials for moto only; the endpoint below means no call can leave this machine.
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": moto_url,
        }
    )
    os.environ.pop("AWS_PROFILE", None)

    sender = "contracts@hetong.local"
    finance = "finance@hetong.local"
    operator = "operator@hetong.local"
    created = create_resources(moto_url, REGION, stage, finance, sender)
    from devstack.seal import provision_seal

    seal_env = provision_seal(moto_url, REGION, stage, state_dir / "seal", created)  # the CA stays in .local/seal
    kw: dict[str, Any] = {"endpoint_url": moto_url, "region_name": REGION}
    boto3.client("ses", **kw).verify_email_identity(EmailAddress=sender)
    sns = boto3.client("sns", **kw)
    sqs = boto3.client("sqs", **kw)
    topic_arn = created["topics"]["FinanceTopic"]
    # A local subscriber standing in for finance's systems: it filters on event_type like a real one would.
    alerts_url = sqs.create_queue(QueueName=f"hetong-{stage}-finance-alerts")["QueueUrl"]
    alerts_arn = sqs.get_queue_attributes(QueueUrl=alerts_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=alerts_arn,
        ReturnSubscriptionArn=True,
        Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps({"event_type": FINANCE_EVENT_TYPES})},
    )
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": moto_url,
        "HETONG_STAGE": stage,
        "HETONG_TABLE": created["tables"]["MainTable"]["name"],
        "HETONG_IDEMPOTENCY_TABLE": created["tables"]["IdempotencyTable"]["name"],
        "HETONG_FINANCE_TOPIC_ARN": topic_arn,
        "HETONG_NOTIFIER_DLQ_URL": created["queues"]["NotifierDLQ"]["url"],
        "HETONG_SHARD_QUEUE_URL": created["queues"]["ShardQueue"]["url"],
        "HETONG_SENDER_EMAIL": sender,
        "HETONG_REPLY_TO_EMAIL": sender,
        "HETONG_FINANCE_EMAIL": finance,
        "HETONG_OPERATOR_EMAIL": operator,
        "HETONG_PUBLIC_BASE_URL": api_url,
        # Where the link secret is (moto's Secrets Manager, a random value), never the value itself.
        "HETONG_LINK_SECRET_ID": created["secrets"]["LinkSecret"]["arn"],
        **seal_env,
        "HETONG_ANCHOR_TABLE": created["tables"]["AnchorTable"]["name"],
        "HETONG_ANCHOR_KEY_ID": created["keys"]["AnchorKey"]["arn"],
        "POWERTOOLS_SERVICE_NAME": "hetong",
        "POWERTOOLS_METRICS_NAMESPACE": "Hetong",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    }
    os.environ.update(env)
    from chalicelib.bootstrap import get_deps, reset
    from chalicelib.services.auth import create_api_key
    from chalicelib.settings import reset_settings

    reset_settings()
    reset()
    deps = get_deps()
    credentials = {
        "operator": create_api_key(deps, "operator", "local operator"),
        "finance": create_api_key(deps, "finance", "local finance"),
    }
    stack = {
        "api_url": api_url,
        "aws_endpoint_url": moto_url,
        "region": REGION,
        "stage": stage,
        "main_table": env["HETONG_TABLE"],
        "main_table_stream_arn": created["tables"]["MainTable"]["stream_arn"],
        "idempotency_table": env["HETONG_IDEMPOTENCY_TABLE"],
        "finance_topic_arn": topic_arn,
        "finance_alerts_queue_url": alerts_url,
        "notifier_dlq_url": env["HETONG_NOTIFIER_DLQ_URL"],
        "link_secret_arn": env["HETONG_LINK_SECRET_ID"],
        "workers_dlq_url": created["queues"]["WorkersDLQ"]["url"],
        "shard_queue_url": created["queues"]["ShardQueue"]["url"],
        "shard_dlq_url": created["queues"]["ShardDLQ"]["url"],
        "anchor_table": env["HETONG_ANCHOR_TABLE"],
        "anchor_key_arn": env["HETONG_ANCHOR_KEY_ID"],
        "sender_email": sender,
        "finance_email": finance,
        "operator_email": operator,
        "moto_dashboard": f"{moto_url}/moto-api/",
        "ses_messages": f"{moto_url}/moto-api/data.json",
        "seal_key_id": seal_env["HETONG_SEAL_KEY_ID"],
        "seal_trust_root": str(state_dir / "seal" / "ca.pem"),
    }
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "credentials.json").write_text(json.dumps(credentials, indent=2) + "\n", encoding="utf-8")
    (state_dir / "stack.json").write_text(json.dumps(stack, indent=2) + "\n", encoding="utf-8")
    (state_dir / "env.json").write_text(json.dumps(env, indent=2) + "\n", encoding="utf-8")
    for f in ("credentials.json", "env.json"):
        os.chmod(state_dir / f, 0o600)
    return {"env": env, "stack": stack, "credentials": credentials}


def migrate_stored_data() -> None:
    """Carries stored data over to the current model once the resources exist, as the deploy does
    (`python -m functions.migrate`; idempotent, a no-op on a fresh or already migrated table)."""
    from functions import migrate

    summary = migrate.run(None)
    if summary["failed"]:
        print(f"[migrate] failed for {len(summary['failed'])} contract(s): {summary['failed']}", file=sys.stderr)
    elif summary["migrated"]:
        print(f"[migrate] {summary['migrated']} contract(s) carried over to the receivables ledger", flush=True)


def fire_scheduled_workers(stop: threading.Event, interval: float, clock_file: Path) -> None:
    from devstack.clock import schedule_held
    from devstack.lambda_shim import LocalContext
    from functions import anchor, invoicing, lifecycle, obligations, overdue

    workers = (
        ("invoicing", invoicing),
        ("overdue", overdue),
        ("lifecycle", lifecycle),
        ("obligations", obligations),
        ("anchor", anchor),
    )
    while not stop.wait(interval):
        if schedule_held(clock_file):  # the demo is telling its story on moved days
            continue
        for name, module in workers:
            try:
                module.handler({}, LocalContext(f"hetong-{name}"))
            except Exception as exc:  # noqa: BLE001 - like a failed async invoke: logged, retried next tick
                print(f"[runner] {name} failed: {exc}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from devstack.clock import clock_path, install
    from devstack.moto_server import SerializedMotoServer

    state_dir = Path(args.state_dir).resolve()
    # The API (below) and the workers and notifier of this process run on the stack's movable clock.
    install(clock_path(state_dir))
    moto = SerializedMotoServer(port=args.moto_port).start()
    api_url = f"http://127.0.0.1:{args.api_port}"
    info = provision(moto.url, api_url, args.stage, state_dir)
    migrate_stored_data()
    api = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack.api",
            "--port",
            str(args.api_port),
            "--clock-file",
            str(clock_path(state_dir)),
        ],
        cwd=ROOT,
        env={**os.environ, **info["env"], "PYTHONPATH": str(ROOT)},
    )
    stop = threading.Event()

    from devstack.runner import StreamRunner
    from functions import notifier

    runner = StreamRunner(
        moto.url, REGION, info["stack"]["main_table_stream_arn"], info["stack"]["notifier_dlq_url"], notifier.handler
    )
    # The scheduled workers send one message per index shard; this plays the shard queue's event source mapping.
    # Built before any runner thread starts, so no two threads create clients at once.
    from devstack.queue_runner import QueueRunner
    from functions import shard_worker

    shards = QueueRunner(moto.url, REGION, info["stack"]["shard_queue_url"], shard_worker.handler)
    threading.Thread(target=runner.run_forever, name="stream-runner", daemon=True).start()
    threading.Thread(target=shards.run_forever, name="shard-runner", daemon=True).start()
    if args.schedule_seconds > 0:
        threading.Thread(
            target=fire_scheduled_workers, args=(stop, args.schedule_seconds, clock_path(state_dir)), daemon=True
        ).start()

    def shutdown(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        _wait_http(f"{api_url}/openapi.json")
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        api.terminate()
        moto.stop()
        return 1
    creds = info["credentials"]
    print(
        f"""
Hetong is running.
  API            {api_url}        (OpenAPI: {api_url}/openapi.json)
  moto (AWS)     {moto.url}        (dashboard: {moto.url}/moto-api/)
  credentials    {state_dir / "credentials.json"}
  stack          {state_dir / "stack.json"}

Try it:
  curl -s {api_url}/contracts -H 'Authorization: Bearer {creds["operator"]}'
  .venv/bin/python -m functions.invoicing --as-of 2027-01-01
Press Ctrl-C to stop.
""",
        flush=True,
    )
    try:
        while not stop.is_set():
            if api.poll() is not None:
                print("error: the API process exited", file=sys.stderr)
                break
            stop.wait(0.5)
    finally:
        runner.stop()
        shards.stop()
        api.terminate()
        try:
            api.wait(timeout=10)
        except subprocess.TimeoutExpired:
            api.kill()
        moto.stop()
        print("stopped.", flush=True)
    return 0


def set_clock(args: argparse.Namespace) -> int:
    """Moves the local stack's "today" (the API and the workers it fires) to a date, or back to the real one."""
    from chalicelib.domain.calendar import parse_date
    from devstack.clock import clock_path, set_today

    day = None if args.date == "reset" else parse_date(args.date)
    real = set_today(clock_path(args.state_dir), day)
    today = day or real
    print(f"local clock: today is {today} (offset {(today - real).days} days)")
    print(f"a worker run by hand takes its date from --as-of: python -m functions.invoicing --as-of {today}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("clock", help="set the local stack's today: YYYY-MM-DD or reset")
    c.add_argument("date")
    c.add_argument("--state-dir", default=str(ROOT / ".local"))
    p = sub.add_parser("run", help="start the local stack")
    p.add_argument("--api-port", type=int, default=int(os.environ.get("HETONG_API_PORT", "8000")))
    p.add_argument("--moto-port", type=int, default=int(os.environ.get("HETONG_MOTO_PORT", "5000")))
    p.add_argument("--stage", default="local")
    p.add_argument("--state-dir", default=str(ROOT / ".local"))
    p.add_argument(
        "--schedule-seconds",
        type=float,
        default=60.0,
        help="fire the daily workers for today every N seconds (0: never)",
    )
    d = sub.add_parser("demo", help="walk the outbound-call contract through its life over HTTP")
    d.add_argument("--state-dir", default=str(ROOT / ".local"))
    from devstack import keys

    keys.add_arguments(sub)
    args = parser.parse_args()
    if args.command == "keys":
        sys.exit(keys.run(args))
    if args.command == "clock":
        sys.exit(set_clock(args))
    if args.command == "demo":
        from devstack.demo import main as demo_main

        sys.exit(demo_main(args))
    sys.exit(run(args))


if __name__ == "__main__":
    main()
