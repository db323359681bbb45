"""Request bodies of the money routes, parsed at the API edge into the commands services take. Unknown fields are
refused by name, like every other body."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.calendar import InvalidDate, parse_date
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.ledger import Designation
from chalicelib.domain.money import InvalidAmount, to_money
from chalicelib.services.payments import RecordPayment, RecordRefund, RecordSetOff, WaivePenalty

PAYMENT_METHODS = ("bank_transfer", "cheque", "cash", "online", "other")
_VOUCHER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{0,63}$")
MAX_YEAR = 99


def _object(body: object, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise ValidationError("body", "must be a JSON object")
    for key in body:
        if key not in allowed:
            raise ValidationError(str(key), "is not a field of this request")
    return body


def _amount(body: Mapping[str, Any], key: str = "amount") -> Decimal:
    raw = body.get(key)
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValidationError(key, 'is required as a string with at most two decimals, e.g. "60000.00"')
    try:
        amount = to_money(raw)
    except (InvalidAmount, TypeError, ValueError):
        raise ValidationError(key, "is not a valid amount") from None
    if amount <= 0:
        raise ValidationError(key, "must be greater than 0")
    return amount


def _date(body: Mapping[str, Any], key: str, *, required: bool) -> date | None:
    raw = body.get(key)
    if raw is None and not required:
        return None
    message = "is required as a real date YYYY-MM-DD" if required else "must be a real date YYYY-MM-DD"
    if not isinstance(raw, str):
        raise ValidationError(key, message)
    try:
        return parse_date(raw)
    except (InvalidDate, ValueError):
        raise ValidationError(key, message) from None


def _text(body: Mapping[str, Any], key: str, *, max_len: int = 1000, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(key, f"is required (1–{max_len} characters)")
    if len(value) > max_len:
        raise ValidationError(key, f"must be at most {max_len} characters")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value) or "\x7f" in value:
        raise ValidationError(key, "must not contain control characters")
    return value.strip()


def _voucher(body: Mapping[str, Any]) -> str:
    voucher = body.get("voucher_no")
    if not isinstance(voucher, str) or not _VOUCHER.match(voucher.strip()):
        raise ValidationError("voucher_no", "is required: 1–64 letters, digits, '-', '_', '/' or '.'")
    return voucher.strip()


def year_of(value: object, field: str = "year") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_YEAR:
        raise ValidationError(field, f"must be a contract year number between 1 and {MAX_YEAR}")
    return value


def path_year(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 2 or not 1 <= int(raw) <= MAX_YEAR:
        raise ValidationError("year", "year must be a contract year number (1, 2, ...)")
    return int(raw)


def _applies_to(raw: object) -> tuple[Designation, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > 2 * MAX_YEAR:
        raise ValidationError("applies_to", 'must be a list of {"year": k, "what": "fee" | "late_penalty"}')
    out = []
    for i, item in enumerate(raw):
        field = f"applies_to[{i}]"
        entry = _object(item, ("year", "what")) if isinstance(item, Mapping) else None
        if entry is None:
            raise ValidationError(field, 'must be {"year": k, "what": "fee" | "late_penalty"}')
        what = entry.get("what")
        if what not in ("fee", "late_penalty"):
            raise ValidationError(f"{field}.what", "must be fee or late_penalty")
        out.append(Designation(year_of(entry.get("year"), f"{field}.year"), what))
    return tuple(out)


def payment_request(body: object) -> RecordPayment:
    data = _object(body, ("amount", "paid_on", "voucher_no", "method", "applies_to"))
    amount = _amount(data)
    paid_on = _date(data, "paid_on", required=True)
    assert paid_on is not None
    voucher = _voucher(data)
    method = data.get("method")
    if method not in PAYMENT_METHODS:
        raise ValidationError("method", f"must be one of {', '.join(PAYMENT_METHODS)}")
    return RecordPayment(amount, paid_on, voucher, str(method), _applies_to(data.get("applies_to")))


def waiver_request(year: str, body: object) -> WaivePenalty:
    data = _object(body, ("amount", "reason", "on"))
    amount = _amount(data)
    reason = _text(data, "reason")
    assert reason is not None
    return WaivePenalty(path_year(year), amount, reason, _date(data, "on", required=False))


def set_off_request(body: object) -> RecordSetOff:
    data = _object(body, ("year", "amount", "reason", "on", "claim"))
    year = year_of(data.get("year"))
    amount = _amount(data)
    reason = _text(data, "reason")
    assert reason is not None
    return RecordSetOff(
        year, amount, reason, _date(data, "on", required=False), _text(data, "claim", max_len=200, required=False)
    )


def refund_request(body: object) -> RecordRefund:
    data = _object(body, ("amount", "paid_on", "voucher_no", "reason"))
    amount = _amount(data)
    paid_on = _date(data, "paid_on", required=True)
    assert paid_on is not None
    voucher = _voucher(data)
    reason = _text(data, "reason")
    assert reason is not None
    return RecordRefund(amount, paid_on, voucher, reason)


def void_reason(body: object) -> str:
    data = _object(body if body is not None else {}, ("reason",))
    reason = _text(data, "reason")
    assert reason is not None
    return reason
