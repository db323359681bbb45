"""The submit page (/submit/{token}): a plain HTML form the responsible party fills in for one period. It needs no
script at all, so its CSP forbids every script; the same resource answers JSON with Accept: application/json."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from chalice.app import Response

from chalicelib.domain.errors import DomainError, TokenRejected, ValidationError
from chalicelib.domain.signing import PARTY_LABELS
from chalicelib.html_templates import html_templates
from chalicelib.http import MAX_BODY_BYTES

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECURITY_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
BREACH_LABELS = {
    "connect_rate": "电话接通率 / connect rate",
    "satisfaction": "客户满意度 / satisfaction",
    "call_quality": "通话质量 / call quality",
}
STATUS_LABELS = {
    "upcoming": "未到期 / upcoming",
    "due": "待报送 / due",
    "delivered": "已按期报送 / delivered",
    "late": "逾期报送 / delivered late",
    "missed": "逾期未报送 / overdue",
}


def _env() -> Any:
    return html_templates(TEMPLATES)


def page(view: dict[str, Any], *, problem: str | None = None, receipt: bool = False, status: int = 200) -> Response:
    ctx = {
        **view,
        "party_label": PARTY_LABELS[view["party"]],
        "status_label": STATUS_LABELS[view["status"]],
        "problem": problem,
        "receipt": receipt,
        "breach_labels": BREACH_LABELS,
    }
    html = _env().get_template("submit/page.html").render(ctx)
    return Response(body=html, status_code=status, headers=dict(SECURITY_HEADERS))


def error_page(exc: Exception) -> Response:
    if isinstance(exc, TokenRejected):
        status, message = exc.status, exc.message
    elif isinstance(exc, DomainError):
        status, message = 400, exc.message
    else:
        raise exc
    html = (
        _env()
        .get_template("signing/error.html")
        .render(
            {
                "message": message,
                "status": status,
                "heading_zh": "报送链接不可用",
                "heading_en": "Submission link unavailable",
            }
        )
    )
    return Response(body=html, status_code=status, headers=dict(SECURITY_HEADERS))


def is_form(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def _ticked(value: str | None) -> bool | str:
    """A checkbox as the JSON body carries it: absent (unticked) → false, its own value → true; any other value is
    passed on as it came, for the body's parser to refuse (400 naming the field)."""
    if value is None:
        return False
    return True if value in ("true", "on") else value


FORM_FIELDS = ("period", "delivered_on", "note", "connect_rate_pct", "satisfaction_pct", "call_quality_ok")


def form_body(raw: bytes | None) -> dict[str, Any]:
    """The form's fields as the JSON body of POST /submit/{token} would carry them; like a JSON body, a form that is
    too large or not UTF-8, or names a field twice or a field the form does not have, is refused (ValidationError)."""
    if len(raw or b"") > MAX_BODY_BYTES:
        raise ValidationError("body", f"is larger than {MAX_BODY_BYTES} bytes")
    try:
        pairs = parse_qsl((raw or b"").decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ValidationError("body", "is not UTF-8 form data") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name not in FORM_FIELDS or name in fields:
            problem = "appears more than once" if name in fields else "is not a field of this form"
            raise ValidationError(name[:40], problem)
        fields[name] = value
    body: dict[str, Any] = {"period": fields.get("period", ""), "delivered_on": fields.get("delivered_on", "")}
    if fields.get("note", "").strip():
        body["note"] = fields["note"]
    if "connect_rate_pct" in fields or "satisfaction_pct" in fields:
        body["kpis"] = {
            "connect_rate_pct": fields.get("connect_rate_pct", "").strip(),
            "satisfaction_pct": fields.get("satisfaction_pct", "").strip(),
            # an unticked box is absent (not clear); a value other than the box's is refused, not read as "no"
            "call_quality_ok": _ticked(fields.get("call_quality_ok")),
        }
    return body
