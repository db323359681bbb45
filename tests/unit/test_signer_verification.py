"""One-time codes before signing (DESIGN "Signed originals and signer verification"): asked for by the signer,
emailed (and texted where configured), 6 digits, 10 minutes, stored only as a salted HMAC on the link, 5 wrong
tries then the link is locked until the operator resends; and the one-read signing path for links that carry
their contract id."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.api import requests as rq
from chalicelib.domain import verification
from chalicelib.domain.errors import Conflict, TokenRejected
from chalicelib.domain.links import signing_token, split_token, token_hash
from chalicelib.domain.terms import Terms
from chalicelib.domain.verification import CodeRejected
from chalicelib.services import signing
from chalicelib.services.signing_codes import CodeSenders, request_code
from tests.factories import command
from tests.fakes import FakeMailer
from tests.unit.conftest import OPERATOR, Office

CODE = re.compile(r"\b(\d{6})\b")


class FakeSms:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        self.sent.append((phone, text))
        return f"sms-{len(self.sent)}"


class Signer:
    """One party's side: its link, its inbox, and the calls the signing page makes."""

    def __init__(self, office: Office, token: str, senders: CodeSenders) -> None:
        self.office, self.token, self.senders = office, token, senders

    def ask(self) -> dict[str, Any]:
        return request_code(self.office.deps, self.token, self.senders)

    def last_code(self) -> str:
        mailer = self.senders.mailer
        assert isinstance(mailer, FakeMailer)
        found = CODE.search(mailer.sent[-1].subject)
        assert found is not None
        return found.group(1)

    def sign(self, code: str | None, name: str = "李雷") -> dict[str, Any]:
        body: dict[str, Any] = {"signer_name": name, "consent": True}
        if code is not None:
            body["code"] = code
        return signing.sign(self.office.deps, self.token, command(rq.SignRequest, body), "203.0.113.7", "pytest")


@pytest.fixture
def mailer() -> FakeMailer:
    return FakeMailer()


@pytest.fixture
def senders(mailer: FakeMailer) -> CodeSenders:
    return CodeSenders(mailer, None)


def _sent(office: Office, senders: CodeSenders, **terms: Any) -> tuple[str, dict[str, Signer]]:
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft(signer_verification="email_code", **terms)
    tokens = office.send(cid)
    return cid, {p: Signer(office, t, senders) for p, t in tokens.items()}


def _refused(fn: Any) -> CodeRejected:
    with pytest.raises(CodeRejected) as info:
        fn()
    return info.value


# ---- the term ----------------------------------------------------------------------------------------------
def test_new_contracts_need_a_code_and_stored_terms_without_the_term_do_not(office: Office) -> None:
    terms = command(rq.DraftContractRequest, __import__("devstack.samples").samples.contract_body()).terms
    assert terms.signer_verification == "email_code"
    stored = terms.to_dict()
    del stored["signer_verification"]  # a body written before the term existed
    assert Terms.from_dict(stored).signer_verification == "none"


def test_an_unknown_verification_method_is_refused_naming_the_field() -> None:
    from devstack.samples import contract_body

    with pytest.raises(Exception) as info:
        command(rq.DraftContractRequest, contract_body(signer_verification="sms_only"))
    assert "signer_verification" in str(info.value)


# ---- codes -------------------------------------------------------------------------------------------------
def test_a_signer_asks_for_a_code_reads_it_from_the_email_and_signs(
    office: Office, senders: CodeSenders, mailer: FakeMailer
) -> None:
    cid, signers = _sent(office, senders)
    client = signers["client"]
    # Without a code: 400 naming `code`, nothing written
    before = office.event_types(cid)
    refused = _refused(lambda: client.sign(None))
    assert (refused.status, refused.code, refused.field) == (400, "code_required", "code")
    assert office.event_types(cid) == before
    # Asking for a code emails it to the signer only
    reply = client.ask()
    assert reply["sent_to"] == "c***@example.com" and reply["channels"] == ["email"]
    assert [e.to for e in mailer.sent] == [("client@example.com",)]
    code = client.last_code()
    assert code in mailer.sent[0].text and "10 分钟" in mailer.sent[0].text
    # The code is nowhere at rest: not on the contract item, not in the audit or outbox
    item = json.dumps(list(office.repo._items.values()), default=str, ensure_ascii=False)
    assert f'"{code}"' not in item and f"验证码 {code}" not in item
    stored = office.contract(cid).signing.links["client"].code
    assert stored is not None and len(stored.digest) == 64 and code not in stored.digest
    requested = office.audit_data(cid, "SigningCodeRequested")[-1]
    assert requested["destination"] == "c***@example.com" and code not in json.dumps(requested)
    assert stored.digest not in json.dumps(requested)
    # The right code signs, and the evidence says how the signer was verified
    receipt = client.sign(code)["receipt"]
    assert (receipt["verification"], receipt["verified_destination"]) == ("email_code", "c***@example.com")
    assert receipt["code_sent_at"] == stored.issued_at
    recorded = office.audit_data(cid, "SignatureRecorded")[-1]
    assert recorded["verification"] == "email_code"
    spent = office.contract(cid).signing.links["client"].code
    assert spent is not None and spent.used_at == receipt["signed_at"]  # used up (kept to recognise a retry)


def test_wrong_codes_count_down_and_the_fifth_locks_the_link_until_the_operator_resends(
    office: Office, senders: CodeSenders, mailer: FakeMailer
) -> None:
    cid, signers = _sent(office, senders)
    vendor = signers["vendor"]
    vendor.ask()
    right = vendor.last_code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        refused = _refused(lambda: vendor.sign(wrong))
        assert (refused.status, refused.code, refused.tries_left) == (422, "code_wrong", left)
        assert f"{left} tr" in refused.message
    locked = _refused(lambda: vendor.sign(wrong))
    assert (locked.status, locked.code) == (423, "link_locked")
    assert _refused(lambda: vendor.sign(right)).status == 423  # even the right code
    assert _refused(vendor.ask).status == 423
    types = office.event_types(cid)
    assert types.count("SigningCodeRejected") == 5 and types.count("SigningLinkLocked") == 1
    for data in office.audit_data(cid, "SigningCodeRejected"):
        assert right not in json.dumps(data) and wrong not in json.dumps(data)
    # The operator resends: a fresh link, unlocked
    signing.resend_link(office.deps, cid, command(rq.ResendRequest, {"party": "vendor"}), OPERATOR)
    reissued = office.repo.events("SigningLinkReissued", cid)[-1].payload["token_id"]
    fresh = Signer(office, signing_token(office.deps.link_secret(), cid, reissued), senders)
    office.at(office.clock.now() + timedelta(seconds=61))
    fresh.ask()
    assert fresh.sign(fresh.last_code(), "韩梅梅")["receipt"]["verification"] == "email_code"


def test_an_expired_code_a_code_never_asked_for_and_another_links_code_are_refused(
    office: Office, senders: CodeSenders
) -> None:
    _, signers = _sent(office, senders)
    client, vendor = signers["client"], signers["vendor"]
    not_asked = _refused(lambda: vendor.sign("123456"))
    assert (not_asked.status, not_asked.code) == (422, "code_not_requested")
    client.ask()
    client_code = client.last_code()
    vendor.ask()
    other = _refused(lambda: vendor.sign(client_code) if client_code != vendor.last_code() else vendor.sign("000000"))
    assert (other.status, other.code) == (422, "code_wrong")
    office.at(office.clock.now() + timedelta(minutes=10, seconds=1))
    expired = _refused(lambda: client.sign(client_code))
    assert (expired.status, expired.code) == (422, "code_expired")


def test_asking_again_within_a_minute_is_refused_and_a_new_code_replaces_the_old(
    office: Office, senders: CodeSenders
) -> None:
    _, signers = _sent(office, senders)
    client = signers["client"]
    client.ask()
    first = client.last_code()
    office.at(office.clock.now() + timedelta(seconds=20))
    too_soon = _refused(client.ask)
    assert (too_soon.status, too_soon.retry_after) == (429, 40)
    office.at(office.clock.now() + timedelta(seconds=40))
    client.ask()
    second = client.last_code()
    if first != second:  # one in a million they coincide
        assert _refused(lambda: client.sign(first)).code == "code_wrong"
    assert client.sign(second)["status"] == "awaiting_signatures"


def test_sms_goes_to_a_mobile_number_in_e164_when_configured(office: Office, mailer: FakeMailer) -> None:
    sms = FakeSms()
    senders = CodeSenders(mailer, sms)
    office.at("2026-11-20T02:00:00Z")
    from devstack.samples import contract_body

    body = contract_body(signer_verification="email_code")
    body["client"]["phone"] = "138 0013 8000"
    from chalicelib.services import contracts

    cid = contracts.draft_contract(office.deps, command(rq.DraftContractRequest, body), OPERATOR).id
    tokens = office.send(cid)
    reply = Signer(office, tokens["client"], senders).ask()
    assert reply["channels"] == ["email", "sms"] and reply["sent_to"] == "c***@example.com, +86138****8000"
    assert sms.sent[0][0] == "+8613800138000" and CODE.search(sms.sent[0][1])
    Signer(office, tokens["vendor"], senders).ask()  # the seed vendor's phone is a landline: email only
    assert len(sms.sent) == 1


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("008613800138000", "+8613800138000"),
        ("+14155550100", "+14155550100"),
        ("010-88886666", None),
        ("+86 10 8888 6666", None),
        ("12345", None),
    ],
)
def test_sms_numbers(phone: str, e164: str | None) -> None:
    assert verification.sms_number(phone) == e164


def test_a_decline_needs_the_code_too_and_a_contract_without_verification_needs_none(
    office: Office, senders: CodeSenders
) -> None:
    _, signers = _sent(office, senders)
    vendor = signers["vendor"]
    declining = command(rq.DeclineRequest, {"reason": "价格不合适"})
    with pytest.raises(CodeRejected):
        signing.decline(office.deps, vendor.token, declining, "203.0.113.7", "pytest")
    vendor.ask()
    with_code = command(rq.DeclineRequest, {"reason": "价格不合适", "code": vendor.last_code()})
    assert signing.decline(office.deps, vendor.token, with_code, "203.0.113.7", "pytest")["status"] == "declined"
    # signer_verification "none": no code to ask for, and the evidence says so
    office.at("2026-11-21T02:00:00Z")
    cid = office.draft(signer_verification="none")
    tokens = office.send(cid)
    with pytest.raises(Conflict):
        request_code(office.deps, tokens["client"], senders)
    assert office.sign(tokens["client"])["receipt"]["verification"] == "none"


# ---- one read per signing ----------------------------------------------------------------------------------
def test_a_link_carrying_its_contract_id_signs_with_one_read_and_old_links_still_work(
    office: Office, senders: CodeSenders
) -> None:
    cid, signers = _sent(office, senders)
    contract = office.contract(cid)
    new = signing_token(office.deps.link_secret(), cid, contract.signing.links["client"].token_id)
    assert split_token(new) == (cid, signers["client"].token)
    assert token_hash(split_token(new)[1]) == contract.signing.links["client"].token_hash
    signer = Signer(office, new, senders)
    signer.ask()
    code = signer.last_code()
    office.repo.reads.clear()
    writes_before = dict(office.repo.writes)
    signer.sign(code)
    assert dict(office.repo.reads) == {"get_contract": 1}
    assert office.repo.writes["commit"] == writes_before.get("commit", 0) + 1
    # The link is spent, in either format
    for token in (new, signers["client"].token):
        with pytest.raises(TokenRejected) as used:
            signing.resolve_token(office.deps, token)
        assert used.value.status == 410
    # The older format (no contract id) is found through its token item
    office.repo.reads.clear()
    signers["vendor"].ask()
    assert office.repo.reads["find_token"] == 1


def test_a_forged_or_replaced_link_of_a_known_contract_is_refused(office: Office, senders: CodeSenders) -> None:
    cid, signers = _sent(office, senders)
    forged = cid.replace("-", "") + "A" * 43
    with pytest.raises(TokenRejected) as bad:
        signing.resolve_token(office.deps, forged)
    assert bad.value.status == 404
    old_id = office.contract(cid).signing.links["vendor"].token_id
    signing.resend_link(office.deps, cid, command(rq.ResendRequest, {"party": "vendor"}), OPERATOR)
    replaced = signing_token(office.deps.link_secret(), cid, old_id)
    with pytest.raises(TokenRejected) as gone:
        signing.resolve_token(office.deps, replaced)
    assert gone.value.status == 410


def test_a_signature_recorded_before_verification_existed_still_verifies_against_its_entry(office: Office) -> None:
    """Contracts signed before the evidence gained `verification`: their audit entries lack it, their stored
    signatures read it as its default, and the audit check must not call that a difference."""
    from dataclasses import asdict, replace

    from chalicelib.services import contracts

    cid = office.draft()
    office.sign(office.send(cid)["client"])
    entries = office.repo.get_audit(cid)
    entry = next(e for e in entries if e.type == "SignatureRecorded")
    for later in ("verification", "verified_destination", "code_sent_at"):
        del entry.data[later]  # as written before
    frozen, signed = contracts._what_the_chain_froze(entries)
    contract = office.contract(cid)
    old = contract.signing.signatures["client"]  # as a body written before reads: the fields' defaults
    contract.signing.signatures["client"] = replace(old, verification="link", verified_destination=None)
    assert signed[("contract", "client")] == asdict(contract.signing.signatures["client"])
    assert contracts._signing_problems(contract, frozen, signed) == []
    entry.data["verification"] = "email_code"  # but a changed value is still a difference
    assert contracts._signing_problems(contract, *contracts._what_the_chain_froze(entries)) != []
