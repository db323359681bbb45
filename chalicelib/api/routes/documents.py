"""Documents as HTML and PDF: GET /contracts/{id}/document (staff) and GET /sign/{token}/document.pdf (signer)."""

from __future__ import annotations

from urllib.parse import quote

from chalice.app import Response

from chalicelib import http
from chalicelib.api.routing import STAFF, as_of_given, query, route, staff
from chalicelib.bootstrap import get_deps
from chalicelib.services import contracts as contract_service
from chalicelib.services import originals
from chalicelib.services.originals import PdfFile

FORMATS = ("html", "pdf")


@route("/contracts/{contract_id}/document", methods=["GET"])
def get_document(contract_id: str) -> Response:
    staff(STAFF)
    part = originals.parse_part(query("part"))
    fmt = query("format") or "html"
    if fmt not in FORMATS:
        raise http.BadRequest("format", "format must be html or pdf")
    as_of = as_of_given()
    if fmt == "pdf":
        return pdf_response(originals.document_pdf(get_deps(), contract_id, part, as_of))
    contract = contract_service.get_contract(get_deps(), contract_id)
    doc = originals.document(get_deps(), contract, part, as_of)
    return Response(
        body=doc.html,
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", "X-Document-SHA256": doc.sha256},
    )


@route("/sign/{token}/document.pdf", methods=["GET"])
def signer_document(token: str) -> Response:
    return pdf_response(originals.signer_pdf(get_deps(), token))


def pdf_response(file: PdfFile) -> Response:
    return Response(
        body=file.pdf,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f"attachment; filename=\"{file.filename}\"; filename*=UTF-8''{quote(file.filename)}",
            "X-Document-SHA256": file.sha256,
            "X-Signed-Original": "true" if file.signed_original else "false",
            "Cache-Control": "private, no-store",
        },
    )
