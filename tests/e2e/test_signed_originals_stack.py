"""Signed originals on the local stack (`make run`'s own seal: CA under the state dir, key in moto's KMS): an
original sealed with the stack's key validates in pyhanko against the stack's trust root, POST /verify says
genuine, a tampered copy is not, and the verification page shows both to a person in Chromium."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import newest_link
from tests.e2e.test_signing_browser import ARGS, CHROMIUM
from tests.factories import contract_body
from tests.seal_support import small_pdf

pytestmark = pytest.mark.e2e


def _signed_by_both(stack: Any) -> dict[str, Any]:
    status, created, _ = stack.request("POST", "/contracts", contract_body())
    assert status == 201, created
    cid, no = created["id"], created["contract_no"]
    stack.request("POST", f"/contracts/{cid}/send")
    for who, name in (("client", "李雷"), ("vendor", "韩梅梅")):
        token = newest_link(stack, f"{who}@example.com", no).rsplit("/", 1)[1]
        status, receipt, _ = stack.request("POST", f"/sign/{token}", {"signer_name": name, "consent": True}, role=None)
        assert status == 201, receipt
    status, contract, _ = stack.request("GET", f"/contracts/{cid}")
    assert contract["status"] == "active"
    return dict(contract)


def _sealed_by_the_stack(stack: Any, contract: dict[str, Any]) -> bytes:
    """The stack's sealing key (moto's KMS) and certificate (moto's SSM) seal a rendered original."""
    from chalicelib.adapters.seal_keys import KmsSealSource
    from chalicelib.pdf_seal.model import SealedFacts
    from chalicelib.pdf_seal.seal import seal_pdf
    from chalicelib.settings import load_settings

    settings = replace(
        load_settings(),
        aws_endpoint_url=stack.info["aws_endpoint_url"],
        seal_key_id=stack.env["HETONG_SEAL_KEY_ID"],
        seal_parameters=stack.env["HETONG_SEAL_PARAMETERS"],
    )
    signed_at = max(s["signed_at"] for s in contract["signatures"])
    facts = SealedFacts(contract["contract_no"], "contract", 1, contract["document_sha256"], signed_at)
    return seal_pdf(small_pdf((contract["contract_no"], "signed original")), facts, KmsSealSource(settings).key())


def _verify(stack: Any, pdf: bytes) -> dict[str, Any]:
    status, verdict, _ = stack.request(
        "POST", "/verify", role=None, raw=pdf, headers={"Content-Type": "application/pdf"}
    )
    assert status == 200, verdict
    return dict(verdict)


def test_an_original_sealed_by_the_stack_verifies_and_a_tampered_copy_does_not(stack: Any, tmp_path: Path) -> None:
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    contract = _signed_by_both(stack)
    pdf = _sealed_by_the_stack(stack, contract)
    # pyhanko, on its own, against the trust root `make run` wrote
    _, _, der = pem.unarmor(Path(stack.info["seal_trust_root"]).read_bytes())
    context = ValidationContext(trust_roots=[x509.Certificate.load(der)], allow_fetching=False)
    [seal] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(seal, signer_validation_context=context)
    assert status.intact and status.valid and status.trusted
    # POST /verify
    verdict = _verify(stack, pdf)
    assert verdict["genuine"] is True, verdict["problems"]
    assert (verdict["contract_no"], verdict["part"], verdict["version"]) == (contract["contract_no"], "contract", 1)
    at = pdf.index(b"signed original") + 2
    tampered = pdf[:at] + b"X" + pdf[at + 1 :]
    verdict = _verify(stack, tampered)
    assert verdict["genuine"] is False and verdict["problems"]
    (tmp_path / "original.pdf").write_bytes(pdf)


def test_the_verification_page_checks_an_upload_in_chromium(stack: Any, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    contract = _signed_by_both(stack)
    no = contract["contract_no"]
    pdf = _sealed_by_the_stack(stack, contract)
    genuine, tampered = tmp_path / "original.pdf", tmp_path / "tampered.pdf"
    genuine.write_bytes(pdf)
    tampered.write_bytes(pdf + b"\n% appended\n")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{stack.api}/verify?c={no}&p=contract")
            assert page.locator("#contract-no").inner_text() == no
            assert page.locator("#sha").inner_text() == contract["document_sha256"]
            page.set_input_files("#file", str(genuine))
            page.click("#check")
            page.wait_for_selector("#result.genuine", timeout=15000)
            assert "Genuine" in page.locator("#verdict").inner_text()
            page.screenshot(path=str(tmp_path / "verify-genuine.png"), full_page=True)
            page.set_input_files("#file", str(tampered))
            page.click("#check")
            page.wait_for_selector("#result.not-genuine", timeout=15000)
            assert "incremental update" in page.locator("#problems").inner_text()
            page.screenshot(path=str(tmp_path / "verify-tampered.png"), full_page=True)
            assert errors == []  # no CSP violation, no script error
        finally:
            browser.close()
