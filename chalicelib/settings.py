"""Typed settings built once from the environment; production code has no silent defaults for resources."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache


class SettingsError(RuntimeError):
    pass


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


def _int_list(name: str, default: str) -> tuple[int, ...]:
    raw = os.environ.get(name, default)
    try:
        values = tuple(sorted({int(x) for x in raw.split(",") if x.strip()}))
    except ValueError as exc:
        raise SettingsError(f"{name} must be a comma-separated list of integers, got {raw!r}") from exc
    if not values or any(v <= 0 for v in values):
        raise SettingsError(f"{name} must list positive integers, got {raw!r}")
    return values


@dataclass(frozen=True)
class Settings:
    stage: str
    table_name: str
    idempotency_table_name: str
    finance_topic_arn: str
    sender_email: str
    reply_to_email: str
    finance_email: str
    operator_email: str
    public_base_url: str
    region: str
    aws_endpoint_url: str | None
    notifier_dlq_url: str | None = None
    # The link secret's name or ARN in Secrets Manager (never its value): set only for the functions that
    # mint signing links (the API) or build them into emails (the notifier); see adapters/secrets.py.
    link_secret_id: str | None = None
    # The audit's anchors (functions/anchor.py): their table and the asymmetric KMS key that signs them. Both are
    # set in every deployed stage (infra/template.yaml) and locally; unset, the audit says anchoring is off.
    anchor_table_name: str | None = None
    anchor_key_id: str | None = None
    signing_link_days: int = 14
    overdue_levels: tuple[int, ...] = (1, 15, 30, 60, 90)
    renewal_reminder_days: tuple[int, ...] = (60, 30)
    signing_reminder_days: int = 3  # a reminder every N days to a party that has not signed (at most 3)
    sms_codes: bool = False  # one-time codes also by SMS (SNS) to parties with a mobile number
    # The platform seal (chalicelib/pdf_seal): the KMS key's id or ARN, the SSM path holding its certificate and
    # the trust root (public), and an RFC 3161 timestamp authority (B-T) when set. Names only, never key material.
    seal_key_id: str | None = None
    seal_parameters: str | None = None
    tsa_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def load_settings() -> Settings:
    if os.environ.get("HETONG_LINK_SECRET"):
        raise SettingsError(
            "HETONG_LINK_SECRET must not be set: the link secret lives in Secrets Manager; "
            "set HETONG_LINK_SECRET_ID to its name or ARN"
        )
    days = int(os.environ.get("HETONG_SIGNING_LINK_DAYS", "14"))
    if not 1 <= days <= 90:
        raise SettingsError("HETONG_SIGNING_LINK_DAYS must be between 1 and 90")
    return Settings(
        stage=_required("HETONG_STAGE"),
        table_name=_required("HETONG_TABLE"),
        idempotency_table_name=_required("HETONG_IDEMPOTENCY_TABLE"),
        finance_topic_arn=_required("HETONG_FINANCE_TOPIC_ARN"),
        sender_email=_required("HETONG_SENDER_EMAIL"),
        reply_to_email=os.environ.get("HETONG_REPLY_TO_EMAIL", "").strip() or _required("HETONG_SENDER_EMAIL"),
        finance_email=_required("HETONG_FINANCE_EMAIL"),
        operator_email=_required("HETONG_OPERATOR_EMAIL"),
        public_base_url=os.environ.get("HETONG_PUBLIC_BASE_URL", "").strip().rstrip("/"),
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or _required("AWS_REGION"),
        aws_endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        notifier_dlq_url=os.environ.get("HETONG_NOTIFIER_DLQ_URL") or None,
        link_secret_id=os.environ.get("HETONG_LINK_SECRET_ID", "").strip() or None,
        anchor_table_name=os.environ.get("HETONG_ANCHOR_TABLE", "").strip() or None,
        anchor_key_id=os.environ.get("HETONG_ANCHOR_KEY_ID", "").strip() or None,
        signing_link_days=days,
        overdue_levels=_int_list("HETONG_OVERDUE_LEVELS", "1,15,30,60,90"),
        renewal_reminder_days=_int_list("HETONG_RENEWAL_REMINDER_DAYS", "60,30"),
        signing_reminder_days=_days("HETONG_SIGNING_REMINDER_DAYS", "3"),
        sms_codes=os.environ.get("HETONG_SMS_CODES", "").strip().lower() in ("1", "true", "yes", "on"),
        seal_key_id=os.environ.get("HETONG_SEAL_KEY_ID", "").strip() or None,
        seal_parameters=os.environ.get("HETONG_SEAL_PARAMETERS", "").strip().rstrip("/") or None,
        tsa_url=os.environ.get("HETONG_TSA_URL", "").strip() or None,
    )


def _days(name: str, default: str) -> int:
    raw = os.environ.get(name, default).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 30:
        raise SettingsError(f"{name} must be a whole number of days from 1 to 30, got {raw!r}")
    return int(raw)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
