"""HTML pages for signers: the signing page (document, amounts in figures and 大写, consent, typed name,
Sign and Decline) and a plain error page. The page talks to the same resource as JSON."""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from chalice.app import Response

from chalicelib.domain.errors import DomainError, TokenRejected
from chalicelib.domain.money import amount_in_figures
from chalicelib.html_templates import html_templates

TEMPLATES = Path(__file__).resolve().parent / "templates" / "signing"


def page_headers(nonce: str | None = None) -> dict[str, str | list[str]]:
    """An HTML page's headers. The document is our own HTML, shown in a sandboxed iframe (srcdoc) so it cannot run
    script or navigate; the page's one script runs under this response's nonce, and no other script can."""
    script = f"'nonce-{nonce}'" if nonce else "'none'"
    policy = (
        f"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; connect-src 'self'; "
        "frame-src 'self'; img-src 'self' data:; font-src data:; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def _env() -> Any:
    return html_templates(TEMPLATES)


def signing_page(view: dict[str, Any], token: str, nonce: str) -> str:
    ctx = {
        **view,
        "token": token,
        "nonce": nonce,
        "annual_fee_figures": amount_in_figures(Decimal(view["annual_fee"])),
        "contract_amount_figures": amount_in_figures(Decimal(view["contract_amount"])),
        # Inside <script>: "<" escaped, so no value can close the element.
        "view_json": json.dumps(
            {"document_sha256": view["document_sha256"], "verification": view["verification"]}
        ).replace("<", "\\u003c"),
    }
    return str(_env().get_template("page.html").render(ctx))


def error_page(exc: Exception) -> Response:
    if isinstance(exc, TokenRejected):
        status, message = exc.status, exc.message
    elif isinstance(exc, DomainError):
        status, message = 400, exc.message
    else:
        raise exc
    html = _env().get_template("error.html").render({"message": message, "status": status})
    return Response(body=html, status_code=status, headers=page_headers())
