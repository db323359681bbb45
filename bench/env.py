"""The bench's environment: the settings tests/conftest.py uses (fake credentials, never real AWS), and a moto
stack in process built from infra/template.yaml by devstack.resources (tables, topic, queues)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"
STAGE = "bench"
SENDER = "contracts@hetong.test"
FINANCE = "finance@hetong.test"

BENCH_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    # botocore routes stream calls to account-based endpoints that in-process moto does not intercept.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "HETONG_STAGE": STAGE,
    "HETONG_TABLE": f"hetong-{STAGE}-main",
    "HETONG_IDEMPOTENCY_TABLE": f"hetong-{STAGE}-idempotency",
    "HETONG_FINANCE_TOPIC_ARN": f"arn:aws:sns:{REGION}:123456789012:hetong-{STAGE}-finance",
    "HETONG_SENDER_EMAIL": SENDER,
    "HETONG_REPLY_TO_EMAIL": SENDER,
    "HETONG_FINANCE_EMAIL": FINANCE,
    "HETONG_OPERATOR_EMAIL": "operator@hetong.test",
    "HETONG_PUBLIC_BASE_URL": "http://testserver",
    "HETONG_LINK_SECRET_ID": f"hetong-{STAGE}-link-secret",  # created in moto from infra/template.yaml
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Hetong",
    "POWERTOOLS_SERVICE_NAME": "hetong",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def apply_env() -> dict[str, str]:
    """Set the bench environment in this process; returns it (subprocesses get a copy)."""
    os.environ.update(BENCH_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    return dict(os.environ)


@dataclass(frozen=True)
class Stack:
    """What devstack.resources created: table names, stream ARN, topic ARN, queue URLs."""

    created: dict[str, Any]

    @property
    def table(self) -> str:
        return str(self.created["tables"]["MainTable"]["name"])

    @property
    def stream_arn(self) -> str:
        return str(self.created["tables"]["MainTable"]["stream_arn"])

    @property
    def dlq_url(self) -> str:
        return str(self.created["queues"]["NotifierDLQ"]["url"])


def _reset_caches() -> None:
    from chalicelib.adapters.aws import reset_clients
    from chalicelib.bootstrap import reset
    from chalicelib.settings import reset_settings

    reset_settings()
    reset()
    reset_clients()


_CA: list[Any] = []


def _authority() -> Any:
    """One platform CA per bench run (an RSA 3072 key takes a moment to make)."""
    from chalicelib.pdf_seal.certs import create_authority

    if not _CA:
        _CA.append(create_authority(STAGE))
    return _CA[0]


@contextmanager
def stack() -> Iterator[Stack]:
    """A fresh moto account with the template's resources; the app's cached settings and clients are reset
    on entry and exit so nothing leaks from one figure to the next."""
    import boto3
    from moto import mock_aws

    from devstack.resources import create_resources
    from devstack.seal import provision_seal

    apply_env()
    with mock_aws():
        created = create_resources(None, REGION, STAGE, FINANCE, SENDER)
        boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
        os.environ["HETONG_FINANCE_TOPIC_ARN"] = created["topics"]["FinanceTopic"]
        os.environ["HETONG_NOTIFIER_DLQ_URL"] = created["queues"]["NotifierDLQ"]["url"]
        os.environ.update(provision_seal(None, REGION, STAGE, _authority(), created))  # the seal key, certificate
        _reset_caches()
        try:
            yield Stack(created)
        finally:
            _reset_caches()
