"""Contract documents (合同文本): renders a contract's terms into the HTML of its template and
fingerprints that HTML, whose SHA-256 is frozen when the contract is sent for signature."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from chalicelib.domain.errors import ValidationError

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
