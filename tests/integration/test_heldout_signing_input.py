"""Held-out scenarios on what a signer sends (docs/domain-rules.md "Signing and its evidence"): consent, the typed
name (1–100 printable characters, hostile Unicode refused with 400 naming the field and nothing written, not even
the one-time code used up), and a retried signing POST (the same reply, nothing recorded or sent twice)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.heldout_signing import (
    BROWSER,
    CLIENT,
    VENDOR,
    ask_code,
    audit,
    error,
    link,
    sent,
    sign,
    sign_body,
    subjects_to,
)

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"signer_name": "李雷"}, "consent"),
        ({"signer_name": "李雷", "consent": False}, "consent"),
        ({"signer_name": "李雷", "consent": "true"}, "consent"),
        ({"signer_name": "李雷", "consent": 1}, "consent"),
        ({"consent": True}, "signer_name"),
        ({"signer_name": "", "consent": True}, "signer_name"),
        ({"signer_name": "   ", "consent": True}, "signer_name"),
        ({"signer_name": "\u3000\u00a0", "consent": True}, "signer_name"),
        ({"signer_name": "李" * 101, "consent": True}, "signer_name"),
        ({"signer_name": "李雷\u202egnp.exe", "consent": True}, "signer_name"),
        ({"signer_name": "李\u200b雷", "consent": True}, "signer_name"),
        ({"signer_name": "李雷\n王五", "consent": True}, "signer_name"),
        ({"signer_name": "李雷\x00", "consent": True}, "signer_name"),
        ({"signer_name": "李\x85雷", "consent": True}, "signer_name"),
        ({"signer_name": "李雷😀", "consent": True}, "signer_name"),
        ({"signer_name": "\ufeff李雷", "consent": True}, "signer_name"),
        ({"signer_name": 12345, "consent": True}, "signer_name"),
        ({"signer_name": ["李雷"], "consent": True}, "signer_name"),
    ],
)
def test_bad_consent_or_name_is_400_naming_the_field_and_nothing_is_used_up(
    world: Any, body: dict[str, Any], field: str
) -> None:
    cid = sent(world)
    client = link("client")
    code = ask_code(world, client)
    head = audit(world, cid)["head"]
    resp = world.call("POST", f"/sign/{client}", {**body, "code": code}, role=None)
    assert resp.status_code == 400, (resp.status_code, resp.body)
    assert error(resp)["field"] == field
    assert audit(world, cid)["head"] == head
    # the code was not used up: the same code signs once the body is right
    assert sign(world, client, "李雷", code)["receipt"]["signer_name"] == "李雷"


def test_names_people_really_have_are_kept_as_typed(world: Any) -> None:
    cid = sent(world, verification="none")
    names = {"client": "  Zoë O'Brien-Martínez  ", "vendor": "欧阳·娜娜" + "娜" * 95}
    for party, name in names.items():
        sign(world, link(party), name)
    got = {s["party"]: s["signer_name"] for s in world.contract(cid)["signatures"]}
    assert got == {"client": "Zoë O'Brien-Martínez", "vendor": names["vendor"]}
    assert len(got["vendor"]) == 100


def test_a_name_typed_in_decomposed_form_is_accepted_as_the_same_name(world: Any) -> None:
    """macOS and some keyboards send é as e + U+0301; the signer typed a plain, printable name."""
    cid = sent(world, verification="none")
    sign(world, link("client"), "Jose\u0301 Garci\u0301a")
    [sig] = world.contract(cid)["signatures"]
    assert sig["signer_name"] == "José García"


def test_a_retried_signing_post_gets_the_same_reply_and_nothing_twice(world: Any) -> None:
    cid = sent(world)
    client, vendor = link("client"), link("vendor")
    code = ask_code(world, client)
    body = sign_body("李雷", code)
    first = world.call("POST", f"/sign/{client}", body, role=None, headers=BROWSER)
    assert first.status_code == 201
    head = audit(world, cid)["head"]
    retry = world.call("POST", f"/sign/{client}", body, role=None, headers=BROWSER)
    assert (retry.status_code, retry.json_body) == (201, first.json_body)
    assert audit(world, cid)["head"] == head
    # a different body on the used link is not a retry: refused as used
    other = world.call("POST", f"/sign/{client}", sign_body("王五", code), role=None, headers=BROWSER)
    assert other.status_code == 410
    # the second party's signature that completes the contract, retried: one activation, one email each
    v_code = ask_code(world, vendor)
    done = world.call("POST", f"/sign/{vendor}", sign_body("韩梅梅", v_code), role=None, headers=BROWSER)
    assert done.status_code == 201 and done.json_body["status"] == "active"
    world.deliver()
    again = world.call("POST", f"/sign/{vendor}", sign_body("韩梅梅", v_code), role=None, headers=BROWSER)
    assert (again.status_code, again.json_body) == (201, done.json_body)
    world.deliver()
    types = [e["type"] for e in audit(world, cid)["entries"]]
    assert types.count("SignatureRecorded") == 2 and types.count("ContractActivated") == 1
    for address in (CLIENT, VENDOR):
        assert len([s for s in subjects_to(address) if "生效" in s]) == 1


def test_a_retried_decline_gets_the_same_reply_and_is_told_once(world: Any) -> None:
    cid = sent(world)
    vendor = link("vendor")
    code = ask_code(world, vendor)
    body = {"reason": "付款条件不能接受", "code": code}
    first = world.call("POST", f"/sign/{vendor}/decline", body, role=None, headers=BROWSER)
    assert first.status_code == 200, first.body
    retry = world.call("POST", f"/sign/{vendor}/decline", body, role=None, headers=BROWSER)
    assert (retry.status_code, retry.json_body) == (200, first.json_body)
    world.deliver()
    assert [e["type"] for e in audit(world, cid)["entries"]].count("SignatureDeclined") == 1
    assert len([s for s in subjects_to(CLIENT) if "拒" in s]) == 1


def test_a_wrong_fingerprint_or_an_unknown_field_uses_nothing_up(world: Any) -> None:
    cid = sent(world)
    client = link("client")
    code = ask_code(world, client)
    head = audit(world, cid)["head"]
    stale = world.call("POST", f"/sign/{client}", sign_body("李雷", code, document_sha256="0" * 64), role=None)
    assert stale.status_code == 409 and error(stale)["field"] == "document_sha256"
    extra = world.call("POST", f"/sign/{client}", sign_body("李雷", code, signature_image="x"), role=None)
    assert extra.status_code == 400 and error(extra)["field"] == "signature_image"
    assert audit(world, cid)["head"] == head
    shown = world.ok("GET", f"/sign/{client}", role=None, headers={"Accept": "application/json"})["document_sha256"]
    assert sign(world, client, "李雷", code)["receipt"]["document_sha256"] == shown
