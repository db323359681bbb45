"""Signed originals at the service level: what the seal records for a contract and a supplementary agreement,
and POST /verify's verdict against what Hetong holds (on the fake repository, the seal key in memory)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from chalicelib.domain.errors import NotFound, ValidationError
from chalicelib.pdf_seal.seal import seal_pdf
from chalicelib.services import sealing
from tests.seal_support import local_source, seal_key, small_pdf
from tests.unit.conftest import Office

D = date.fromisoformat


@pytest.fixture
def sealed_office(office: Office) -> Office:
    office.deps.seal = local_source()
    return office


def test_a_contract_in_force_records_its_number_part_version_hash_and_signing_time(sealed_office: Office) -> None:
    cid = sealed_office.activate(D("2026-11-22"))
    contract = sealed_office.contract(cid)
    facts = sealing.original_facts(contract, "contract")
    assert (facts.contract_no, facts.part, facts.version) == (contract.contract_no, "contract", 1)
    assert facts.document_sha256 == contract.signing.document_sha256
    assert facts.signed_at == contract.signing.signatures["vendor"].signed_at  # the second signature


def test_a_contract_not_yet_signed_by_both_has_no_original(sealed_office: Office) -> None:
    cid = sealed_office.draft()
    tokens = sealed_office.send(cid)
    sealed_office.sign(tokens["client"])
    with pytest.raises(NotFound):
        sealing.original_facts(sealed_office.contract(cid), "contract")
    with pytest.raises(ValidationError):
        sealing.original_facts(sealed_office.contract(cid), "notice:1")


def test_a_sealed_original_is_genuine_and_says_what_it_is(sealed_office: Office) -> None:
    cid = sealed_office.activate(D("2026-11-22"))
    contract = sealed_office.contract(cid)
    pdf = sealing.seal_original(sealed_office.deps, contract, "contract", small_pdf())
    verdict = sealing.verify_original(sealed_office.deps, pdf)
    assert verdict["genuine"] is True, verdict["problems"]
    assert (verdict["contract_no"], verdict["part"], verdict["version"]) == (contract.contract_no, "contract", 1)
    assert verdict["signed_at"] == contract.signing.signatures["vendor"].signed_at
    assert verdict["problems"] == []


def test_an_amendments_original_records_its_terms_version(sealed_office: Office) -> None:
    cid = sealed_office.activate(D("2026-11-22"))
    no = sealed_office.amend(cid, D("2027-03-01"), annual_fee="150000.00")
    contract = sealed_office.contract(cid)
    pdf = sealing.seal_original(sealed_office.deps, contract, f"amendment:{no}", small_pdf())
    verdict = sealing.verify_original(sealed_office.deps, pdf)
    assert verdict["genuine"] is True, verdict["problems"]
    assert (verdict["part"], verdict["version"]) == (f"amendment:{no}", 2)


def test_a_genuine_seal_over_facts_hetong_does_not_hold_is_not_genuine(sealed_office: Office) -> None:
    cid = sealed_office.activate(D("2026-11-22"))
    facts = sealing.original_facts(sealed_office.contract(cid), "contract")
    # Sealed with the platform's key (say, by a bug or a stolen moment of kms:Sign) but over another hash,
    # another version, another contract number
    cases = {
        "SHA-256": replace(facts, document_sha256="0" * 64),
        "terms version": replace(facts, version=3),
        "no contract numbered": replace(facts, contract_no="HT-2026-NOSUCH"),
    }
    for reason, wrong in cases.items():
        verdict = sealing.verify_original(sealed_office.deps, seal_pdf(small_pdf(), wrong, seal_key()))
        assert verdict["genuine"] is False
        assert any(reason in p for p in verdict["problems"]), (reason, verdict["problems"])


def test_the_verification_view_shows_what_hetong_holds(sealed_office: Office) -> None:
    cid = sealed_office.activate(D("2026-11-22"))
    contract = sealed_office.contract(cid)
    view = sealing.verification_view(sealed_office.deps, contract.contract_no, "contract")
    assert view["status"] == "active" and view["client"] == contract.client.name
    assert view["document_sha256"] == contract.signing.document_sha256
    assert [s["signer_name"] for s in view["signatures"]] == ["李雷", "韩梅梅"]
    with pytest.raises(NotFound):
        sealing.verification_view(sealed_office.deps, "HT-2026-NOSUCH", "contract")
    with pytest.raises(ValidationError):
        sealing.verification_view(sealed_office.deps, "<script>", "contract")


def test_the_verify_url_is_the_public_page(sealed_office: Office) -> None:
    url = sealing.verify_url(sealed_office.settings, "HT-2026-0001", "amendment:2")
    assert url == "http://testserver/verify?c=HT-2026-0001&p=amendment%3A2"
