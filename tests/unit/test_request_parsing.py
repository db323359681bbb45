"""Request bodies and parameters from hostile clients: every one is a 4xx naming what is wrong, never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.api import requests as rq
from chalicelib.api.body import parse
from chalicelib.domain.errors import ValidationError
from chalicelib.http import MAX_BODY_BYTES, BadRequest, int_param, parse_json_body
from tests.factories import command, contract_body

JSON = "application/json"


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 30000 + b"]" * 30000,  # under the size limit, far over any recursion limit
        b'{"a":' * 10000 + b"1" + b"}" * 10000,
        b"[" * 40 + b"]" * 40,  # deeper than any request needs
    ],
)
def test_deep_nesting_is_a_400(raw: bytes) -> None:
    assert len(raw) <= MAX_BODY_BYTES
    with pytest.raises(BadRequest) as refused:
        parse_json_body(raw, JSON)
    assert (refused.value.status, refused.value.field) == (400, "body")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"annual_fee": ' + b"9" * 5000 + b"}",
        b'{"annual_fee": 1.' + b"5" * 5000 + b"}",
        b'{"annual_fee": 1e999999}',
        b'{"annual_fee": NaN}',
        b'{"annual_fee": -Infinity}',
    ],
)
def test_huge_or_non_numbers_are_a_400(raw: bytes) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json_body(raw, JSON)
    assert (refused.value.status, refused.value.field) == (400, "body")


def test_ordinary_bodies_still_parse() -> None:
    assert (
        parse_json_body(b'{"a": [1, 2.5, {"b": null}], "n": 12345678901234567890}', JSON)["n"] == 12345678901234567890
    )


@pytest.mark.parametrize("raw", ["²", "١٠", "１０", "-1", "+5", " 5", "", "1" * 30])
def test_integer_parameters_are_ascii_digits(raw: str) -> None:
    with pytest.raises(BadRequest) as refused:
        int_param(raw, "limit", 0, 10**6, "limit must be a positive integer")
    assert refused.value.field == "limit"


def test_an_integer_parameter() -> None:
    assert int_param("42", "limit", 0, 100, "x") == 42


def _notice(**change: Any) -> dict[str, Any]:
    return {"by": "client", "reason_code": "convenience", "details": "经营调整", **change}


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (rq.ServeNoticeRequest, _notice(details="第一段\x07"), "details"),
        (rq.ServeNoticeRequest, _notice(details="\x1b[31m红色"), "details"),
        (rq.DeclineRequest, {"reason": "不签\x00"}, "reason"),
        (rq.VoidRequest, {"reason": "作\u0085废"}, "reason"),  # C1 control (NEL)
        (rq.SignRequest, {"signer_name": "李\x00雷", "consent": True}, "signer_name"),
        (rq.SignRequest, {"signer_name": "李\n雷", "consent": True}, "signer_name"),  # one line
        (rq.DraftContractRequest, contract_body(signing_place="北京\x7f"), "terms.signing_place"),
        (rq.DraftContractRequest, contract_body(services=["咨询\x9b"]), "terms.services[0]"),
    ],
)
def test_control_characters_in_free_text_are_refused_by_field(model: Any, body: Any, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        command(model, body)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (rq.DraftContractRequest, {**contract_body(), "note": "x"}, "note"),
        (rq.DraftContractRequest, contract_body(penalty_clause="x"), "terms.penalty_clause"),
        (rq.SignRequest, {"signer_name": "李雷", "consent": True, "agree": True}, "agree"),
        (rq.ProposeAmendmentRequest, {"changes": {"term_years": 5}, "reason": "x"}, "changes.term_years"),
        (rq.DraftContractRequest, None, "body"),
        (rq.DraftContractRequest, [], "body"),
    ],
)
def test_unknown_fields_and_wrong_shapes_are_named(model: Any, body: Any, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse(model, body)
    assert refused.value.field == field
    assert refused.value.message.startswith(f"{field}: ")


def test_a_missing_field_is_named_by_its_full_path() -> None:
    body = contract_body()
    del body["terms"]["late_penalty"]["rate_pct"]
    with pytest.raises(ValidationError) as refused:
        parse(rq.DraftContractRequest, body)
    assert (refused.value.field, refused.value.message) == (
        "terms.late_penalty.rate_pct",
        "terms.late_penalty.rate_pct: is required",
    )
