"""Security headers on every response of the API (a Chalice middleware, so a route added anywhere gets them):
nothing is cached (staff JSON and signer pages carry names, amounts, emails), nothing is sniffed or sent as a
referrer, and every HTML page gets a Content-Security-Policy without 'unsafe-inline' scripts. A page that runs
a script of its own (the signing page) sets its own policy with a per-response nonce (chalicelib/pages.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Response

# Documents and pages style themselves inline (attributes included, which a nonce cannot cover); they run no
# script, load nothing, submit nowhere and may not be framed.
HTML_POLICY = (
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def secure(response: Response) -> Response:
    """`response` with the headers every reply carries; an HTML one also with a CSP unless it set its own."""
    headers = {k.lower(): k for k in response.headers}
    for name, value in ALWAYS.items():
        if name.lower() not in headers:
            response.headers[name] = value
    content_type = str(response.headers.get(headers.get("content-type", "Content-Type"), ""))
    if "html" in content_type.lower():
        if "content-security-policy" not in headers:
            response.headers["Content-Security-Policy"] = HTML_POLICY
        response.headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers without CSP 2
    return response


def middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    return secure(get_response(event))
