"""Held-out one-time code scenarios over the API (docs/domain-rules.md "Signer verification"): at most one request
a minute, 10 minutes' validity to the second, the 5th wrong code locks the link until the operator resends, a code
is bound to its link (another party's, a replaced link's) and used once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.heldout_signing import (
    CLIENT,
    JSON,
    OPERATOR,
    VENDOR,
    ask_code,
    audit,
    codes_to,
    error,
    link,
    link_material,
    other_code,
    sent,
    sign,
    sign_body,
    sign_with_code,
    subjects_to,
)

pytestmark = pytest.mark.integration


def test_one_request_a_minute_and_asking_again_replaces_the_code(world: Any) -> None:
    sent(world)
    client = link("client")
    start = world.clock.now()
    first = ask_code(world, client)
    world.clock.set(start + timedelta(seconds=59))
    soon = world.call("POST", f"/sign/{client}/code", None, role=None)
    assert soon.status_code == 429 and soon.headers["Retry-After"] == "1"
    assert error(soon)["field"] == "code"
    assert len(codes_to(CLIENT)) == 1  # nothing sent
    world.clock.set(start + timedelta(seconds=60))
    second = ask_code(world, client)
    assert len(codes_to(CLIENT)) == 2
    if first != second:  # the first code is replaced: wrong now (and counted)
        stale = world.call("POST", f"/sign/{client}", sign_body("李雷", first), role=None)
        assert stale.status_code == 422 and error(stale)["code"] == "code_wrong" and error(stale)["tries_left"] == 4
    assert sign(world, client, "李雷", second)["receipt"]["verification"] == "email_code"


def test_a_code_is_valid_ten_minutes_to_the_second(world: Any) -> None:
    sent(world)
    client, vendor = link("client"), link("vendor")
    start = world.clock.now()
    c_code = ask_code(world, client)
    v_code = ask_code(world, vendor)
    world.clock.set(start + timedelta(minutes=10))
    expired = world.call("POST", f"/sign/{client}", sign_body("李雷", c_code), role=None)
    assert expired.status_code == 422 and error(expired)["code"] == "code_expired" and error(expired)["field"] == "code"
    view = world.ok("GET", f"/sign/{client}", role=None, headers=JSON)
    assert view["verification"]["tries_left"] == 5  # an expired code is not a wrong try
    world.clock.set(start + timedelta(minutes=10) - timedelta(seconds=1))
    assert sign(world, vendor, "韩梅梅", v_code)["receipt"]["code_sent_at"] == "2026-11-22T04:00:00Z"


def test_the_fifth_wrong_code_locks_the_link_until_the_operator_resends(world: Any) -> None:
    cid = sent(world)
    client = link("client")
    code = ask_code(world, client)
    wrong = other_code(code)
    for left in (4, 3, 2, 1):
        resp = world.call("POST", f"/sign/{client}", sign_body("李雷", wrong), role=None)
        assert resp.status_code == 422, resp.body
        assert (error(resp)["code"], error(resp)["tries_left"], error(resp)["field"]) == ("code_wrong", left, "code")
    # a wrong code on a decline counts too: the 5th wrong code locks
    fifth = world.call("POST", f"/sign/{client}/decline", {"reason": "不签了", "code": wrong}, role=None)
    assert fifth.status_code == 423 and error(fifth)["code"] == "link_locked"
    # locked: the right code, a decline and asking for a code are all refused (423)
    assert world.call("POST", f"/sign/{client}", sign_body("李雷", code), role=None).status_code == 423
    assert world.call("POST", f"/sign/{client}/decline", {"reason": "x", "code": code}, role=None).status_code == 423
    world.clock.set(world.clock.now() + timedelta(minutes=5))
    assert world.call("POST", f"/sign/{client}/code", None, role=None).status_code == 423
    view = world.ok("GET", f"/sign/{client}", role=None, headers=JSON)
    assert view["verification"]["locked"] is True and view["verification"]["tries_left"] == 0
    state = world.contract(cid)["signing_links"]["client"]
    assert state["locked"] is True and state["wrong_codes"] == 5
    world.deliver()
    # the operator is told once
    locked_mails = [s for s in subjects_to(OPERATOR) if "锁定" in s]
    assert len(locked_mails) == 1, subjects_to(OPERATOR)
    world.deliver()
    assert len([s for s in subjects_to(OPERATOR) if "锁定" in s]) == 1
    entries = audit(world, cid)["entries"]
    types = [e["type"] for e in entries]
    assert types.count("SigningCodeRejected") == 5 and types.count("SigningLinkLocked") == 1
    # the operator resends: a fresh, unlocked link; the locked one is dead
    world.ok("POST", f"/contracts/{cid}/resend", {"party": "client"})
    world.deliver()
    fresh = link("client")
    assert fresh != client
    assert world.call("POST", f"/sign/{client}/code", None, role=None).status_code == 410
    view = world.ok("GET", f"/sign/{fresh}", role=None, headers=JSON)
    assert view["verification"]["locked"] is False and view["verification"]["tries_left"] == 5
    sign_with_code(world, fresh, "李雷")
    body = audit(world, cid)
    assert body["verified"] is True
    text = str(body)
    assert code not in text
    for material in link_material(cid):
        assert material not in text


def test_a_code_for_one_party_is_wrong_on_the_other_partys_link(world: Any) -> None:
    sent(world)
    client, vendor = link("client"), link("vendor")
    c_code = ask_code(world, client)
    v_code = ask_code(world, vendor)
    if c_code == v_code:
        pytest.skip("the two random codes happen to be equal")
    crossed = world.call("POST", f"/sign/{vendor}", sign_body("韩梅梅", c_code), role=None)
    assert crossed.status_code == 422 and error(crossed)["code"] == "code_wrong"
    assert sign(world, vendor, "韩梅梅", v_code)["receipt"]["party"] == "vendor"
    # and a vendor who never asked cannot use the client's code on a fresh code-less link
    assert sign(world, client, "李雷", c_code)["status"] == "active"


def test_a_code_not_asked_for_on_that_link(world: Any) -> None:
    sent(world)
    vendor = link("vendor")
    resp = world.call("POST", f"/sign/{vendor}", sign_body("韩梅梅", "123456"), role=None)
    assert resp.status_code == 422 and error(resp)["code"] == "code_not_requested"
    assert world.ok("GET", f"/sign/{vendor}", role=None, headers=JSON)["verification"]["tries_left"] == 5


def test_a_code_cannot_be_used_again_after_signing(world: Any) -> None:
    cid = sent(world)
    client = link("client")
    code = ask_code(world, client)
    sign(world, client, "李雷", code)
    again = world.call("POST", f"/sign/{client}", sign_body("李某", code), role=None)
    assert again.status_code == 410
    assert world.call("POST", f"/sign/{client}/decline", {"reason": "反悔", "code": code}, role=None).status_code == 410
    assert world.call("POST", f"/sign/{client}/code", None, role=None).status_code == 410
    contract = world.contract(cid)
    assert [s["signer_name"] for s in contract["signatures"]] == ["李雷"]
    assert contract["status"] == "awaiting_signatures"


def test_a_code_request_sends_one_email_to_the_links_own_address_and_is_audited_masked(world: Any) -> None:
    cid = sent(world)
    vendor = link("vendor")
    before = len(subjects_to(VENDOR))
    reply = world.ok("POST", f"/sign/{vendor}/code", {}, role=None, status=201)
    assert reply["sent_to"] == "v***@example.com" and reply["channels"] == ["email"] and reply["tries_left"] == 5
    assert len(subjects_to(VENDOR)) == before + 1 and codes_to(CLIENT) == []
    world.deliver()  # the API sent it itself: nothing queued sends it again
    assert len(subjects_to(VENDOR)) == before + 1
    [entry] = [e for e in audit(world, cid)["entries"] if e["type"] == "SigningCodeRequested"]
    assert "v***@example.com" in str(entry) and codes_to(VENDOR)[-1] not in str(entry)
