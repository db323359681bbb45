"""Request bodies of the obligations and incidents routes (deliveries, submit links, incidents), declared like every
other body (chalicelib/api/requests.py): shape and limits here, the domain's rules in `command()`."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from msgspec import Meta

from chalicelib.api.body import IsoDate, RequestBody, text
from chalicelib.api.money_requests import real_date
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.incidents import SEVERITIES, STAGES
from chalicelib.domain.kpis import Kpis
from chalicelib.domain.money import plain_decimal
from chalicelib.domain.obligations import check_period_id
from chalicelib.services.obligation_commands import RecordDelivery, ReportIncident, UpdateIncident

MAX_NOTE = 2000
MAX_SUMMARY = 2000
Rate = Annotated[
    str | int | float,
    Meta(description='a percentage 0–100, e.g. "96.5" (at most 2 decimals)', extra_json_schema={"examples": ["96.5"]}),
]
Instant = Annotated[
    str,
    Meta(
        max_length=40,
        description="ISO 8601 time with its zone",
        extra_json_schema={"format": "date-time", "examples": ["2026-11-30T09:30:00+08:00"]},
    ),
]
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]
Stage = Literal[STAGES]  # type: ignore[valid-type]


def rate(value: str | int | float, field: str) -> Decimal:
    if isinstance(value, bool):
        raise ValidationError(field, "must be a percentage between 0 and 100")
    # A JSON number as written; a string only as a plain decimal ("96.5", not "+96.5", " 96", "1e2" or "９６").
    pct = plain_decimal(value) if isinstance(value, str) else Decimal(str(value))
    if pct is None:
        raise ValidationError(field, f'is not a number like "96.5": {str(value)[:40]!r}')
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise ValidationError(field, "must be a percentage between 0 and 100")
    if pct.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(field, "must have at most 2 decimal places")
    return pct.quantize(Decimal("0.01"))


class KpisBody(RequestBody):
    """服务质量指标 of the period (外呼外包合同 3.2, 6.2)."""

    connect_rate_pct: Rate
    satisfaction_pct: Rate
    call_quality_ok: bool

    def command(self) -> Kpis:
        return Kpis(
            connect_rate_pct=rate(self.connect_rate_pct, "kpis.connect_rate_pct"),
            satisfaction_pct=rate(self.satisfaction_pct, "kpis.satisfaction_pct"),
            call_quality_ok=self.call_quality_ok,
        )


class RecordDeliveryRequest(RequestBody):
    period: Annotated[str, Meta(max_length=8, description="YYYY-MM, YYYY-Qn, YYYY or once", examples=["2026-11"])]
    delivered_on: IsoDate
    note: Annotated[str, Meta(max_length=MAX_NOTE)] | None = None
    kpis: KpisBody | None = None

    def command(self) -> RecordDelivery:
        note = "" if self.note is None or not self.note.strip() else text(self.note, "note", MAX_NOTE, multiline=True)
        return RecordDelivery(
            period=check_period_id(self.period, "period"),
            delivered_on=real_date(self.delivered_on, "delivered_on"),
            note=note,
            kpis=None if self.kpis is None else self.kpis.command(),
        )


class ReportIncidentRequest(RequestBody):
    occurred_at: Instant
    reported_at: Instant
    severity: Severity
    summary: Annotated[str, Meta(min_length=1, max_length=MAX_SUMMARY)]

    def command(self) -> ReportIncident:
        return ReportIncident(
            occurred_at=self.occurred_at,
            reported_at=self.reported_at,
            severity=self.severity,
            summary=text(self.summary, "summary", MAX_SUMMARY, multiline=True),
        )


class UpdateIncidentRequest(RequestBody):
    stage: Stage
    at: Instant
    note: Annotated[str, Meta(min_length=1, max_length=MAX_NOTE)]

    def command(self) -> UpdateIncident:
        return UpdateIncident(stage=self.stage, at=self.at, note=text(self.note, "note", MAX_NOTE, multiline=True))
