"""The submit page's form (POST /submit/{token} as application/x-www-form-urlencoded) is held to the rules of a JSON
body (docs/domain-rules.md "Security"): a field the form does not have, a field twice, a body that is not UTF-8 or
is too large is refused naming it, never silently dropped or read as U+FFFD."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.submit_pages import form_body

FILLED = b"period=2026-11&delivered_on=2026-11-22&connect_rate_pct=96.5&satisfaction_pct=90&call_quality_ok=true"


def test_the_forms_own_fields_become_the_json_body() -> None:
    assert form_body(FILLED + b"&note=%E6%9C%88%E6%8A%A5") == {
        "period": "2026-11",
        "delivered_on": "2026-11-22",
        "note": "月报",
        "kpis": {"connect_rate_pct": "96.5", "satisfaction_pct": "90", "call_quality_ok": True},
    }


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (FILLED + b"&complaint_rate_pct=3", "complaint_rate_pct"),  # a field the form does not have
        (FILLED + b"&notes=x", "notes"),  # a misspelt one: refused, not dropped
        (FILLED + b"&period=2026-10", "period"),  # a field twice: which one counts would depend on the reader
        (FILLED + b"&note=%FF%FE", "body"),  # percent-encoded bytes that are not UTF-8
        (b"period=2026-11&note=\xff", "body"),
        (FILLED + b"&note=" + b"x" * 70_000, "body"),
    ],
)
def test_a_form_the_page_could_not_have_sent_is_refused_naming_the_field(raw: bytes, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        form_body(raw)
    assert refused.value.field == field
