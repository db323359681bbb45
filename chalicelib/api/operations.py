"""Every operation of the API as data: summary, caller, path parameters, request body model and responses.
chalicelib/openapi.py turns this table into /openapi.json; request schemas come from the body models.

To add an operation: one entry in PATHS built with `op(...)`; give it `body=SomeRequest` (a RequestBody) and
declare the same model on the route in app.py.
"""

from __future__ import annotations

from typing import Any

from chalicelib.api import money_requests as mq
from chalicelib.api import requests as rq
from chalicelib.api import signing_requests as signing_rq
from chalicelib.api.body import RequestBody

MONEY = {"type": "string", "pattern": r"^\d{1,13}(\.\d{1,2})?$", "example": "120000.00"}
DATE = {"type": "string", "format": "date", "example": "2026-11-22"}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}},
        }
    },
}
CONTRACT = {
    "type": "object",
    "required": ["id", "contract_no", "status", "document_sha256", "terms", "client", "vendor"],
    "properties": {
        "id": {"type": "string"},
        "contract_no": {"type": "string"},
        "status": {"type": "string"},
        "document_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "terms": {"type": "object"},
        "client": {"type": "object"},
        "vendor": {"type": "object"},
        "effective_date": {"type": ["string", "null"]},
        "end_date": {"type": ["string", "null"]},
        "contract_amount": MONEY,
        "contract_amount_in_words": {"type": "string"},
        "signatures": {"type": "array"},
        "amendments": {"type": "array"},
        "notices": {"type": "array"},
        "terms_versions": {"type": "array"},
    },
}
SCHEMAS = {"Error": ERROR, "Contract": CONTRACT}
CONTRACT_REF = {"$ref": "#/components/schemas/Contract"}

ID = {"name": "contract_id", "in": "path", "required": True, "schema": {"type": "string"}}
TOKEN = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
AS_OF = {"name": "as_of", "in": "query", "schema": DATE}
YEAR = {"name": "year", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]{1,2}$"}}
AMENDMENT_NO = {"name": "no", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]{1,3}$"}}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "retry safely: the same key and body within 24 h returns the first reply",
}


def err(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def ok(description: str, schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": schema}}}


def obj(*required: str) -> dict[str, Any]:
    return {"type": "object", "required": list(required)} if required else {"type": "object"}


STAFF_ERRORS = {"401": err("missing or unknown key"), "403": err("the key's role may not do this")}
SIGNER_ERRORS = {
    "404": err("unknown link"),
    "409": err("the document is no longer awaiting signatures"),
    "410": err("the link was used, replaced or has expired"),
}
CODE_ASKED = {k: err(v) for k, v in signing_rq.CODE_REQUEST_ERRORS.items()}
CODE_ERRORS = {k: err(v) for k, v in signing_rq.CODE_ERRORS.items()}  # refused one-time codes (field `code`)
BODY_ERRORS = {"400": err("invalid field (named in error.field)"), "413": err("body too large"), "415": err("not JSON")}
# A state change by staff: refused if it conflicts with the contract's state; retried safely with a key.
CHANGE_ERRORS = {
    "409": err("conflicts with the contract's current state"),
    "422": err("Idempotency-Key reused with another body"),
    "503": err("throttled; retry"),
}


def op(
    summary: str,
    responses: dict[str, Any],
    *,
    role: str | None = None,
    params: tuple[dict[str, Any], ...] = (ID,),
    body: type[RequestBody] | None = None,
) -> dict[str, Any]:
    """One operation. `role` set: a staff call (bearer key). `body`: the model the route parses (its class
    stands in the table; the generator replaces it with a $ref to its schema)."""
    out: dict[str, Any] = {"summary": f"{summary} ({role})" if role else summary}
    if role:
        out["security"] = [{"bearer": []}]
    out["parameters"] = list(params)
    if body is not None:
        out["requestBody"] = {"required": body.body_required, "content": {"application/json": {"schema": body}}}
    out["responses"] = {**responses, **(STAFF_ERRORS if role else {})}
    return out


def staff_change(summary: str, role: str, done: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """A mutating staff call on one contract: its reply, plus body, not-found and state-conflict errors."""
    status = "201" if kw.pop("created", False) else "200"
    params = kw.pop("params", (ID, IDEMPOTENCY_KEY))
    responses = {status: done, **BODY_ERRORS, "404": err("no such contract"), **CHANGE_ERRORS}
    return op(summary, responses, role=role, params=params, **kw)


def _reads(summary: str, done: dict[str, Any], *params: dict[str, Any], role: str = "staff") -> dict[str, Any]:
    return op(summary, {"200": done, "404": err("no such contract"), **_bad_query(params)}, role=role, params=params)


def _bad_query(params: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    return {"400": err("invalid query")} if any(p["in"] == "query" for p in params) else {}


LIST_QUERY = (
    {"name": "status", "in": "query", "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
)
PART = {
    "name": "part",
    "in": "query",
    "schema": {"type": "string"},
    "description": "contract (default), amendment:N, notice:N, invoice:K (付款通知书), overdue-letter:K (催款函), "
    "overdue-notice:<key>:<period> (逾期履行通知书) or rectification:<key>:<period> (整改通知书)",
}
FORMAT = {
    "name": "format",
    "in": "query",
    "schema": {"type": "string", "enum": ["html", "pdf"]},
    "description": "html (default) or pdf; a contract or agreement both parties signed is the signed original",
}
PDF = {"type": "string", "format": "binary"}
PAGE = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array"}, "next_cursor": {"type": ["string", "null"]}},
}
AUDIT = {
    "type": "object",
    "required": ["verified", "entries"],
    "properties": {
        "verified": {"type": "boolean"},
        "entries": {"type": "array", "description": "each with `actor` and `by`: kind, role, key_id and name"},
        "problems": {"type": "array"},
        "anchored": {
            "type": ["object", "null"],
            "description": "the last signed anchor: at, as_of, head, entries, key_id, signature_valid, matches",
        },
        "anchoring": {"type": "string", "description": "how far the chain is anchored"},
    },
}
SIGNING_VIEW = {
    "description": "the document to sign",
    "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}},
}
RECEIVABLES = {
    "description": "the report",
    "content": {
        "application/json": {"schema": obj("totals", "contracts")},
        "text/csv": {"schema": {"type": "string"}},
    },
}
FORMAT = {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}}
ANY = "anyone"

PATHS: dict[str, dict[str, dict[str, Any]]] = {
    "/contracts": {
        "post": op(
            "Draft a contract from a template",
            {
                "201": ok("drafted", CONTRACT_REF),
                **BODY_ERRORS,
                "422": err("Idempotency-Key reused with another body"),
            },
            role="operator",
            params=(IDEMPOTENCY_KEY,),
            body=rq.DraftContractRequest,
        ),
        "get": op(
            "List contracts",
            {"200": ok("a page of contracts", PAGE), "400": err("invalid query")},
            role="staff",
            params=LIST_QUERY,
        ),
    },
    "/contracts/{contract_id}": {
        "get": _reads(
            "A contract: terms, signatures, amendments, notices, grounds", ok("the contract", CONTRACT_REF), ID, AS_OF
        )
    },
    "/contracts/{contract_id}/document": {
        "get": op(
            "The document as HTML or PDF (letters with figures as of as_of)",
            {
                "200": {
                    "description": "the document; X-Document-SHA256 is its (frozen) HTML's SHA-256",
                    "content": {"text/html": {"schema": {"type": "string"}}, "application/pdf": {"schema": PDF}},
                },
                "400": err("invalid part, format or as_of"),
                "404": err("no such contract or document"),
            },
            role="staff",
            params=(ID, PART, FORMAT, AS_OF),
        )
    },
    "/contracts/{contract_id}/audit": {
        "get": _reads("The audit hash chain and whether it verifies", ok("the chain", AUDIT), ID)
    },
    "/contracts/{contract_id}/send": {
        "post": staff_change(
            "Freeze the document and email each party its link",
            "operator",
            ok("sent", CONTRACT_REF),
            body=rq.SendRequest,
        )
    },
    "/contracts/{contract_id}/resend": {
        "post": staff_change(
            "Issue a fresh link to a party that has not signed (the old one stops working)",
            "operator",
            ok("reissued", CONTRACT_REF),
            body=rq.ResendRequest,
        )
    },
    "/contracts/{contract_id}/void": {
        "post": staff_change("Void an unsigned contract", "operator", ok("voided", CONTRACT_REF), body=rq.VoidRequest)
    },
    "/sign/{token}": {
        "get": op(
            "The signing page (HTML), or JSON with Accept: application/json",
            {"200": SIGNING_VIEW, **SIGNER_ERRORS},
            params=(TOKEN,),
        ),
        "post": op(
            "Sign",
            {
                "201": ok("the signature receipt", obj("receipt", "status")),
                "400": err("invalid field (a missing one-time code: field `code`)"),
                **SIGNER_ERRORS,
                **CODE_ERRORS,
            },
            params=(TOKEN,),
            body=rq.SignRequest,
        ),
    },
    "/sign/{token}/code": {
        "post": op(
            "Send the link's signer a one-time code (email, and SMS where configured); 6 digits, 10 minutes",
            {"201": ok("where it went", obj("sent_to", "channels", "expires_at")), **SIGNER_ERRORS, **CODE_ASKED},
            params=(TOKEN,),
            body=signing_rq.CodeRequest,
        )
    },
    "/sign/{token}/document.pdf": {
        "get": op(
            "The signer's copy as PDF: the document, or the signed original once both parties signed",
            {"200": ok("PDF", PDF, "application/pdf"), "404": err("unknown link"), "410": err("revoked or expired")},
            params=(TOKEN,),
        )
    },
    "/sign/{token}/decline": {
        "post": op(
            "Decline to sign",
            {"200": ok("declined", obj()), "400": err("invalid field"), **SIGNER_ERRORS, **CODE_ERRORS},
            params=(TOKEN,),
            body=rq.DeclineRequest,
        )
    },
    "/contracts/{contract_id}/invoices": {
        "get": _reads("Invoices with paid, outstanding and penalties", ok("invoices", obj("items")), ID, AS_OF)
    },
    "/contracts/{contract_id}/invoices/{year}/void": {
        "post": staff_change(
            "Void an unpaid or partially paid invoice",
            "operator",
            ok("voided", obj()),
            params=(ID, IDEMPOTENCY_KEY, YEAR),
            body=mq.VoidInvoiceRequest,
        )
    },
    "/contracts/{contract_id}/ledger": {
        "get": _reads(
            "The receivables ledger as of a day: facts in date order, where each payment went, and the balances",
            ok("ledger", obj("facts", "fees", "balances")),
            ID,
            AS_OF,
        )
    },
    "/contracts/{contract_id}/penalties/{year}/waive": {
        "post": staff_change(
            "Waive (减免) part of a year's late penalty, at most what is outstanding on its date",
            "finance",
            ok("waived", obj("penalty_outstanding")),
            created=True,
            params=(ID, IDEMPOTENCY_KEY, YEAR),
            body=mq.WaivePenaltyRequest,
        )
    },
    "/contracts/{contract_id}/set-offs": {
        "post": staff_change(
            "Record a set-off (抵销): the client deducted what the vendor owes it from a year's fee or penalty",
            "finance",
            ok("recorded", obj("placed")),
            created=True,
            body=mq.SetOffRequest,
        )
    },
    "/contracts/{contract_id}/refunds": {
        "post": staff_change(
            "Record a refund out of the credit balance (409 naming amount beyond it)",
            "finance",
            ok("recorded", obj("credit_after")),
            created=True,
            body=mq.RefundRequest,
        )
    },
    "/contracts/{contract_id}/payments": {
        "post": staff_change(
            "Record a payment against a voucher: where designated, else matured fees first (Civil Code art. 560),"
            " then penalties; the rest is credit",
            "finance",
            ok("recorded", obj("allocations", "penalty_allocations", "to_credit")),
            created=True,
            body=mq.RecordPaymentRequest,
        ),
        "get": _reads("Payments", ok("payments", obj("items")), ID),
    },
    "/receivables": {
        "get": op(
            "Outstanding and overdue by contract and aging bucket",
            {"200": RECEIVABLES, "400": err("invalid query")},
            role="finance",
            params=(AS_OF, FORMAT),
        )
    },
    "/contracts/{contract_id}/amendments": {
        "post": staff_change(
            "Propose a supplementary agreement (补充协议); it is sent for signature",
            "operator",
            ok("proposed", obj("amendment_no", "status")),
            created=True,
            body=rq.ProposeAmendmentRequest,
        )
    },
    "/contracts/{contract_id}/amendments/{no}/void": {
        "post": staff_change(
            "Void an unsigned supplementary agreement",
            "operator",
            ok("voided", CONTRACT_REF),
            params=(ID, IDEMPOTENCY_KEY, AMENDMENT_NO),
            body=rq.VoidRequest,
        )
    },
    "/contracts/{contract_id}/termination": {
        "post": staff_change(
            "Serve a termination notice (解除合同通知书)",
            "operator",
            ok("served", obj("effective_date")),
            created=True,
            body=rq.ServeNoticeRequest,
        )
    },
    "/contracts/{contract_id}/termination/withdraw": {
        "post": staff_change(
            "Withdraw a pending notice with both parties' agreement",
            "operator",
            ok("withdrawn", CONTRACT_REF),
            body=rq.WithdrawNoticeRequest,
        )
    },
    "/openapi.json": {"get": op("This document", {"200": ok("OpenAPI 3", obj())}, params=())},
}

# The calls checking signed originals and the 履约 calls live beside this table (verify_, obligation_operations.py).
from chalicelib.api.obligation_operations import OBLIGATION_PATHS  # noqa: E402
from chalicelib.api.verify_operations import VERIFY_PATHS  # noqa: E402

PATHS.update(VERIFY_PATHS | OBLIGATION_PATHS)
