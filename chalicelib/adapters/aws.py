"""boto3 clients created lazily, one per service and endpoint for the whole process (the DynamoDB repository's
PynamoDB records use this one too), with the endpoint from settings (moto locally, AWS when deployed) and
standard retries, so throttling is retried with backoff before it surfaces."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.settings import Settings

LOCAL_READ_TIMEOUT = 300


@lru_cache(maxsize=16)
def _client(service: str, region: str, endpoint: str | None) -> Any:
    import boto3
    from botocore.config import Config

    # The local stack's moto answers one request at a time: under load a reply can queue for many seconds, and a
    # read timeout there would make botocore send again — for SES, a second email. Only AWS gets the short one.
    read_timeout = 15 if endpoint is None else LOCAL_READ_TIMEOUT
    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=read_timeout,
        # DynamoDB requests are built by PynamoDB and the adapters from typed records, never from a caller's
        # structure, and DynamoDB validates each one again; client-side validation walks every attribute of every
        # item on each call (PynamoDB turns it off on its own clients for that reason). docs/architecture.md
        parameter_validation=service != "dynamodb",
    )
    session: Any = boto3.session.Session(botocore_session=botocore_session())
    return session.client(service, region_name=region, endpoint_url=endpoint, config=config)


def botocore_session() -> Any:
    """A new botocore session (its own credentials and configuration) that reads service models through the
    process's one loader: each client's model is parsed from botocore's JSON once per process, not per session."""
    import botocore.session

    session = botocore.session.Session()
    session.register_component("data_loader", _loader())
    return session


@lru_cache(maxsize=1)
def _loader() -> Any:
    import botocore.session

    return botocore.session.Session().get_component("data_loader")


def client(service: str, settings: Settings) -> Any:
    return _client(service, settings.region, settings.aws_endpoint_url)


def reset_clients() -> None:
    _client.cache_clear()
