"""Test-wide environment: never real AWS. Fake credentials and a complete settings environment."""

from __future__ import annotations

import os

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    # botocore routes stream calls to account-based endpoints that in-process moto does not intercept.
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "HETONG_STAGE": "test",
    "HETONG_TABLE": "hetong-test-main",
    "HETONG_IDEMPOTENCY_TABLE": "hetong-test-idempotency",
    "HETONG_FINANCE_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:hetong-test-finance",
    "HETONG_SENDER_EMAIL": "contracts@hetong.test",
    "HETONG_REPLY_TO_EMAIL": "contracts@hetong.test",
    "HETONG_FINANCE_EMAIL": "finance@hetong.test",
    "HETONG_OPERATOR_EMAIL": "operator@hetong.test",
    "HETONG_PUBLIC_BASE_URL": "http://testserver",
    # The name devstack.resources gives the template's LinkSecret for stage "test" (created in moto per test).
    "HETONG_LINK_SECRET_ID": "hetong-test-link-secret",
    # The audit anchors' table and key (devstack/resources.py creates both from the template, the key with its alias).
    "HETONG_ANCHOR_TABLE": "hetong-test-anchors",
    "HETONG_ANCHOR_KEY_ID": "alias/hetong-test-audit-anchor",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Hetong",
    "POWERTOOLS_SERVICE_NAME": "hetong",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
for _k, _v in TEST_ENV.items():
    os.environ[_k] = _v
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)
