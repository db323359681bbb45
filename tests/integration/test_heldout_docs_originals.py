"""Held-out: the signed original and POST /verify as an auditor tests them (docs/signed-originals.md). The PDF
of a contract in force carries a certificate page and a PAdES seal pyhanko validates against the platform CA;
each signer's copy is the staff one; an agreement has its own original; /verify answers a genuine original with
its contract, part, version and signing time, and any altered, appended, truncated, foreign, empty, non-PDF or
oversized upload with a clear answer, never a 5xx."""

from __future__ import annotations

import io
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chalicelib.bootstrap import get_deps
from tests.integration.heldout_docs import PDF, flat_text, pages, shanghai, sign_both
from tests.support import signing_link, token_of

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make browser) not installed"),
]
UA = {"User-Agent": "Mozilla/5.0 (Macintosh) Auditor/3.1", "X-Forwarded-For": "198.51.100.23"}


def _verify(world: Any, body: bytes, content_type: str | None = "application/pdf") -> Any:
    headers = {} if content_type is None else {"Content-Type": content_type}
    resp = world.api.http.post("/verify", body=body, headers=headers)
    assert resp.status_code < 500, (resp.status_code, resp.body)
    return resp


def _verdict(world: Any, body: bytes) -> dict[str, Any]:
    resp = _verify(world, body)
    assert resp.status_code == 200, resp.body
    verdict = dict(resp.json_body)
    assert set(verdict) >= {"genuine", "contract_no", "part", "version", "signed_at", "problems"}
    if verdict["genuine"] is False:
        assert verdict["problems"] and all(isinstance(p, str) and p for p in verdict["problems"])
    return verdict


def _in_force(world: Any) -> tuple[str, dict[str, str]]:
    """A contract signed by the client at 21:15 on 22 Nov and the vendor at 08:30 on 23 Nov 2026 (Shanghai)."""
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    tokens = {p: token_of(signing_link(f"{p}@example.com")) for p in ("client", "vendor")}
    world.clock.set(shanghai(2026, 11, 22, 21, 15))
    world.ok(
        "POST",
        f"/sign/{tokens['client']}",
        {"signer_name": "王小明", "consent": True},
        role=None,
        status=201,
        headers=UA,
    )
    world.clock.set(shanghai(2026, 11, 23, 8, 30))
    world.ok(
        "POST",
        f"/sign/{tokens['vendor']}",
        {"signer_name": "李娜", "consent": True},
        role=None,
        status=201,
        headers={**UA, "User-Agent": "Vendor-Browser/9"},
    )
    world.deliver()
    return cid, tokens


def _original(world: Any, cid: str, part: str = "contract") -> bytes:
    resp = world.call("GET", f"/contracts/{cid}/document?part={part}&format=pdf", headers=PDF)
    assert resp.status_code == 200 and resp.headers["X-Signed-Original"] == "true", resp.body
    return bytes(resp.body)


def test_the_original_is_sealed_with_a_pades_signature_pyhanko_validates(world: Any) -> None:
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    cid, _ = _in_force(world)
    pdf = _original(world, cid)
    reader = PdfFileReader(io.BytesIO(pdf))
    [sig] = reader.embedded_signatures
    assert sig.field_name == "HetongSeal"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    root = get_deps().seal.trust_roots()[0]  # type: ignore[union-attr]
    status = validate_pdf_signature(
        sig, ValidationContext(trust_roots=[x509.Certificate.load(root)], allow_fetching=False)
    )
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.docmdp_ok is not False
    # the seal's time is when the last party signed: 08:30 Shanghai = 00:30 UTC on 23 Nov
    assert status.signer_reported_dt.isoformat().startswith("2026-11-23T00:30:00")
    record = reader.root["/HetongOriginal"]
    contract = world.contract(cid)
    assert str(record["/ContractNo"]) == contract["contract_no"] and str(record["/Part"]) == "contract"
    assert str(record["/DocumentSHA256"]) == contract["document_sha256"] and int(record["/Version"]) == 1


def test_the_certificate_page_and_the_verify_page_its_qr_code_opens(world: Any, tmp_path: Path) -> None:
    cid, tokens = _in_force(world)
    contract = world.contract(cid)
    pdf = _original(world, cid)
    cert = flat_text(pdf, tmp_path, "-f", str(pages(pdf, tmp_path)))
    for who, name, ua, at in (
        ("甲方", "王小明", "Mozilla/5.0 (Macintosh) Auditor/3.1", "2026-11-22 21:15:00"),
        ("乙方", "李娜", "Vendor-Browser/9", "2026-11-23 08:30:00"),
    ):
        for value in (who, name, ua, at):
            assert value in cert, value
    for value in (
        "client@example.com",
        "vendor@example.com",
        "北京云帆科技有限公司",
        "上海声通外呼服务有限公司",
        "Asia/Shanghai",
        contract["document_sha256"],
        contract["signatures"][0]["consent_version"],
    ):
        assert value in cert.replace(" ", "") or value in cert, value
    assert "198.51.100.23" in cert or "127.0.0.1" in cert  # the address the signature recorded
    for sig in contract["signatures"]:
        assert sig["ip_address"] in cert
    audit = world.ok("GET", f"/contracts/{cid}/audit")
    head = [e for e in audit["entries"] if e["type"] == "SignatureRecorded"][-1]["hash"]
    assert head in cert.replace(" ", "")
    # the QR code's address is printed under it; opening it shows what Hetong holds
    url = next(w for w in cert.split() if "/verify?" in w)
    page = world.api.http.get(url.split("testserver", 1)[-1])
    html = page.body.decode() if isinstance(page.body, bytes) else page.body
    assert page.status_code == 200 and contract["contract_no"] in html and "王小明" in html
    assert contract["document_sha256"] in html


def test_each_signer_downloads_the_staff_original_and_the_agreement_has_its_own(world: Any, tmp_path: Path) -> None:
    cid, tokens = _in_force(world)
    staff = _original(world, cid)
    for token in tokens.values():
        mine = world.call("GET", f"/sign/{token}/document.pdf", role=None, headers=PDF)
        assert mine.status_code == 200 and mine.body == staff
    verdict = _verdict(world, staff)
    contract = world.contract(cid)
    assert verdict["genuine"] is True, verdict["problems"]
    assert (verdict["contract_no"], verdict["part"], verdict["version"]) == (contract["contract_no"], "contract", 1)
    assert verdict["signed_at"] == "2026-11-23T00:30:00Z"  # the last signature, UTC
    # a fee agreement, signed by both on 2026-12-05
    world.travel(date(2026, 12, 5))
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"annual_fee": "130000.50"}, "reason": "增加坐席"},
        status=201,
    )
    world.deliver()
    sign_both(world)
    agreement = _original(world, cid, "amendment:1")
    assert agreement != staff
    verdict = _verdict(world, agreement)
    assert verdict["genuine"] is True, verdict["problems"]
    assert (verdict["part"], verdict["version"]) == ("amendment:1", 2)
    text = flat_text(agreement, tmp_path)
    assert "130,000.50" in text and "人民币壹拾叁万元伍角" in text and "签署证书" in text
    # the agreement's signer copy is the same file
    token = token_of(signing_link("client@example.com"))
    mine = world.call("GET", f"/sign/{token}/document.pdf", role=None, headers=PDF)
    assert mine.status_code == 200 and mine.body == agreement
    # the contract's original is unchanged by the agreement, and still genuine
    assert _original(world, cid) == staff and _verdict(world, staff)["genuine"] is True


def _incremental_update(pdf: bytes) -> bytes:
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root["/HetongOriginal"]["/ContractNo"] = TextStringObject("HT-2099-FORGED")
    writer.update_container(writer.root["/HetongOriginal"])
    writer.root[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _foreign_seal(contract: dict[str, Any]) -> bytes:
    """A PDF sealed as a Hetong original of this very contract, by a key the platform CA never certified."""
    from chalicelib.pdf_seal.model import SealedFacts
    from chalicelib.pdf_seal.seal import seal_pdf
    from tests.seal_support import seal_key, small_pdf

    facts = SealedFacts(
        contract["contract_no"], "contract", 1, contract["document_sha256"], contract["signatures"][-1]["signed_at"]
    )
    return seal_pdf(small_pdf(), facts, seal_key("someone-else"), tsa_url=None)


def test_verify_answers_every_altered_or_foreign_upload_clearly(world: Any) -> None:
    cid, _ = _in_force(world)
    pdf = _original(world, cid)
    assert _verdict(world, pdf)["genuine"] is True
    contents = pdf.rindex(b"/Contents")
    positions = {
        "first page": 400,
        "middle": len(pdf) // 2,
        "certificate text": contents - 300,
        "signature hex": contents + 40,
        "trailer": len(pdf) - 20,
    }
    for where, at in positions.items():
        changed = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]
        verdict = _verdict(world, changed)
        assert verdict["genuine"] is False, where
    for cut in (len(pdf) - 1, len(pdf) - 200, len(pdf) // 2, 1024, 6):
        verdict = _verdict(world, pdf[:cut])
        assert verdict["genuine"] is False, cut
    updated = _verdict(world, _incremental_update(pdf))
    assert updated["genuine"] is False and any("after" in p or "changed" in p for p in updated["problems"])
    assert _verdict(world, pdf + b"%%EOF\n")["genuine"] is False
    foreign = _verdict(world, _foreign_seal(world.contract(cid)))
    assert foreign["genuine"] is False and any("key" in p for p in foreign["problems"])
    # an unsigned PDF of this very contract (its payment notice) is not an original
    world.run("invoicing", date(2026, 11, 23))
    invoice = world.call("GET", f"/contracts/{cid}/document?part=invoice:1&format=pdf", headers=PDF).body
    assert _verdict(world, invoice)["genuine"] is False


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"", "application/pdf", 400),
        (b"PK\x03\x04 a zip, not a PDF", "application/pdf", 400),
        (b"hello", "application/octet-stream", 400),
        (b"%PDF-1.7\n", "text/plain", 415),
        (b"%PDF-1.7\n", None, 415),
        (b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024), "application/pdf", 413),
    ],
)
def test_verify_refuses_what_is_not_a_pdf_with_a_4xx_naming_the_body(
    world: Any, body: bytes, content_type: str | None, status: int
) -> None:
    resp = _verify(world, body, content_type)
    assert resp.status_code == status, resp.body
    assert resp.json_body["error"]["field"] == "body"


def test_verify_takes_octet_stream_and_a_charset_and_answers_a_large_pdf(world: Any) -> None:
    cid, _ = _in_force(world)
    pdf = _original(world, cid)
    for content_type in ("application/octet-stream", "application/pdf; charset=binary", "Application/PDF"):
        resp = _verify(world, pdf, content_type)
        assert resp.status_code == 200 and resp.json_body["genuine"] is True, (content_type, resp.body)
    big = b"%PDF-1.7\n" + os.urandom(5 * 1024 * 1024 - 9)  # exactly 5 MB of noise
    resp = _verify(world, big)
    assert resp.status_code == 200 and resp.json_body["genuine"] is False


@pytest.mark.parametrize("widths", [b"[0 0 0]", b"[1 2 1]"])
def test_a_small_pdf_that_would_keep_the_reader_busy_for_hours_is_answered_in_time(
    world: Any, monkeypatch: pytest.MonkeyPatch, widths: bytes
) -> None:
    import time

    from chalicelib.pdf_seal import verify

    monkeypatch.setattr(verify, "CHECK_SECONDS", 3.0)
    # 130 bytes: a cross-reference stream declaring 2**31 - 1 entries and holding none
    bomb = (
        b"%PDF-1.7\n1 0 obj\n<< /Type /XRef /Size 2147483647 /W " + widths + b" /Length 0 >>\nstream\n\nendstream\n"
        b"endobj\nstartxref\n9\n%%EOF"
    )
    started = time.monotonic()
    verdict = _verdict(world, bomb)
    assert verdict["genuine"] is False and verdict["problems"]
    assert time.monotonic() - started < 10  # API Gateway gives up at 29 s (a 5xx to the uploader)
    cid, _ = _in_force(world)  # and the next upload is checked as usual
    assert _verdict(world, _original(world, cid))["genuine"] is True
