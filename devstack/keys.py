"""`python -m devstack keys create|list|revoke`: staff keys, each for a named person with one role.

Against the local stack (`make run`) by default: its table and moto endpoint come from .local/env.json.
Against a deployed stage only when told so, with `--stage STAGE` (table hetong-STAGE-main) or `--table NAME`,
and `--region` (or AWS_REGION): then it runs with your own AWS credentials (the functions' roles cannot write
key items), and reaches real AWS."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from chalicelib.domain.calendar import iso_utc, utc_now
from chalicelib.domain.errors import DomainError
from chalicelib.services import keys as key_service
from chalicelib.services.keys import StaffKey

ROOT = Path(__file__).resolve().parent.parent


def add_arguments(sub: Any) -> None:
    k = sub.add_parser("keys", help="create, list or revoke staff keys (local stack, or --stage for AWS)")
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--state-dir", default=str(ROOT / ".local"), help="the local stack's state (default)")
    where.add_argument("--stage", help="a deployed stage: its table hetong-STAGE-main, with your AWS credentials")
    where.add_argument("--table", help="a deployed main table by name, with your AWS credentials")
    where.add_argument("--region", help="AWS region of --stage/--table (default: AWS_REGION)")
    where.add_argument("--json", action="store_true", help="print JSON")
    actions = k.add_subparsers(dest="keys_command", required=True)
    c = actions.add_parser("create", parents=[where], help="a new key; printed once, only its hash is stored")
    c.add_argument("--role", required=True, choices=key_service.ROLES)
    c.add_argument("--name", required=True, help="the person the key belongs to (the audit shows it)")
    actions.add_parser("list", parents=[where], help="id, name, role, created, revoked (never the key)")
    r = actions.add_parser("revoke", parents=[where], help="revoke a key by id: it gets 401 from now on")
    r.add_argument("id")


def store_for(args: argparse.Namespace) -> tuple[key_service.KeyStore, str]:
    """The key store the arguments name, and a line saying where it is."""
    import boto3

    from chalicelib.adapters.api_keys import DynamoKeyStore

    if args.stage or args.table:
        table = args.table or f"hetong-{args.stage}-main"
        region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region:
            raise SystemExit("keys: pass --region (or set AWS_REGION) with --stage/--table")
        client = boto3.client("dynamodb", region_name=region)
        return DynamoKeyStore(client, table), f"table {table} in {region} (AWS, your credentials)"
    env_file = Path(args.state_dir) / "env.json"
    if not env_file.exists():
        raise SystemExit(
            f"keys: no local stack ({env_file} is missing): start it with `make run`, "
            "or pass --stage STAGE --region REGION to manage a deployed stage's keys"
        )
    env = json.loads(env_file.read_text(encoding="utf-8"))
    client = boto3.client(
        "dynamodb",
        region_name=env["AWS_REGION"],
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env.get("AWS_SESSION_TOKEN"),
    )
    return DynamoKeyStore(client, env["HETONG_TABLE"]), f"the local stack ({env['AWS_ENDPOINT_URL']})"


def _row(key: StaffKey) -> str:
    return f"{key.key_id:<16} {key.role:<9} {key.created_at:<21} {key.revoked_at or '-':<21} {key.name}"


def run(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    store, where = store_for(args)
    now = iso_utc(utc_now())
    try:
        return _run(args, store, where, now)
    except (ClientError, BotoCoreError) as exc:
        print(f"keys: {where}: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, store: key_service.KeyStore, where: str, now: str) -> int:
    try:
        if args.keys_command == "create":
            key, secret = key_service.create_key(store, args.role, args.name, now)
            if args.json:
                print(json.dumps({**key.to_dict(), "key": secret}, ensure_ascii=False))
            else:
                print(f"created {key.key_id} for {key.name} ({key.role}) in {where}")
                print(f"key: {secret}")
                print("The key is shown this once; only its SHA-256 is stored. Revoke: keys revoke " + key.key_id)
        elif args.keys_command == "list":
            listed = key_service.list_keys(store)
            if args.json:
                print(json.dumps([k.to_dict() for k in listed], ensure_ascii=False, indent=2))
            else:
                print(f"{'id':<16} {'role':<9} {'created':<21} {'revoked':<21} name")
                for key in listed:
                    print(_row(key))
        else:
            key = key_service.revoke_key(store, args.id, now)
            if args.json:
                print(json.dumps(key.to_dict(), ensure_ascii=False))
            else:
                print(f"revoked {key.key_id} ({key.name}, {key.role}) at {key.revoked_at}")
    except DomainError as exc:
        print(f"keys: {exc.message}", file=sys.stderr)
        return 1
    return 0
