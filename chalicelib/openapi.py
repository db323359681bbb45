"""The API's OpenAPI 3 description, served at /openapi.json and used by the fuzzing tests."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.contract import REASON_CODES

MONEY = {"type": "string", "pattern": r"^\d{1,13}(\.\d{1,2})?$", "example": "120000.00"}
PCT = {"type": "string", "pattern": r"^\d{1,3}(\.\d{1,4})?$", "example": "0.05"}
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
PARTY = {
    "type": "object",
    "required": ["name", "credit_code", "contact_person", "phone", "email", "address"],
    "properties": {
        "name": {"type": "string", "maxLength": 200, "example": "北京云帆科技有限公司"},
        "credit_code": {
            "type": "string",
            "minLength": 18,
            "maxLength": 18,
            "example": "91350100M000100Y43",
            "description": "统一社会信用代码 with its GB 32100-2015 check character",
        },
        "contact_person": {"type": "string", "maxLength": 100},
        "phone": {"type": "string", "example": "010-88886666"},
        "email": {"type": "string", "format": "email"},
        "address": {"type": "string", "maxLength": 300},
    },
}
LATE_PENALTY = {
    "type": "object",
    "required": ["mode", "rate_pct"],
    "properties": {
        "mode": {"type": "string", "enum": ["contract_pct", "daily_pct"]},
        "rate_pct": PCT,
        "cap_pct": {"oneOf": [PCT, {"type": "null"}]},
    },
}
TERMS = {
    "type": "object",
    "required": [
        "services",
        "term_years",
        "annual_fee",
        "payment_due_days",
        "breach_penalty_pct",
        "late_penalty",
        "notice_period_days",
        "signing_place",
    ],
    "properties": {
        "services": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"type": "string"}},
        "service_standards": {
            "type": ["object", "null"],
            "properties": {"connect_rate_min_pct": PCT, "satisfaction_min_pct": PCT},
        },
        "term_years": {"type": "integer", "minimum": 1, "maximum": 30},
        "annual_fee": MONEY,
        "payment_due_days": {"type": "integer", "minimum": 0, "maximum": 365},
        "breach_penalty_pct": PCT,
        "late_penalty": LATE_PENALTY,
        "notice_period_days": {"type": "integer", "minimum": 1, "maximum": 365},
        "dispute_resolution": {
            "type": "object",
            "properties": {
                "method": {"type": "string", "enum": ["court", "arbitration"]},
                "body": {"type": ["string", "null"]},
            },
        },
        "signing_place": {"type": "string"},
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


def _err(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


STAFF_ERRORS = {"401": _err("missing or unknown key"), "403": _err("the key's role may not do this")}
ID_PARAM = {"name": "contract_id", "in": "path", "required": True, "schema": {"type": "string"}}


CONTRACT_REF = {"$ref": "#/components/schemas/Contract"}
TOKEN_PARAM = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
AS_OF = {"name": "as_of", "in": "query", "schema": DATE}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "retry safely: the same key and body within 24 h returns the first reply",
}
SIGNER_ERRORS = {
    "404": _err("unknown link"),
    "409": _err("the document is no longer awaiting signatures"),
    "410": _err("the link was used, replaced or has expired"),
}


def _obj(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


REASON = _obj({"reason": {"type": "string", "minLength": 1, "maxLength": 1000}}, ["reason"])


def _op(
    summary: str,
    role: str,
    *,
    ok: dict[str, Any],
    body: dict[str, Any] | None = None,
    conflict: bool = False,
    created: bool = False,
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "201" if created else "200": ok,
        "400": _err("invalid field (named in error.field)"),
        "404": _err("no such contract"),
        "413": _err("body too large"),
        "415": _err("not JSON"),
        **STAFF_ERRORS,
    }
    if conflict:
        responses["409"] = _err("conflicts with the contract's current state")
        responses["422"] = _err("Idempotency-Key reused with another body")
        responses["503"] = _err("throttled; retry")
    op: dict[str, Any] = {
        "summary": f"{summary} ({role})",
        "security": [{"bearer": []}],
        "parameters": [ID_PARAM, IDEMPOTENCY_KEY],
        "responses": responses,
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hetong (合同) API",
            "version": "1.0.0",
            "description": "Contract lifecycle and payment tracking: draft, sign, invoice, pay, chase, "
            "amend and end service contracts.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR, "Party": PARTY, "Terms": TERMS, "Contract": CONTRACT},
        },
        "paths": {
            "/contracts": {
                "post": {
                    "summary": "Draft a contract from a template (operator)",
                    "security": [{"bearer": []}],
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["template", "client", "vendor", "terms"],
                                    "properties": {
                                        "template": {
                                            "type": "string",
                                            "enum": ["customer-service-management", "outbound-call-outsourcing"],
                                        },
                                        "client": {"$ref": "#/components/schemas/Party"},
                                        "vendor": {"$ref": "#/components/schemas/Party"},
                                        "terms": {"$ref": "#/components/schemas/Terms"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json("drafted", {"$ref": "#/components/schemas/Contract"}),
                        "400": _err("invalid field (named in error.field)"),
                        "413": _err("body too large"),
                        "415": _err("not JSON"),
                        "422": _err("Idempotency-Key reused with another body"),
                        **STAFF_ERRORS,
                    },
                },
                "get": {
                    "summary": "List contracts (staff)",
                    "security": [{"bearer": []}],
                    "parameters": [
                        {"name": "status", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": _json(
                            "a page of contracts",
                            {
                                "type": "object",
                                "required": ["items"],
                                "properties": {"items": {"type": "array"}, "next_cursor": {"type": ["string", "null"]}},
                            },
                        ),
                        "400": _err("invalid query"),
                        **STAFF_ERRORS,
                    },
                },
            },
            "/contracts/{contract_id}": {
                "get": {
                    "summary": "A contract with its terms, signatures, amendments and notices (staff)",
                    "security": [{"bearer": []}],
                    "parameters": [ID_PARAM],
                    "responses": {
                        "200": _json("the contract", {"$ref": "#/components/schemas/Contract"}),
                        "404": _err("no such contract"),
                        **STAFF_ERRORS,
                    },
                }
            },
            "/contracts/{contract_id}/document": {
                "get": {
                    "summary": "The rendered document (HTML)",
                    "security": [{"bearer": []}],
                    "parameters": [
                        ID_PARAM,
                        {
                            "name": "part",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "contract (default), amendment:N or notice:N",
                        },
                    ],
                    "responses": {
                        "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}},
                        "404": _err("no such contract or document"),
                        **STAFF_ERRORS,
                    },
                }
            },
            "/contracts/{contract_id}/audit": {
                "get": {
                    "summary": "The audit hash chain and whether it verifies",
                    "security": [{"bearer": []}],
                    "parameters": [ID_PARAM],
                    "responses": {
                        "200": _json(
                            "the chain",
                            {
                                "type": "object",
                                "required": ["verified", "entries"],
                                "properties": {
                                    "verified": {"type": "boolean"},
                                    "entries": {"type": "array"},
                                    "problems": {"type": "array"},
                                },
                            },
                        ),
                        "404": _err("no such contract"),
                        **STAFF_ERRORS,
                    },
                }
            },
            "/contracts/{contract_id}/send": {
                "post": _op(
                    "Freeze the document and email each party its link",
                    "operator",
                    ok=_json("sent", CONTRACT_REF),
                    conflict=True,
                )
            },
            "/contracts/{contract_id}/resend": {
                "post": _op(
                    "Issue a fresh link to a party that has not signed (the old one stops working)",
                    "operator",
                    body=_obj(
                        {
                            "party": {"type": "string", "enum": ["client", "vendor"]},
                            "subject": {"type": "string", "example": "contract"},
                        },
                        ["party"],
                    ),
                    ok=_json("reissued", CONTRACT_REF),
                    conflict=True,
                )
            },
            "/contracts/{contract_id}/void": {
                "post": _op(
                    "Void an unsigned contract",
                    "operator",
                    body=REASON,
                    ok=_json("voided", CONTRACT_REF),
                    conflict=True,
                )
            },
            "/sign/{token}": {
                "get": {
                    "summary": "The signing page (HTML), or JSON with Accept: application/json",
                    "parameters": [TOKEN_PARAM],
                    "responses": {
                        "200": {
                            "description": "the document to sign",
                            "content": {
                                "text/html": {"schema": {"type": "string"}},
                                "application/json": {"schema": {"type": "object"}},
                            },
                        },
                        **SIGNER_ERRORS,
                    },
                },
                "post": {
                    "summary": "Sign",
                    "parameters": [TOKEN_PARAM],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": _obj(
                                    {
                                        "signer_name": {"type": "string", "minLength": 1, "maxLength": 100},
                                        "consent": {"type": "boolean"},
                                        "document_sha256": {"type": "string"},
                                    },
                                    ["signer_name", "consent"],
                                )
                            }
                        },
                    },
                    "responses": {
                        "201": _json("the signature receipt", {"type": "object", "required": ["receipt", "status"]}),
                        "400": _err("invalid field"),
                        **SIGNER_ERRORS,
                    },
                },
            },
            "/sign/{token}/decline": {
                "post": {
                    "summary": "Decline to sign",
                    "parameters": [TOKEN_PARAM],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": REASON}}},
                    "responses": {
                        "200": _json("declined", {"type": "object"}),
                        "400": _err("invalid field"),
                        **SIGNER_ERRORS,
                    },
                }
            },
            "/contracts/{contract_id}/invoices": {
                "get": {
                    "summary": "Invoices with paid, outstanding and penalties (staff)",
                    "security": [{"bearer": []}],
                    "parameters": [ID_PARAM, AS_OF],
                    "responses": {
                        "200": _json("invoices", {"type": "object", "required": ["items"]}),
                        "400": _err("invalid query"),
                        "404": _err("no such contract"),
                        **STAFF_ERRORS,
                    },
                }
            },
            "/contracts/{contract_id}/invoices/{year}/void": {
                "post": {
                    **_op(
                        "Void an unpaid or partially paid invoice",
                        "operator",
                        body=REASON,
                        ok=_json("voided", {"type": "object"}),
                        conflict=True,
                    ),
                    "parameters": [
                        ID_PARAM,
                        IDEMPOTENCY_KEY,
                        {
                            "name": "year",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9]{1,2}$"},
                        },
                    ],
                }
            },
            "/contracts/{contract_id}/payments": {
                "post": {
                    **_op(
                        "Record a payment against a voucher; allocated oldest invoice first",
                        "finance",
                        body=_obj(
                            {
                                "amount": MONEY,
                                "paid_on": DATE,
                                "voucher_no": {"type": "string"},
                                "method": {
                                    "type": "string",
                                    "enum": ["bank_transfer", "cheque", "cash", "online", "other"],
                                },
                            },
                            ["amount", "paid_on", "voucher_no", "method"],
                        ),
                        ok=_json("recorded", {"type": "object", "required": ["allocations"]}),
                        conflict=True,
                        created=True,
                    ),
                    "parameters": [
                        ID_PARAM,
                        {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}},
                    ],
                },
                "get": {
                    "summary": "Payments (staff)",
                    "security": [{"bearer": []}],
                    "parameters": [ID_PARAM],
                    "responses": {
                        "200": _json("payments", {"type": "object", "required": ["items"]}),
                        "404": _err("no such contract"),
                        **STAFF_ERRORS,
                    },
                },
            },
            "/receivables": {
                "get": {
                    "summary": "Outstanding and overdue by contract and aging bucket (finance)",
                    "security": [{"bearer": []}],
                    "parameters": [
                        AS_OF,
                        {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}},
                    ],
                    "responses": {
                        "200": {
                            "description": "the report",
                            "content": {
                                "application/json": {"schema": {"type": "object", "required": ["totals", "contracts"]}},
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        "400": _err("invalid query"),
                        **STAFF_ERRORS,
                    },
                }
            },
            "/contracts/{contract_id}/amendments": {
                "post": _op(
                    "Propose a supplementary agreement (补充协议); it is sent for signature",
                    "operator",
                    body=_obj({"changes": {"type": "object"}, "reason": {"type": "string"}}, ["changes", "reason"]),
                    ok=_json("proposed", {"type": "object", "required": ["amendment_no", "status"]}),
                    conflict=True,
                    created=True,
                )
            },
            "/contracts/{contract_id}/amendments/{no}/void": {
                "post": {
                    **_op(
                        "Void an unsigned supplementary agreement",
                        "operator",
                        body=REASON,
                        ok=_json("voided", CONTRACT_REF),
                        conflict=True,
                    ),
                    "parameters": [
                        ID_PARAM,
                        IDEMPOTENCY_KEY,
                        {
                            "name": "no",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9]{1,3}$"},
                        },
                    ],
                }
            },
            "/contracts/{contract_id}/termination": {
                "post": _op(
                    "Serve a termination notice (解除合同通知书)",
                    "operator",
                    body=_obj(
                        {
                            "by": {"type": "string", "enum": ["client", "vendor"]},
                            "reason_code": {"type": "string", "enum": list(REASON_CODES)},
                            "details": {"type": "string"},
                            "notice_date": DATE,
                        },
                        ["by", "reason_code", "details"],
                    ),
                    ok=_json("served", {"type": "object", "required": ["effective_date"]}),
                    conflict=True,
                    created=True,
                )
            },
            "/contracts/{contract_id}/termination/withdraw": {
                "post": _op(
                    "Withdraw a pending notice with both parties' agreement",
                    "operator",
                    body=_obj(
                        {
                            "reason": {"type": "string"},
                            "agreed_by": {"type": "array", "items": {"type": "string"}},
                            "withdrawn_on": DATE,
                        },
                        ["reason", "agreed_by"],
                    ),
                    ok=_json("withdrawn", CONTRACT_REF),
                    conflict=True,
                )
            },
            "/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": _json("OpenAPI 3", {"type": "object"})}}
            },
        },
    }
