"""Integration fixtures: the real adapters on moto (in process), resources built from infra/template.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters.aws import botocore_session, reset_clients
from chalicelib.bootstrap import get_deps, reset
from chalicelib.services.auth import create_api_key
from chalicelib.services.base import Deps
from chalicelib.settings import reset_settings
from devstack.resources import create_resources
from devstack.seal import provision_seal
from tests.seal_support import authority


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    with mock_aws():
        # moto starts each test with no default session; this one parses service models once per process.
        boto3.setup_default_session(botocore_session=botocore_session())
        created = create_resources(None, "us-east-1", "test", "finance@hetong.test", "contracts@hetong.test")
        boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress="contracts@hetong.test")
        monkeypatch.setenv("HETONG_FINANCE_TOPIC_ARN", created["topics"]["FinanceTopic"])
        monkeypatch.setenv("HETONG_NOTIFIER_DLQ_URL", created["queues"]["NotifierDLQ"]["url"])
        for name, value in provision_seal(None, "us-east-1", "test", authority("test"), created).items():
            monkeypatch.setenv(name, value)
        reset_settings()
        reset()
        reset_clients()
        yield created
        reset_settings()
        reset()
        reset_clients()


@pytest.fixture
def deps(aws: dict[str, Any]) -> Deps:
    return get_deps()


@pytest.fixture
def keys(deps: Deps) -> dict[str, str]:
    return {
        "operator": create_api_key(deps, "operator", "test operator"),
        "finance": create_api_key(deps, "finance", "test finance"),
    }


@pytest.fixture
def api(aws: dict[str, Any]) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield client


@pytest.fixture
def world(api: Any, keys: dict[str, str], aws: dict[str, Any]) -> Any:
    from datetime import date

    from tests.integration.world import World

    return World(api, keys, aws, date(2026, 11, 22))
