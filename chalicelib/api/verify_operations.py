"""The operations-table entries of POST /verify, the verification page and its script (merged into PATHS by
chalicelib/api/operations.py)."""

from __future__ import annotations

from typing import Any

from chalicelib.api.operations import err, obj, ok, op

VERDICT = {
    "type": "object",
    "required": ["genuine", "contract_no", "part", "version", "signed_at", "problems"],
    "properties": {
        "genuine": {"type": "boolean"},
        "contract_no": {"type": ["string", "null"]},
        "part": {"type": ["string", "null"], "description": "contract or amendment:N"},
        "version": {"type": ["integer", "null"], "description": "the terms version the document establishes"},
        "signed_at": {"type": ["string", "null"], "description": "when the last party signed (UTC)"},
        "document_sha256": {"type": ["string", "null"]},
        "sealed_at": {"type": ["string", "null"]},
        "timestamp": {"type": ["string", "null"], "description": "the RFC 3161 time when the seal has one (B-T)"},
        "problems": {"type": "array", "items": {"type": "string"}, "description": "empty when genuine"},
    },
}
PDF_BODY = {
    "required": True,
    "description": "the PDF to check, as the raw body (at most 5 MB)",
    "content": {
        media: {"schema": {"type": "string", "format": "binary", "maxLength": 5242880}}
        for media in ("application/pdf", "application/octet-stream")
    },
}
VERIFY_QUERY = (
    {"name": "c", "in": "query", "schema": {"type": "string"}, "description": "contract number"},
    {"name": "p", "in": "query", "schema": {"type": "string"}, "description": "contract (default) or amendment:N"},
)
VERIFY_PATHS: dict[str, dict[str, dict[str, Any]]] = {
    "/verify": {
        "post": {
            **op(
                "Is this PDF a genuine, unaltered signed original of Hetong, and of which contract, part and version?",
                {
                    "200": ok("the verdict; genuine false names every problem found", VERDICT),
                    "400": err("the body is not a PDF (field body)"),
                    "413": err("the PDF is larger than 5 MB"),
                    "415": err("Content-Type is not application/pdf"),
                },
                params=(),
            ),
            "requestBody": PDF_BODY,
        },
        "get": op(
            "The verification page a signed original's QR code opens (HTML; JSON with Accept: application/json)",
            {
                "200": {
                    "description": "what Hetong holds about that original, and an upload form",
                    "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": obj()}},
                },
                "400": err("invalid c or p"),
                "404": err("no such signed original"),
            },
            params=VERIFY_QUERY,
        ),
    },
    "/verify/verify.js": {
        "get": op(
            "The verification page's script",
            {"200": ok("JavaScript", {"type": "string"}, "text/javascript")},
            params=(),
        )
    },
}
