"""The letters Hetong issues to the client about money: the 付款通知书 (payment notice) of a contract year, as it
stands after any revision, and the 催款函 (payment reminder) of an overdue year. Rendered with the contract
documents' templates and filters, so the HTML and the PDF made from it say the same thing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.documents import _environment, cn_date

LETTERS = {"invoice": "documents/payment-notice.html", "overdue-letter": "documents/overdue-letter.html"}


def render_letter(kind: str, context: Mapping[str, Any]) -> str:
    """The HTML of letter `kind` (invoice | overdue-letter). Deterministic for the same context."""
    return _environment().get_template(LETTERS[kind]).render(dict(context), cn_date=cn_date)
