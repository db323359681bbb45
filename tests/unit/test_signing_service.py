"""Signing by link through the services: draft → send → both sign → in force on the Shanghai date of the second
signature; every bad link is refused with TokenRejected and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.api import requests as rq
from chalicelib.domain.errors import Conflict, TokenRejected, ValidationError
from chalicelib.domain.links import link_token, token_hash
from chalicelib.services import contracts, signing
from chalicelib.services.ports import Changes, SigningToken
from tests.factories import command
from tests.unit.conftest import OPERATOR, Office, utc

D = date.fromisoformat


def test_a_contract_is_in_force_from_the_shanghai_date_of_the_second_signature(office: Office) -> None:
    # Given a contract drafted and sent on 2026-11-20
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    tokens = office.send(cid)
    assert office.contract(cid).status == "awaiting_signatures"
    # When the client signs on 21 November and the vendor at 23:30 UTC that evening (07:30 on the 22nd in Shanghai)
    office.at("2026-11-21T03:00:00Z")
    first = office.sign(tokens["client"], "李雷")
    assert (first["status"], first["effective_date"]) == ("awaiting_signatures", None)
    office.at("2026-11-21T23:30:00Z")
    second = office.sign(tokens["vendor"], "韩梅梅")
    # Then the contract is active from 22 November and its three-year term ends on 2029-11-21
    assert (second["status"], second["effective_date"]) == ("active", "2026-11-22")
    contract = office.contract(cid)
    assert (contract.status, contract.effective_date, contract.end_date) == ("active", D("2026-11-22"), D("2029-11-21"))
    assert second["receipt"]["signed_at"] == "2026-11-21T23:30:00Z"
    assert second["receipt"]["signs_for"] == "上海声通外呼服务有限公司"
    # And the events, the used links and the audit chain say so
    assert office.event_types(cid) == [
        "ContractDrafted",
        "ContractSent",
        "SignatureRecorded",
        "SignatureRecorded",
        "ContractActivated",
    ]
    assert office.told_types(cid) == ["ContractSent", "ContractActivated"]  # the rest are audit-only
    activated = office.repo.events("ContractActivated", cid)[0].payload
    assert (activated["effective_date"], activated["contract_amount"]) == ("2026-11-22", "360000.00")
    assert activated["contract_amount_in_words"] == "人民币叁拾陆万元整"
    for raw in tokens.values():  # the signature retires the link (no token write on the signing path)
        with pytest.raises(TokenRejected) as used:
            signing.resolve_token(office.deps, raw)
        assert used.value.status == 410
    assert contracts.audit_report(office.deps, cid)["verified"] is True


def test_the_table_and_outbox_never_hold_a_working_link(office: Office) -> None:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    tokens = office.send(cid)
    stored = repr(office.repo.snapshot()) + repr(office.repo.outbox)
    for party, raw in tokens.items():
        assert raw not in stored
        record = office.repo.find_token(token_hash(raw))
        assert record is not None and (record.party, record.status, record.contract_id) == (party, "active", cid)


def test_a_tampered_audit_entry_makes_the_report_unverified(office: Office) -> None:
    cid = office.activate()
    item = office.repo.raw_item(f"CONTRACT#{cid}", "AUDIT#000003")
    item["data"] = item["data"].replace("李雷", "王五")
    report = contracts.audit_report(office.deps, cid)
    assert report["verified"] is False
    assert {"seq": 3, "where": "audit entry 3", "problem": "content does not match its hash"} in report["problems"]


# ---- links that must not work ---------------------------------------------------------------------------
def _sent(office: Office) -> tuple[str, dict[str, str]]:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    return cid, office.send(cid)


def _wrong(office: Office, cid: str, tokens: dict[str, str]) -> str:
    return link_token("another-secret-of-at-least-32-characters", "0" * 32)


def _garbage(office: Office, cid: str, tokens: dict[str, str]) -> str:
    return "not-a-token"


def _used(office: Office, cid: str, tokens: dict[str, str]) -> str:
    office.sign(tokens["client"], "王芳")  # signed by another name: what follows is no retry of it
    return tokens["client"]


def _expired(office: Office, cid: str, tokens: dict[str, str]) -> str:
    office.at("2026-12-04T02:00:00Z")  # sent 2026-11-20T02:00Z + 14 days
    return tokens["vendor"]


def _revoked(office: Office, cid: str, tokens: dict[str, str]) -> str:
    signing.resend_link(office.deps, cid, command(rq.ResendRequest, {"party": "client"}), OPERATOR)
    return tokens["client"]


def _not_the_partys_link(office: Office, cid: str, tokens: dict[str, str]) -> str:
    # A stored, active token for this contract that is not the vendor's current link (e.g. minted by someone
    # with write access to the table) must not sign for the vendor.
    contract = office.contract(cid)
    raw = link_token(office.deps.link_secret(), "f" * 32)
    rogue = SigningToken(
        token_hash(raw),
        "f" * 32,
        cid,
        "contract",
        "vendor",
        "mallory@example.com",
        contract.signing.document_sha256,
        "2026-12-04T02:00:00Z",
    )
    office.repo.commit(Changes(contract=contract, expected_version=contract.version, new_tokens=[rogue]))
    return raw


def _voided_contract(office: Office, cid: str, tokens: dict[str, str]) -> str:
    signing.void_signing(office.deps, cid, "contract", command(rq.VoidRequest, {"reason": "条款需重拟"}), OPERATOR)
    return tokens["vendor"]


BAD_LINKS: dict[str, tuple[Callable[[Office, str, dict[str, str]], str], int]] = {
    "wrong": (_wrong, 404),
    "garbage": (_garbage, 404),
    "used": (_used, 410),
    "expired": (_expired, 410),
    "revoked": (_revoked, 410),
    "not the party's link": (_not_the_partys_link, 410),
    "voided contract": (_voided_contract, 410),
}


@pytest.mark.parametrize("kind", list(BAD_LINKS))
def test_a_bad_link_is_refused_and_nothing_is_written(office: Office, kind: str) -> None:
    # Given a sent contract and a link that must not work
    cid, tokens = _sent(office)
    make, status = BAD_LINKS[kind]
    token = make(office, cid, tokens)
    before = office.repo.snapshot()
    contract_before = office.contract(cid)
    # When someone signs, declines or merely opens the page with it
    attempts: list[Callable[[], Any]] = [
        lambda: office.sign(token),
        lambda: signing.decline(
            office.deps, token, command(rq.DeclineRequest, {"reason": "不签"}), "203.0.113.7", "pytest"
        ),
        lambda: signing.signing_view(office.deps, token),
    ]
    for attempt in attempts:
        with pytest.raises(TokenRejected) as refused:
            attempt()
        assert refused.value.status == status
    # Then nothing was written
    assert office.repo.snapshot() == before
    assert office.contract(cid).status == contract_before.status


def test_an_expired_link_still_works_one_second_before_it_expires(office: Office) -> None:
    cid, tokens = _sent(office)
    office.at(utc("2026-12-04T02:00:00Z") - timedelta(seconds=1))
    assert office.sign(tokens["vendor"])["status"] == "awaiting_signatures"


def test_resending_a_link_revokes_the_old_one(office: Office) -> None:
    # Given a sent contract
    cid, tokens = _sent(office)
    # When the operator resends the client's link
    office.at("2026-11-21T02:00:00Z")
    signing.resend_link(office.deps, cid, command(rq.ResendRequest, {"party": "client"}), OPERATOR)
    # Then the old link is revoked and the new one, from the SigningLinkReissued event, signs
    old = office.repo.find_token(token_hash(tokens["client"]))
    assert old is not None and old.status == "revoked"
    reissued = office.repo.events("SigningLinkReissued", cid)[-1].payload
    assert (
        reissued["revoked_token_id"]
        == office.repo.events("ContractSent", cid)[0].payload["links"]["client"]["token_id"]
    )
    new = link_token(office.deps.link_secret(), reissued["token_id"])
    assert office.contract(cid).signing.links["client"].token_hash == token_hash(new)
    with pytest.raises(TokenRejected):
        office.sign(tokens["client"])
    assert office.sign(new)["status"] == "awaiting_signatures"
    assert office.sign(tokens["vendor"], "韩梅梅")["status"] == "active"


def test_a_party_that_signed_gets_no_new_link(office: Office) -> None:
    cid, tokens = _sent(office)
    office.sign(tokens["client"])
    before = office.repo.snapshot()
    with pytest.raises(Conflict) as refused:
        signing.resend_link(office.deps, cid, command(rq.ResendRequest, {"party": "client"}), OPERATOR)
    assert refused.value.field == "party"
    assert office.repo.snapshot() == before


def test_a_decline_closes_the_contract_and_revokes_the_other_link(office: Office) -> None:
    cid, tokens = _sent(office)
    office.at("2026-11-21T02:00:00Z")
    result = signing.decline(
        office.deps, tokens["vendor"], command(rq.DeclineRequest, {"reason": "价格不合适"}), "203.0.113.7", "pytest"
    )
    assert (result["status"], result["declined_by"]) == ("declined", "vendor")
    contract = office.contract(cid)
    assert (contract.status, contract.closed_reason) == ("declined", "价格不合适")
    statuses = {p: office.repo.find_token(token_hash(t)).status for p, t in tokens.items()}  # type: ignore[union-attr]
    assert statuses == {"vendor": "used", "client": "revoked"}
    assert office.event_types(cid)[-1] == "SignatureDeclined"


def test_voiding_revokes_every_open_link(office: Office) -> None:
    cid, tokens = _sent(office)
    office.sign(tokens["client"])
    signing.void_signing(office.deps, cid, "contract", command(rq.VoidRequest, {"reason": "条款需重拟"}), OPERATOR)
    assert office.contract(cid).status == "voided"
    statuses = {p: office.repo.find_token(token_hash(t)).status for p, t in tokens.items()}  # type: ignore[union-attr]
    # A signature does not write its token item (the contract's signature retires the link), so voiding
    # revokes that item too.
    assert statuses == {"client": "revoked", "vendor": "revoked"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"signer_name": "", "consent": True}, "signer_name"),
        ({"signer_name": "李雷", "consent": False}, "consent"),
        ({"signer_name": "李雷", "consent": "yes"}, "consent"),
        ({"signer_name": "李雷", "consent": True, "document_sha256": 5}, "document_sha256"),
    ],
)
def test_a_signature_needs_a_name_and_consent(office: Office, body: dict[str, Any], field: str) -> None:
    cid, tokens = _sent(office)
    before = office.repo.snapshot()
    with pytest.raises(ValidationError) as refused:
        signing.sign(office.deps, tokens["client"], command(rq.SignRequest, body), "203.0.113.7", "pytest")
    assert refused.value.field == field
    assert office.repo.snapshot() == before


def test_signing_a_document_other_than_the_one_shown_is_refused(office: Office) -> None:
    cid, tokens = _sent(office)
    before = office.repo.snapshot()
    body = {"signer_name": "李雷", "consent": True, "document_sha256": "0" * 64}
    with pytest.raises(Conflict) as refused:
        signing.sign(office.deps, tokens["client"], command(rq.SignRequest, body), "203.0.113.7", "pytest")
    assert refused.value.field == "document_sha256"
    assert office.repo.snapshot() == before


def test_the_signing_page_shows_the_amounts_in_words(office: Office) -> None:
    cid, tokens = _sent(office)
    view = signing.signing_view(office.deps, tokens["vendor"])
    assert (view["party"], view["party_label"], view["signs_for"]) == ("vendor", "乙方", "上海声通外呼服务有限公司")
    assert (view["annual_fee_in_words"], view["contract_amount_in_words"]) == (
        "人民币壹拾贰万元整",
        "人民币叁拾陆万元整",
    )
    assert view["document_sha256"] == office.repo.get_document(cid, "contract").sha256
