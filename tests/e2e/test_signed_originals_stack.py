"""Signed originals on the local stack (`make run`'s own seal: CA under the state dir, key in moto's KMS): the
signed original downloaded from GET /contracts/{id}/document?part=contract&format=pdf validates in pyhanko
against the stack's trust root, POST /verify says genuine, tampered copies are not, and the verification page
(the certificate's QR code opens it) shows both to a person in Chromium."""

from __future__ import annotations

import io
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import newest_link
from tests.e2e.test_signing_browser import ARGS, CHROMIUM
from tests.factories import contract_body

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (make browser) not installed"),
]


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


def _downloaded(stack: Any, contract: dict[str, Any]) -> bytes:
    """The signed original as staff download it (a browser's Accept: API Gateway returns binary only then)."""
    req = urllib.request.Request(
        f"{stack.api}/contracts/{contract['id']}/document?part=contract&format=pdf",
        headers={"Accept": "application/pdf", "Authorization": f"Bearer {stack.keys['operator']}"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.headers["X-Signed-Original"] == "true"
        return bytes(resp.read())


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
    pdf = _downloaded(stack, contract)
    # pyhanko, on its own, against the trust root `make run` wrote
    _, _, der = pem.unarmor(Path(stack.info["seal_trust_root"]).read_bytes())
    context = ValidationContext(trust_roots=[x509.Certificate.load(der)], allow_fetching=False)
    [seal] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(seal, signer_validation_context=context)
    assert status.intact and status.valid and status.trusted
    # poppler's pdfsig, an independent reader: the signature is valid and covers the whole document
    (tmp_path / "original.pdf").write_bytes(pdf)
    report = subprocess.run(["pdfsig", str(tmp_path / "original.pdf")], capture_output=True, text=True).stdout
    assert "Signature Field Name: HetongSeal" in report and "Signature is Valid." in report, report
    assert "Total document signed" in report, report
    # POST /verify
    verdict = _verify(stack, pdf)
    assert verdict["genuine"] is True, verdict["problems"]
    assert (verdict["contract_no"], verdict["part"], verdict["version"]) == (contract["contract_no"], "contract", 1)
    # Tampered: one byte in the middle, and an incremental update replacing the certificate page
    middle = len(pdf) // 3
    for tampered in (pdf[:middle] + bytes([pdf[middle] ^ 1]) + pdf[middle + 1 :], _replace_last_page(pdf)):
        verdict = _verify(stack, tampered)
        assert verdict["genuine"] is False and verdict["problems"]


def _replace_last_page(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = writer.root["/Pages"]["/Kids"][-1].get_object()
    page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (x) Tj ET"))
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_verification_page_checks_an_upload_in_chromium(stack: Any, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    contract = _signed_by_both(stack)
    no = contract["contract_no"]
    pdf = _downloaded(stack, contract)
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
