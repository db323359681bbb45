"""A signing starts from this process's last copy of the contract (services/unit_of_work.run, `recent_first`) and
must come out exactly as if it had read the contract afresh: a copy another process has since made stale costs a
refused commit or a refusal that is not answered, and a second run on a fresh read decides."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.api import requests as rq
from chalicelib.domain.errors import TokenRejected
from chalicelib.domain.links import link_token
from chalicelib.domain.verification import CodeRejected
from chalicelib.services import signing
from chalicelib.services.signing_codes import CodeSenders, request_code
from tests.factories import command
from tests.fakes import FakeMailer
from tests.unit.conftest import LINK_SECRET, Office
from tests.unit.test_signer_verification import CODE


def _sign(office: Office, token: str, name: str = "李雷", code: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"signer_name": name, "consent": True, **({"code": code} if code else {})}
    return signing.sign(office.deps, token, command(rq.SignRequest, body), "203.0.113.7", "pytest")


def test_a_copy_from_before_the_other_partys_signature_still_makes_the_contract_effective(office: Office) -> None:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    tokens = office.send(cid)
    office.repo.make_stale(cid)  # this process last saw the contract before anyone signed
    office.sign(tokens["client"])  # another instance records the client's signature
    failed = office.repo.failed_commits

    reply = _sign(office, tokens["vendor"], "韩梅梅")

    assert reply["status"] == "active"
    assert sorted(office.contract(cid).signing.signatures) == ["client", "vendor"]
    assert office.repo.failed_commits == failed + 1  # the commit on the copy was refused by the version
    assert office.event_types(cid).count("ContractActivated") == 1


def test_a_link_the_copy_does_not_know_yet_is_not_refused(office: Office) -> None:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    office.send(cid)
    office.repo.make_stale(cid)
    signing.resend_link(office.deps, cid, command(rq.ResendRequest, {"party": "vendor"}), "staff:operator")
    reissued = office.repo.events("SigningLinkReissued", cid)[-1]
    token = link_token(LINK_SECRET, reissued.payload["token_id"])

    reply = _sign(office, token, "韩梅梅")  # unknown to the copy (404 there): decided on a fresh read

    assert reply["receipt"]["party"] == "vendor"
    assert "vendor" in office.contract(cid).signing.signatures


def test_a_link_revoked_since_the_copy_is_refused(office: Office) -> None:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    tokens = office.send(cid)
    office.repo.make_stale(cid)
    signing.resend_link(office.deps, cid, command(rq.ResendRequest, {"party": "vendor"}), "staff:operator")
    snapshot = office.repo.snapshot()

    with pytest.raises(TokenRejected) as info:
        _sign(office, tokens["vendor"], "韩梅梅")  # usable on the copy: the commit is refused, the fresh run says 410

    assert info.value.status == 410
    assert office.repo.snapshot() == snapshot


def test_a_repeated_signing_gets_the_reply_of_the_contract_as_it_is_now(office: Office) -> None:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    tokens = office.send(cid)
    first = _sign(office, tokens["client"])
    office.repo.make_stale(cid)  # the copy: the client has signed, the contract still awaits the vendor
    office.sign(tokens["vendor"], "韩梅梅")
    snapshot = office.repo.snapshot()

    again = _sign(office, tokens["client"])  # the same request again, within ten minutes

    assert again["receipt"] == first["receipt"]
    assert again["status"] == "active"  # not the copy's "awaiting_signatures"
    assert office.repo.snapshot() == snapshot


def test_a_wrong_code_on_a_current_copy_counts_one_try(office: Office) -> None:
    mailer = FakeMailer()
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft(signer_verification="email_code")
    tokens = office.send(cid)
    request_code(office.deps, tokens["vendor"], CodeSenders(mailer, None))
    found = CODE.search(mailer.sent[-1].subject)
    assert found is not None
    wrong = f"{(int(found.group(1)) + 1) % 10**6:06d}"
    office.repo.make_stale(cid)  # the copy is the contract as it is: no other writer

    with pytest.raises(CodeRejected):
        _sign(office, tokens["vendor"], "韩梅梅", wrong)

    assert office.contract(cid).signing.links["vendor"].failures == 1  # counted once, not again on a second run
