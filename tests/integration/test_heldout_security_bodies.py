"""Held-out checks of what every mutating route does with bodies an attacker or a careless client sends
(docs/domain-rules.md "Security" and "Request bodies"): each gets a 4xx in the API's one error shape naming the
field, never a 5xx, and nothing is written — not to the contract, the ledger, the audit or the idempotency table."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.heldout_security import Stage, fingerprint, post, post_raw, refusal, stage

pytestmark = pytest.mark.integration

SURROGATE = "\ud800"


def _with(body: Any, path: list[Any], value: Any) -> Any:
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def _route(st: Stage, suffix: str) -> tuple[str, str | None, dict[str, Any]]:
    return next(r for r in st.routes() if r[0].endswith(suffix))


# (the route's path ends with, where in the body, the field the refusal names)
SURROGATE_PLACES: list[tuple[str, list[Any], str]] = [
    ("/contracts", ["template"], "template"),
    ("/contracts", ["client", "name"], "client.name"),
    ("/contracts", ["terms", "services", 1], "terms.services[1]"),
    ("/contracts", ["terms", "late_penalty", "mode"], "terms.late_penalty.mode"),
    ("/contracts", ["terms", "term_years"], "terms.term_years"),
    ("/send", ["signing_order"], "signing_order"),
    ("/resend", ["party"], "party"),
    ("/void", ["reason"], "reason"),
    ("/amendments", ["changes", "late_penalty", "mode"], "changes.late_penalty.mode"),
    ("/termination", ["reason_code"], "reason_code"),
    ("/withdraw", ["agreed_by", 1], "agreed_by[1]"),
    ("/payments", ["method"], "method"),
    ("/payments", ["voucher_no"], "voucher_no"),
    ("/payments", ["applies_to", 0, "what"], "applies_to[0].what"),
    ("/refunds", ["paid_on"], "paid_on"),
    ("/waive", ["reason"], "reason"),
    ("/set-offs", ["claim"], "claim"),
    ("/deliveries", ["period"], "period"),
    ("/deliveries", ["kpis", "connect_rate_pct"], "kpis.connect_rate_pct"),
    ("/corrections", ["reason"], "reason"),
    ("/incidents", ["severity"], "severity"),
    ("/incidents", ["occurred_at"], "occurred_at"),
    ("/updates", ["stage"], "stage"),
    ("/decline", ["code"], "code"),
    ("/code", ["anything"], "anything"),
]


def test_a_lone_surrogate_escape_anywhere_is_400_naming_the_field_and_writes_nothing(world: Any) -> None:
    # Given a contract in every state the mutating routes need
    st = stage(world)
    before = fingerprint(world.aws)
    for suffix, place, field in SURROGATE_PLACES:
        path, role, body = _route(st, suffix)
        # When a field holds "\ud800" (valid JSON text, but no Unicode character: it cannot be stored or mailed)
        raw = json.dumps(_with(body, place, SURROGATE)).encode()
        assert b"\\ud800" in raw
        resp = post_raw(world, path, role, raw)
        # Then the reply is a 400 naming that field, itself valid UTF-8 JSON
        assert refusal(resp)["field"] == field, (path, place)
    # A field name that is a lone surrogate is refused too, and so is one inside a signer's name
    path, role, body = _route(st, "/payments")
    assert refusal(post_raw(world, path, role, json.dumps({**body, SURROGATE: 1}).encode()))["field"] == "body"
    signed = post(world, f"/sign/{st.token}", None, {"signer_name": "张\udfff伟", "consent": True})
    assert refusal(signed)["field"] == "signer_name"
    # And nothing anywhere was written
    assert fingerprint(world.aws) == before


# Unknown fields at every depth: each is named by its own path (a misspelled clause must not vanish).
UNKNOWN_PLACES: list[tuple[str, list[Any], str]] = [
    ("/contracts", ["terms", "late_penalty", "cap"], "terms.late_penalty.cap"),
    ("/contracts", ["terms", "dispute_resolution", "seat"], "terms.dispute_resolution.seat"),
    ("/contracts", ["client", "fax"], "client.fax"),
    ("/contracts", ["terms", "penalty_pct"], "terms.penalty_pct"),
    ("/amendments", ["changes", "late_penalty", "rate"], "changes.late_penalty.rate"),
    ("/amendments", ["changes", "service_standards", "connect_rate"], "changes.service_standards.connect_rate"),
    ("/amendments", ["changes", "annual_fees"], "changes.annual_fees"),
    ("/payments", ["applies_to", 0, "amount"], "applies_to[0].amount"),
    ("/payments", ["currency"], "currency"),
    ("/deliveries", ["kpis", "complaint_rate_pct"], "kpis.complaint_rate_pct"),
    ("/corrections", ["kpis", "connect_rate"], "kpis.connect_rate"),
    ("/termination", ["effective_date"], "effective_date"),
    ("/waive", ["year"], "year"),
    ("/set-offs", ["voucher_no"], "voucher_no"),
    ("/refunds", ["method"], "method"),
    ("/incidents", ["resolved_at"], "resolved_at"),
    ("/updates", ["status"], "status"),
    ("/send", ["order"], "order"),
    ("/decline", ["signer_name"], "signer_name"),
    ("/code", ["channel"], "channel"),
]


def test_an_unknown_field_at_any_depth_is_400_naming_its_path_and_writes_nothing(world: Any) -> None:
    st = stage(world)
    before = fingerprint(world.aws)
    for suffix, place, field in UNKNOWN_PLACES:
        path, role, body = _route(st, suffix)
        resp = post(world, path, role, _with(body, place, "x"))
        err = refusal(resp)
        assert err["field"] == field, (path, err)
        assert field.rsplit(".", 1)[-1].split("]")[-1] in err["message"] + err["field"]
    path, role, body = _route(st, "/contracts")
    obligations = [{**_obligation(), "deadline": 5}]
    err = refusal(post(world, path, role, _with(body, ["terms", "obligations"], obligations)))
    assert err["field"] == "terms.obligations[0].deadline"
    assert fingerprint(world.aws) == before


def _obligation() -> dict[str, Any]:
    return {
        "key": "weekly_report",
        "party": "vendor",
        "title": "周报",
        "clause": "2.3",
        "period": "month",
        "due_days_after": 5,
        "kind": "report",
    }


HOSTILE_BODIES: list[bytes] = [
    b"",
    b"   ",
    b"[]",
    b'[{"amount": "1.00"}]',
    b'"amount"',
    b"42",
    b"null",
    b"true",
    b"{",
    b"not json",
    b"\xff\xfe\x00{",
    b'{"reason": "\xe4\xb8"}',  # a cut UTF-8 sequence
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 40 + b"1" + b"}" * 40,
    b'{"amount": 1e400}',
    b'{"amount": -1e400}',
    b'{"amount": NaN}',
    b'{"amount": Infinity}',
    b'{"amount": -Infinity}',
    b'{"amount": ' + b"9" * 400 + b"}",
    b'{"reason": "' + b"x" * 70_000 + b'"}',
]


def test_hostile_bodies_on_every_mutating_route_are_4xx_and_write_nothing(world: Any) -> None:
    st = stage(world)
    before = fingerprint(world.aws)
    for path, role, _ in st.routes():
        for raw in HOSTILE_BODIES:
            if path.endswith(("/send", "/code")) and not raw.strip():
                continue  # their body is optional: no body at all means the defaults
            err = refusal(post_raw(world, path, role, raw), (400, 413))
            assert err["field"] == "body" or raw.startswith(b"{"), (path, raw[:40], err)
    assert fingerprint(world.aws) == before


# Numbers where the API wants a plain decimal string: other scripts' digits, signs, spaces, exponents.
ODD_NUMBERS = ["９６", "٩٦", "९६", "+96", " 96", "96 ", "9.6e1", "-0", "0x60", "96.", ".5", "NaN", "Infinity", "96,0"]


PERCENTAGES: list[tuple[str, list[Any], str]] = [
    ("/contracts", ["terms", "breach_penalty_pct"], "terms.breach_penalty_pct"),
    ("/contracts", ["terms", "late_penalty", "rate_pct"], "terms.late_penalty.rate_pct"),
    ("/contracts", ["terms", "late_penalty", "cap_pct"], "terms.late_penalty.cap_pct"),
    (
        "/contracts",
        ["terms", "service_standards", "connect_rate_min_pct"],
        "terms.service_standards.connect_rate_min_pct",
    ),
    ("/amendments", ["changes", "service_standards", "satisfaction_min_pct"], "changes.service_standards"),
    ("/amendments", ["changes", "late_penalty", "cap_pct"], "changes.late_penalty.cap_pct"),
    ("/deliveries", ["kpis", "connect_rate_pct"], "kpis.connect_rate_pct"),
    ("/corrections", ["kpis", "satisfaction_pct"], "kpis.satisfaction_pct"),
]


def test_percentages_in_other_scripts_signs_spaces_or_exponents_are_400_naming_them(world: Any) -> None:
    # Given "９６" (fullwidth), "٩٦" (Arabic-Indic), "+96", " 96", "9.6e1" ... where "96" is meant
    st = stage(world)
    before = fingerprint(world.aws)
    for suffix, place, field in PERCENTAGES:
        path, role, body = _route(st, suffix)
        for odd in ODD_NUMBERS:
            # Then each is refused naming the field (Decimal() would have read most of them as 96)
            err = refusal(post(world, path, role, _with(body, place, odd)))
            assert err["field"].startswith(field), (odd, err)
    assert fingerprint(world.aws) == before
    # while the plain forms are what they say
    path, role, body = _route(st, "/contracts")
    made = world.ok("POST", path, _with(body, ["terms", "breach_penalty_pct"], "12.5"), status=201)
    assert world.contract(made["id"])["terms"]["breach_penalty_pct"] == "12.5"
