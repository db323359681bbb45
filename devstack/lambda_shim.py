"""Invokes handlers the way Lambda does: a context object and the same event shapes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LocalContext:
    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:ap-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def stream_event(records: list[dict[str, Any]], stream_arn: str) -> dict[str, Any]:
    """DynamoDB stream records as Lambda delivers them to a function."""
    return {
        "Records": [
            {
                **r,
                "eventSource": "aws:dynamodb",
                "eventSourceARN": stream_arn,
                "awsRegion": r.get("awsRegion", "ap-east-1"),
            }
            for r in records
        ]
    }
