"""Anyone's routes for checking a signed original: POST /verify (a PDF in, the verdict out), the page the
certificate's QR code opens (GET /verify?c=&p=) and its script."""

from __future__ import annotations

from chalice.app import Response

from chalicelib import http, verify_page
from chalicelib.api.routing import BODY_TYPES, query, raw_body, request, route, wants_json
from chalicelib.bootstrap import get_deps
from chalicelib.domain.errors import DomainError, ValidationError
from chalicelib.services import sealing

MAX_PDF_BYTES = 5 * 1024 * 1024
PDF_TYPES = ("application/pdf", "application/octet-stream")


def pdf_body() -> bytes:
    """The request body as a PDF: 415 for another type, 413 beyond 5 MB, 400 naming `body` for anything else
    that is not a PDF."""
    content_type = (request().headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if content_type not in PDF_TYPES:
        raise http.BadRequest("body", "Content-Type must be application/pdf", status=415, code="unsupported_media_type")
    data = raw_body() or b""
    if len(data) > MAX_PDF_BYTES:
        raise http.BadRequest("body", "the PDF is larger than 5 MB", status=413, code="payload_too_large")
    from chalicelib.pdf_seal.verify import looks_like_pdf

    if not looks_like_pdf(data):
        raise http.BadRequest("body", "the body is not a PDF (it does not start with %PDF-)")
    return data


@route("/verify", methods=["POST"], content_types=[*BODY_TYPES, "application/pdf"])
def verify_upload() -> Response:
    return http.json_response(sealing.verify_original(get_deps(), pdf_body()))


@route("/verify", methods=["GET"])
def verify_view() -> Response:
    contract_no, part = query("c"), query("p") or "contract"
    if contract_no is None:
        view, missing, status = None, None, 200
    else:
        try:
            view, missing, status = sealing.verification_view(get_deps(), contract_no, part), None, 200
        except DomainError as exc:
            if wants_json():
                raise
            status = 400 if isinstance(exc, ValidationError) else 404
            view, missing = None, f"{exc.message}（本平台无此签署原件 / no such signed original）"
    if wants_json():
        return http.json_response(view)
    return Response(body=verify_page.verify_page(view, missing), status_code=status, headers=verify_page.HEADERS)


@route("/verify/verify.js", methods=["GET"])
def verify_script() -> Response:
    return Response(body=verify_page.verify_script(), status_code=200, headers=verify_page.SCRIPT_HEADERS)
