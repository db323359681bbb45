"""Contract documents (合同文本): renders a contract's terms into the HTML of its template and
fingerprints that HTML, whose SHA-256 is frozen when the contract is sent for signature."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.money import InvalidAmount, amount_in_words, section_numerals, to_money

TEMPLATES = ("customer-service-management", "outbound-call-outsourcing")

_TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


class DocumentContextError(ValidationError):
    """A context value the document cannot be drafted from (unknown template, mode or method, bad amount)."""

    def __init__(self, field: str, value: object) -> None:
        super().__init__(field, f"cannot draft the contract document from {value!r}")
        self.value = value


def render_contract_document(context: Mapping[str, Any]) -> str:
    """Render the contract document (HTML) of ``context["template"]``.

    The same context always gives byte-identical HTML. A key the template needs but the context lacks
    raises ``jinja2.UndefinedError``; a value out of range raises ``DocumentContextError``.
    """
    template = context.get("template")
    if template not in TEMPLATES:
        raise DocumentContextError("template", template)
    return _environment().get_template(f"documents/{template}.html").render(dict(context))


def document_sha256(html: str) -> str:
    """Hex SHA-256 of the document's UTF-8 bytes: the fingerprint frozen at send time."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_refuse_none,
    )
    env.filters["cny"] = _yuan_figures
    env.globals["reject"] = _reject
    return env


def _refuse_none(value: object) -> object:
    # A contract must never print "None" where a term belongs; optional terms are tested in the template.
    if value is None:
        raise DocumentContextError("value", None)
    return value


def _yuan_figures(amount: object) -> str:
    """``"120000.00"`` → ``"120,000.00"``: the figures written between 人民币 and 元."""
    if isinstance(amount, float):
        raise DocumentContextError("amount", amount)
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise DocumentContextError("amount", amount) from None
    if not value.is_finite() or value.as_tuple().exponent != -2:
        raise DocumentContextError("amount", amount)
    return f"{value:,.2f}"


def _reject(field: str, value: object) -> NoReturn:
    raise DocumentContextError(field, value)


# --- supplementary agreements (补充协议) and termination notices (解除合同通知书) ---------------------

_CN_DIGITS = "零一二三四五六七八九"
_CN_PLACES = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
_MAX_ORDINAL = 9999
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PARTIES = ("client", "vendor")


def chinese_ordinal(n: int) -> str:
    """``n`` in Chinese numerals as used in document numbers: 1 → 一, 10 → 十, 11 → 十一, 20 → 二十,
    101 → 一百零一, 1010 → 一千零一十. Accepts 1 to 9999; anything else raises ``ValueError``."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= _MAX_ORDINAL:
        raise ValueError(f"{n!r} is not an ordinal from 1 to {_MAX_ORDINAL}")
    out = section_numerals(n, _CN_DIGITS, _CN_PLACES)
    # 10-19 are read 十, 十一 … 十九, not 一十一; above 100 the 一 stays (一百一十).
    return out[1:] if 10 <= n <= 19 else out


def render_supplementary_agreement(context: Mapping[str, Any]) -> str:
    """Render the 补充协议 (HTML) no. ``context["amendment_no"]`` to the contract ``context["contract_no"]``.

    ``amendment_no_cn`` (一, 二 …) is computed from ``amendment_no`` when absent and must agree with it when
    given; ``fee_change_rule`` is optional (default: no fee-timing clause). Deterministic like the contract:
    its SHA-256 is frozen when it is sent for signature. A missing key raises ``jinja2.UndefinedError``; a
    value out of range raises ``DocumentContextError``.
    """
    values = dict(context)
    if "amendment_no" in values:
        no = values["amendment_no"]
        try:
            ordinal = chinese_ordinal(no)
        except ValueError:
            raise DocumentContextError("amendment_no", no) from None
        if values.setdefault("amendment_no_cn", ordinal) != ordinal:
            raise DocumentContextError("amendment_no_cn", values["amendment_no_cn"])
    fee_change_rule = values.setdefault("fee_change_rule", False)
    if not isinstance(fee_change_rule, bool):
        raise DocumentContextError("fee_change_rule", fee_change_rule)
    template = _environment().get_template("documents/supplementary-agreement.html")
    return template.render(values, cn_date=cn_date)


def render_termination_notice(context: Mapping[str, Any]) -> str:
    """Render the 解除合同通知书 (HTML) that party ``context["by"]`` serves on the other party.

    The effective date must be the notice date plus ``notice_period_days`` (as ``Contract.serve_notice``
    computes it) and ``outstanding_total``, required when ``outstanding`` has rows, must be their sum.
    Deterministic; a missing key raises ``jinja2.UndefinedError``, a value out of range
    ``DocumentContextError``.
    """
    values = dict(context)
    if values.get("by", _PARTIES[0]) not in _PARTIES:
        raise DocumentContextError("by", values["by"])
    _check_notice_period(values)
    _check_outstanding(values)
    template = _environment().get_template("documents/termination-notice.html")
    return template.render(values, cn_date=cn_date, yuan_words=_yuan_words)


def _check_notice_period(values: Mapping[str, Any]) -> None:
    days = values.get("notice_period_days")
    if "notice_period_days" in values and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
        raise DocumentContextError("notice_period_days", days)
    if isinstance(days, int) and "notice_date" in values and "effective_date" in values:
        served = _parse_date("notice_date", values["notice_date"])
        effective = _parse_date("effective_date", values["effective_date"])
        if effective != served + timedelta(days=days):
            raise DocumentContextError("effective_date", values["effective_date"])


def _check_outstanding(values: Mapping[str, Any]) -> None:
    if "outstanding" not in values:
        return
    rows = values["outstanding"]
    if not isinstance(rows, (list, tuple)) or not all(isinstance(row, Mapping) for row in rows):
        raise DocumentContextError("outstanding", rows)
    if not all("outstanding" in row for row in rows):
        return  # the template names the missing key
    total = Decimal("0.00")
    for index, row in enumerate(rows):
        amount = _money(f"outstanding[{index}].outstanding", row["outstanding"])
        if amount <= 0:
            raise DocumentContextError(f"outstanding[{index}].outstanding", row["outstanding"])
        total += amount
    if "outstanding_total" in values and _money("outstanding_total", values["outstanding_total"]) != total:
        raise DocumentContextError("outstanding_total", values["outstanding_total"])


def _money(field: str, value: object) -> Decimal:
    _require_defined(value)
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise DocumentContextError(field, value)
    try:
        return to_money(value)
    except InvalidAmount:
        raise DocumentContextError(field, value) from None


def _yuan_words(amount: object) -> str:
    """``"120000.00"`` → ``"人民币壹拾贰万元整"``: the 大写 written after an amount in figures."""
    return amount_in_words(_money("amount", amount))


def _parse_date(field: str, value: object) -> date:
    _require_defined(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DocumentContextError(field, value)


def cn_date(value: object) -> str:
    """``"2027-03-01"`` (or a ``date``) → ``"2027年3月1日"``, as dates are written in Chinese documents."""
    day = _parse_date("date", value)
    return f"{day.year}年{day.month}月{day.day}日"


def _require_defined(value: object) -> None:
    # A missing key reaches a helper as an Undefined; fail as the template's own lookups do.
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
