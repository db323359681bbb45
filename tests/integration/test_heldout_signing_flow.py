"""Held-out signing scenarios over the API: signing order, both parties in either order, decline, void, resend
and link expiry, with the evidence, the audit and the emails each step sends (expectations from
docs/domain-rules.md "Signing and its evidence" and docs/signed-originals.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.calendar import SHANGHAI
from tests.integration.heldout_signing import (
    BROWSER,
    CLIENT,
    JSON,
    OPERATOR,
    VENDOR,
    ask_code,
    at,
    audit,
    audit_types,
    error,
    link,
    link_material,
    sent,
    sign,
    sign_body,
    sign_with_code,
    subjects_to,
    utc,
)
from tests.support import emails_to

pytestmark = pytest.mark.integration


def _sh(y: int, m: int, d: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def test_any_order_vendor_then_client_across_shanghai_midnight(world: Any) -> None:
    # Given a contract sent on 2026-11-22 with codes and no order: both parties are emailed their link at once
    cid = sent(world)
    assert len(subjects_to(CLIENT)) == 1 and len(subjects_to(VENDOR)) == 1
    client, vendor = link("client"), link("vendor")
    # When the vendor signs at 23:50 Shanghai (15:50 UTC) and the client at 00:10 the next day (Shanghai)
    at(world, _sh(2026, 11, 23, 23, 50))
    first = sign_with_code(world, vendor, "韩梅梅", BROWSER)
    assert first["status"] == "awaiting_signatures" and first["effective_date"] is None
    assert first["receipt"]["party"] == "vendor" and first["receipt"]["signs_for"] == "上海声通外呼服务有限公司"
    world.deliver()
    at(world, _sh(2026, 11, 24, 0, 10))
    second = sign_with_code(world, client, "李雷", BROWSER)
    world.deliver()
    # Then the contract is in force on the Shanghai date of the second signature
    assert second["status"] == "active" and second["effective_date"] == "2026-11-24"
    contract = world.contract(cid)
    assert contract["effective_date"] == "2026-11-24" and contract["end_date"] == "2029-11-23"
    by_party = {s["party"]: s for s in contract["signatures"]}
    assert by_party["vendor"]["signed_at"] == "2026-11-23T15:50:00Z"
    assert by_party["client"]["signed_at"] == "2026-11-23T16:10:00Z"
    assert by_party["vendor"]["signed_at_local"] == "2026-11-23T23:50:00+08:00"
    assert by_party["client"]["signed_at_local"] == "2026-11-24T00:10:00+08:00"
    for party, email, name in (("client", CLIENT, "李雷"), ("vendor", VENDOR, "韩梅梅")):
        sig = by_party[party]
        assert (sig["signer_name"], sig["signer_email"], sig["verification"]) == (name, email, "email_code")
        assert sig["verified_destination"] == email[0] + "***@example.com"
        assert sig["user_agent"] == BROWSER["User-Agent"] and sig["forwarded_for"] == "203.0.113.9"
        assert sig["ip_address"] and sig["ip_address"] != "203.0.113.9"
        assert sig["document_sha256"] == contract["document_sha256"]
    # Each party got: the invitation, one code, the in-force email with the original; nothing else, nothing twice
    for address in (CLIENT, VENDOR):
        subjects = subjects_to(address)
        assert len(subjects) == 3, subjects
        assert sum("请签署" in s for s in subjects) == 1
        assert sum("验证码" in s for s in subjects) == 1
        assert sum("生效" in s for s in subjects) == 1
    assert audit(world, cid)["verified"] is True


@pytest.mark.parametrize(
    ("order", "first", "second"), [("client_first", "client", "vendor"), ("vendor_first", "vendor", "client")]
)
def test_an_order_holds_the_second_party_until_the_first_signs(world: Any, order: str, first: str, second: str) -> None:
    cid = sent(world, order=order)
    addr = {"client": CLIENT, "vendor": VENDOR}
    assert emails_to(addr[second]) == []  # only the first party is emailed at send
    first_link = link(first)
    from chalicelib.bootstrap import get_deps
    from chalicelib.domain.links import signing_token

    deps = get_deps()
    second_link = signing_token(deps.link_secret(), cid, deps.repo.get_contract(cid).signing.links[second].token_id)
    # The second party tries first: page, code, signing and declining are all "not yet your turn" (409)
    page = world.call("GET", f"/sign/{second_link}", role=None, headers=JSON)
    assert page.status_code == 409 and "not yet your turn" in error(page)["message"]
    html = world.call("GET", f"/sign/{second_link}", role=None)
    assert html.status_code == 409
    for path, body in (
        (f"/sign/{second_link}/code", None),
        (f"/sign/{second_link}", sign_body("韩梅梅", "123456")),
        (f"/sign/{second_link}/decline", {"reason": "不同意", "code": "123456"}),
    ):
        resp = world.call("POST", path, body, role=None)
        assert resp.status_code == 409, (path, resp.status_code, resp.body)
    # and the operator cannot resend it before its turn (409 naming party)
    early = world.call("POST", f"/contracts/{cid}/resend", {"party": second})
    assert early.status_code == 409 and error(early)["field"] == "party"
    assert [e for e in audit_types(world, cid) if e.startswith("SigningCode")] == []  # nothing was recorded
    # When the first party signs two days later
    world.travel(world.today + timedelta(days=2))
    signed_at = world.clock.now()
    sign_with_code(world, first_link, "李雷")
    world.deliver()
    # Then the second party is emailed its link once, valid 14 days from then, and can sign
    turn = list(subjects_to(addr[second]))
    assert len(turn) == 1, turn
    assert link(second) == second_link
    view = world.ok("GET", f"/sign/{second_link}", role=None, headers=JSON)
    assert utc(view["expires_at"]) == signed_at + timedelta(days=14)
    world.clock.set(signed_at + timedelta(hours=1))
    sign_with_code(world, second_link, "韩梅梅")
    world.deliver()
    contract = world.contract(cid)
    assert contract["status"] == "active" and contract["signing_order"] == order
    assert next(s["party"] for s in sorted(contract["signatures"], key=lambda s: s["signed_at"])) == first
    assert audit(world, cid)["verified"] is True


@pytest.mark.parametrize("decliner", ["client", "vendor"])
def test_a_decline_by_either_party_ends_the_signing(world: Any, decliner: str) -> None:
    cid = sent(world)
    client, vendor = link("client"), link("vendor")
    tokens = {"client": client, "vendor": vendor}
    other = "vendor" if decliner == "client" else "client"
    # The other party signs first; then the decliner declines with a code
    sign_with_code(world, tokens[other], "王五")
    code = ask_code(world, tokens[decliner])
    no_code = world.call("POST", f"/sign/{tokens[decliner]}/decline", {"reason": "价格条款需再议"}, role=None)
    assert no_code.status_code == 400 and error(no_code)["field"] == "code"
    reply = world.ok(
        "POST", f"/sign/{tokens[decliner]}/decline", {"reason": "价格条款需再议", "code": code}, role=None,
        headers=BROWSER,
    )  # fmt: skip
    assert reply["status"] == "declined" and reply["declined_by"] == decliner
    world.deliver()
    contract = world.contract(cid)
    assert contract["status"] == "declined" and contract["declined"]["party"] == decliner
    assert contract["declined"]["reason"] == "价格条款需再议"
    # the decline's evidence is recorded like a signature's: who (the link's email), how verified, from where
    declined = contract["declined"]
    assert declined["email"] == {"client": CLIENT, "vendor": VENDOR}[decliner]
    assert declined["verification"] == "email_code"
    assert declined["user_agent"] == BROWSER["User-Agent"] and declined["ip_address"]
    assert (reply["ip_address"], reply["user_agent"], reply["at"]) == (
        declined["ip_address"],
        declined["user_agent"],
        declined["at"],
    )
    # the signature already made stays on record (evidence kept)
    assert [s["party"] for s in contract["signatures"]] == [other]
    # Nobody can use a link now: the decliner's (used) and the other party's (document no longer awaiting)
    again = world.call("POST", f"/sign/{tokens[decliner]}", sign_body("赵六", code), role=None)
    assert again.status_code in (409, 410)
    # Both parties and the operator hear of it once
    for address in (CLIENT, VENDOR, OPERATOR):
        declined = [s for s in subjects_to(address) if "拒" in s]
        assert len(declined) == 1, (address, subjects_to(address))
    # The operator can neither resend nor void a declined contract
    assert world.call("POST", f"/contracts/{cid}/resend", {"party": decliner}).status_code == 409
    assert world.call("POST", f"/contracts/{cid}/void", {"reason": "作废"}).status_code == 409
    body = audit(world, cid)
    assert body["verified"] is True and "SignatureDeclined" in [e["type"] for e in body["entries"]]


def test_void_kills_both_links_and_a_signing_arriving_after_it_records_nothing(world: Any) -> None:
    cid = sent(world)
    client, vendor = link("client"), link("vendor")
    sign_with_code(world, vendor, "韩梅梅")
    code = ask_code(world, client)  # the client has a valid code in hand when the operator voids
    world.ok("POST", f"/contracts/{cid}/void", {"reason": "条款有误，重新起草"})
    world.deliver()
    before = audit(world, cid)
    late = world.call("POST", f"/sign/{client}", sign_body("李雷", code), role=None)
    assert late.status_code == 409, late.body
    assert world.call("POST", f"/sign/{client}/code", None, role=None).status_code == 409
    assert world.call("GET", f"/sign/{vendor}", role=None, headers=JSON).status_code in (409, 410)
    after = audit(world, cid)
    assert after["head"] == before["head"] and after["verified"] is True
    contract = world.contract(cid)
    assert contract["status"] == "voided" and contract["closed_reason"] == "条款有误，重新起草"
    assert [s["party"] for s in contract["signatures"]] == ["vendor"]  # evidence kept
    for address in (CLIENT, VENDOR):
        assert len([s for s in subjects_to(address) if "作废" in s or "撤销" in s or "void" in s.lower()]) == 1
    assert world.call("POST", f"/contracts/{cid}/resend", {"party": "client"}).status_code == 409


def test_resend_replaces_the_link_old_dead_new_works_evidence_kept(world: Any) -> None:
    cid = sent(world)
    old_client, vendor = link("client"), link("vendor")
    sign_with_code(world, vendor, "韩梅梅")
    old_code = ask_code(world, old_client)
    world.travel(world.today + timedelta(days=3))
    reply = world.ok("POST", f"/contracts/{cid}/resend", {"party": "client"})
    assert reply["status"] == "awaiting_signatures"
    world.deliver()
    new_client = link("client")
    assert new_client != old_client
    assert len([s for s in subjects_to(CLIENT) if "验证码" not in s]) == 2  # the first link and the new one
    # the old link is dead for every use
    for method, path, body in (
        ("GET", f"/sign/{old_client}", None),
        ("POST", f"/sign/{old_client}/code", None),
        ("POST", f"/sign/{old_client}", sign_body("李雷", old_code)),
        ("POST", f"/sign/{old_client}/decline", {"reason": "x", "code": old_code}),
    ):
        resp = world.call(method, path, body, role=None, headers=JSON)
        assert resp.status_code == 410, (method, path, resp.status_code)
    # the old code means nothing on the new link (never asked for there)
    stale = world.call("POST", f"/sign/{new_client}", sign_body("李雷", old_code), role=None)
    assert stale.status_code == 422 and error(stale)["code"] == "code_not_requested"
    # a new link runs 14 days from its reissue
    view = world.ok("GET", f"/sign/{new_client}", role=None, headers=JSON)
    assert utc(view["expires_at"]) == world.clock.now() + timedelta(days=14)
    done = sign_with_code(world, new_client, "李雷")
    assert done["status"] == "active"
    world.deliver()
    contract = world.contract(cid)
    assert sorted(s["party"] for s in contract["signatures"]) == ["client", "vendor"]
    body = audit(world, cid)
    assert body["verified"] is True and "SigningLinkReissued" in [e["type"] for e in body["entries"]]
    text = str(body)
    for material in link_material(cid):
        assert material not in text


def test_a_link_expires_exactly_fourteen_days_after_it_was_issued(world: Any) -> None:
    cid = sent(world)
    client = link("client")
    issued = world.clock.now()
    code_at = issued + timedelta(days=14) - timedelta(minutes=5)
    at(world, code_at)
    code = ask_code(world, client)
    at(world, issued + timedelta(days=14) - timedelta(seconds=1))
    assert world.ok("GET", f"/sign/{client}", role=None, headers=JSON)["expires_at"] == "2026-12-06T04:00:00Z"
    at(world, issued + timedelta(days=14))
    gone = world.call("POST", f"/sign/{client}", sign_body("李雷", code), role=None)
    assert gone.status_code == 410 and "expired" in error(gone)["message"]
    assert world.call("GET", f"/sign/{client}", role=None, headers=JSON).status_code == 410
    assert world.call("POST", f"/sign/{client}/code", None, role=None).status_code == 410
    # one second before, the same code would still have signed
    at(world, issued + timedelta(days=14) - timedelta(seconds=1))
    assert sign(world, client, "李雷", code)["status"] == "awaiting_signatures"
    assert world.contract(cid)["status"] == "awaiting_signatures"


def test_an_expired_link_is_revived_by_a_resend(world: Any) -> None:
    cid = sent(world)
    old = link("client")
    world.travel(world.today + timedelta(days=20))
    assert world.call("GET", f"/sign/{old}", role=None, headers=JSON).status_code == 410
    world.ok("POST", f"/contracts/{cid}/resend", {"party": "client"})
    world.deliver()
    new = link("client")
    assert new != old
    sign_with_code(world, new, "李雷")
    assert [s["party"] for s in world.contract(cid)["signatures"]] == ["client"]
    assert datetime.now(UTC) is not None


def test_after_a_void_an_unsigned_link_gives_no_document_but_a_signer_keeps_their_copy(world: Any) -> None:
    cid = sent(world, verification="none")
    client, vendor = link("client"), link("vendor")
    sign(world, vendor, "韩梅梅")
    world.ok("POST", f"/contracts/{cid}/void", {"reason": "条款有误"})
    pdf = {"Accept": "application/pdf"}
    withdrawn = world.call("GET", f"/sign/{client}/document.pdf", role=None, headers=pdf)
    assert withdrawn.status_code == 409, withdrawn.status_code
    mine = world.call("GET", f"/sign/{vendor}/document.pdf", role=None, headers=pdf)
    assert mine.status_code == 200 and mine.headers["X-Signed-Original"] == "false"


def test_the_operator_cannot_resend_to_a_party_that_signed_and_a_fresh_link_takes_a_code_at_once(world: Any) -> None:
    cid = sent(world)
    client, vendor = link("client"), link("vendor")
    sign_with_code(world, vendor, "韩梅梅")
    signed = world.call("POST", f"/contracts/{cid}/resend", {"party": "vendor"})
    assert signed.status_code == 409 and error(signed)["field"] == "party"
    bad = world.call("POST", f"/contracts/{cid}/resend", {"party": "甲方"})
    assert bad.status_code == 400 and error(bad)["field"] == "party"
    ask_code(world, client)  # a code asked for on the old link a moment ago ...
    world.ok("POST", f"/contracts/{cid}/resend", {"party": "client"})
    world.deliver()
    # ... does not hold back a code for the new link (its own one-a-minute clock)
    assert sign_with_code(world, link("client"), "李雷")["status"] == "active"
