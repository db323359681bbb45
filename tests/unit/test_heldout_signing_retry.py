"""A retried signing or decline (docs/domain-rules.md "Signing and its evidence"): the same request on the same
link within the code's validity (10 minutes after the act without a code) gets the first reply and writes
nothing; after that, or with anything changed, the used link is refused (410)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.api import requests as rq
from chalicelib.domain.errors import TokenRejected
from chalicelib.services import signing
from chalicelib.services.signing_codes import CodeSenders, request_code
from tests.factories import command
from tests.fakes import FakeMailer
from tests.unit.conftest import Office
from tests.unit.test_signer_verification import CODE


def _sign(office: Office, token: str, name: str = "李雷", code: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"signer_name": name, "consent": True, **({"code": code} if code else {})}
    return signing.sign(office.deps, token, command(rq.SignRequest, body), "203.0.113.7", "pytest")


def _refused(fn: Any) -> int:
    with pytest.raises(TokenRejected) as info:
        fn()
    return int(info.value.status)


def test_without_a_code_a_retry_counts_for_ten_minutes_after_the_signature(office: Office) -> None:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    tokens = office.send(cid)
    first = _sign(office, tokens["client"])
    snapshot = office.repo.snapshot()
    office.at("2026-11-20T02:09:59Z")
    assert _sign(office, tokens["client"]) == first
    assert office.repo.snapshot() == snapshot  # nothing written
    assert _sign(office, tokens["client"], " 李雷 ") == first  # the name as recorded (stripped): the same request
    assert _refused(lambda: _sign(office, tokens["client"], "李磊")) == 410
    office.at("2026-11-20T02:10:00Z")
    assert _refused(lambda: _sign(office, tokens["client"])) == 410
    assert office.repo.snapshot() == snapshot


def test_with_a_code_a_retry_needs_that_code_while_it_is_valid(office: Office) -> None:
    mailer = FakeMailer()
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft(signer_verification="email_code")
    tokens = office.send(cid)
    request_code(office.deps, tokens["vendor"], CodeSenders(mailer, None))
    found = CODE.search(mailer.sent[-1].subject)
    assert found is not None
    code = found.group(1)
    office.at("2026-11-20T02:04:00Z")
    first = _sign(office, tokens["vendor"], "韩梅梅", code)
    snapshot = office.repo.snapshot()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert _refused(lambda: _sign(office, tokens["vendor"], "韩梅梅", wrong)) == 410
    assert _refused(lambda: _sign(office, tokens["vendor"], "韩梅梅")) == 410  # no code: not that request
    office.at("2026-11-20T02:09:59Z")
    assert _sign(office, tokens["vendor"], "韩梅梅", code) == first
    office.at("2026-11-20T02:10:00Z")  # the code's 10 minutes are over
    assert _refused(lambda: _sign(office, tokens["vendor"], "韩梅梅", code)) == 410
    assert office.repo.snapshot() == snapshot
    assert office.contract(cid).signing.links["vendor"].failures == 0  # a refused retry is no wrong try


def test_a_decline_retried_gets_the_same_reply(office: Office) -> None:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    tokens = office.send(cid)
    body = command(rq.DeclineRequest, {"reason": "价格不合适"})
    first = signing.decline(office.deps, tokens["client"], body, "203.0.113.7", "pytest")
    assert (first["ip_address"], first["user_agent"]) == ("203.0.113.7", "pytest")
    snapshot = office.repo.snapshot()
    assert signing.decline(office.deps, tokens["client"], body, "198.51.100.1", "other") == first
    assert office.repo.snapshot() == snapshot
    other = command(rq.DeclineRequest, {"reason": "另有原因"})
    with pytest.raises(TokenRejected):
        signing.decline(office.deps, tokens["client"], other, "203.0.113.7", "pytest")
    assert office.contract(cid).signing.declined == {
        "party": "client",
        "reason": "价格不合适",
        "at": "2026-11-20T02:00:00Z",
        "email": "client@example.com",
        "ip_address": "203.0.113.7",
        "user_agent": "pytest",
        "verification": "none",
    }
