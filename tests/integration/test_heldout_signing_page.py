"""Held-out checks of what a signer reads: the receipt's time in Asia/Shanghai and the party in words, and why a
link no longer works, in Chinese first with English beside (docs/domain-rules.md "Signing and its evidence":
times shown in Asia/Shanghai; every page zh first, en beside)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.heldout_signing import JSON, at, error, link, sent, sign, sign_with_code
from tests.integration.test_heldout_signing_flow import _sh

pytestmark = pytest.mark.integration
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_receipt_gives_the_signing_time_in_shanghai_and_the_party_in_words(world: Any) -> None:
    sent(world)
    at(world, _sh(2026, 11, 22, 23, 59, 30))
    reply = sign_with_code(world, link("vendor"), "韩梅梅")
    receipt = reply["receipt"]
    assert receipt["signed_at"] == "2026-11-22T15:59:30Z"
    assert receipt["signed_at_local"] == "2026-11-22T23:59:30+08:00"
    assert receipt["party_label"] == "乙方"
    page = world.call("GET", f"/sign/{link('client')}", role=None).body.decode()
    assert "rc.signed_at_local" in page and "Time (UTC)" not in page


def _message(resp: Any) -> str:
    return str(error(resp)["message"])


def test_why_a_link_no_longer_works_is_said_in_chinese_first(world: Any) -> None:
    cid = sent(world, verification="none")
    client, vendor = link("client"), link("vendor")
    sign(world, client, "李雷")
    used = world.call("GET", f"/sign/{client}", role=None, headers=JSON)
    world.ok("POST", f"/contracts/{cid}/resend", {"party": "vendor"})
    world.deliver()
    replaced = world.call("GET", f"/sign/{vendor}", role=None, headers=JSON)
    unknown = world.call("GET", "/sign/" + "A" * 43, role=None, headers=JSON)
    world.travel(world.today + timedelta(days=15))
    expired = world.call("GET", f"/sign/{link('vendor')}", role=None, headers=JSON)
    world.travel(world.today - timedelta(days=15))
    world.ok("POST", f"/contracts/{cid}/void", {"reason": "重新起草"})
    voided = world.call("GET", f"/sign/{link('vendor')}", role=None, headers=JSON)
    for resp, status, english in (
        (used, 410, "already been used"),
        (replaced, 410, "replaced"),
        (unknown, 404, "not valid"),
        (expired, 410, "expired"),
        (voided, 409, "no longer awaiting signatures"),
    ):
        assert resp.status_code == status, (resp.status_code, resp.body)
        message = _message(resp)
        assert CJK.match(message) and english in message, message
    assert "已作废" in _message(voided)
    html = world.call("GET", f"/sign/{client}", role=None)
    assert html.status_code == 410 and "此签署链接已使用" in html.body.decode()


def test_the_emails_name_the_document_and_give_times_in_shanghai(world: Any) -> None:
    from tests.support import emails_to

    cid = sent(world, verification="none")
    [invitation] = emails_to("client@example.com")
    # sent 2026-11-22 12:00 Shanghai: the link runs until 2026-12-06 12:00 Shanghai
    assert "2026-12-06 12:00" in invitation["body"] and "2026-12-06T04:00:00Z" not in invitation["body"]
    world.ok("POST", f"/contracts/{cid}/resend", {"party": "vendor"})
    world.deliver()
    reissued = emails_to("vendor@example.com")[-1]
    assert "2026-12-06 12:00" in reissued["body"] and "T04:00:00Z" not in reissued["body"]
    world.ok("POST", f"/sign/{link('vendor')}/decline", {"reason": "价格不合适"}, role=None)
    world.deliver()
    declined = emails_to("client@example.com")[-1]
    assert "拒" in declined["subject"]
    assert "（contract）" not in declined["body"] and "《外呼外包合同》" in declined["body"]


def test_the_void_email_names_the_document(world: Any) -> None:
    from tests.support import emails_to

    cid = sent(world, verification="none")
    world.ok("POST", f"/contracts/{cid}/void", {"reason": "重新起草"})
    world.deliver()
    voided = emails_to("vendor@example.com")[-1]
    assert "（contract）" not in voided["body"] and "《外呼外包合同》" in voided["body"]


def test_a_void_before_the_second_partys_turn_is_told_only_to_who_was_invited(world: Any) -> None:
    from tests.support import emails_to

    cid = sent(world, verification="none", order="client_first")
    world.ok("POST", f"/contracts/{cid}/void", {"reason": "重新起草"})
    world.deliver()
    assert len(emails_to("client@example.com")) == 2  # the invitation, then the void
    assert emails_to("vendor@example.com") == []  # never invited: nothing to withdraw from them
    # after the first party signed, both had a link: both are told
    cid = sent(world, verification="none", order="vendor_first")
    sign(world, link("vendor"), "韩梅梅")
    world.deliver()
    world.ok("POST", f"/contracts/{cid}/void", {"reason": "重新起草"})
    world.deliver()
    for address in ("client@example.com", "vendor@example.com"):
        assert "撤销" in emails_to(address)[-1]["subject"]
