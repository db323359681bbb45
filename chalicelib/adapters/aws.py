"""boto3 clients created lazily, with the endpoint from settings (moto locally, AWS when deployed) and
standard retries, so throttling is retried with backoff before it surfaces."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.settings import Settings


@lru_cache(maxsize=16)
def _client(service: str, region: str, endpoint: str | None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=15)
    session: Any = boto3.session.Session()
    return session.client(service, region_name=region, endpoint_url=endpoint, config=config)


def client(service: str, settings: Settings) -> Any:
    return _client(service, settings.region, settings.aws_endpoint_url)


def reset_clients() -> None:
    _client.cache_clear()
