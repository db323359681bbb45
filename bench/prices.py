"""Published on-demand list prices, us-east-1, as on the AWS pricing pages on PRICES_DATE (no free tier)."""

from __future__ import annotations

PRICES_DATE = "2026-11-22"
PRICES_SOURCE = "AWS pricing pages (us-east-1 on-demand list prices) as of 2026-11-22, free tiers not applied"

DDB_WRITE_REQUEST_UNIT = 1.25 / 1_000_000  # DynamoDB on-demand, per write request unit
DDB_READ_REQUEST_UNIT = 0.25 / 1_000_000  # DynamoDB on-demand, per read request unit
LAMBDA_REQUEST = 0.20 / 1_000_000  # per invocation
LAMBDA_GB_SECOND_ARM = 0.0000133334  # arm64, per GB-second
LAMBDA_MEMORY_GB = 0.5  # 512 MB (.chalice/config.json and infra/template.yaml)
SES_EMAIL = 0.10 / 1_000  # per email sent (each recipient counts as one)
SNS_PUBLISH = 0.50 / 1_000_000  # per publish (standard topic; deliveries to email/SQS not included)
API_GATEWAY_REST_REQUEST = 3.50 / 1_000_000  # REST API, first 333 million requests a month

TABLE = [
    ("DynamoDB on-demand write request unit", "$1.25 per million"),
    ("DynamoDB on-demand read request unit", "$0.25 per million"),
    ("Lambda requests", "$0.20 per million"),
    ("Lambda duration, arm64", "$0.0000133334 per GB-second (512 MB = 0.5 GB)"),
    ("SES outbound email", "$0.10 per 1,000"),
    ("SNS publishes", "$0.50 per million"),
    ("API Gateway REST API requests", "$3.50 per million"),
]


def lambda_cost(invocations: int, billed_ms: float) -> float:
    return invocations * LAMBDA_REQUEST + billed_ms / 1000 * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND_ARM


def dynamodb_cost(read_units: float, write_units: float) -> float:
    return read_units * DDB_READ_REQUEST_UNIT + write_units * DDB_WRITE_REQUEST_UNIT
