"""PDFs of every document: what a reader extracts from them (pdftotext), every page's footer, the certificate page
of a signed original, and that a page actually shows ink (pdftoppm)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.errors import NotFound, ValidationError
from chalicelib.pdf import render_pdf
from chalicelib.services import originals
from tests.unit.conftest import Office, shanghai

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make browser) not installed")

# A real browser's user agent: the certificate must still fit and show it whole.
EDGE = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def text_of(pdf: bytes, tmp_path: Path, name: str = "doc") -> list[str]:
    """The text of each page, as pdftotext extracts it (one string per page)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.split("\f")[:-1]


def flat(page: str) -> str:
    return re.sub(r"\s+", "", page)


def assert_footers(pages: list[str], contract_no: str, sha256: str) -> None:
    assert pages
    for n, page in enumerate(pages, start=1):
        compact = flat(page)
        assert f"第{n}页共{len(pages)}页" in compact, (n, page[-300:])
        assert contract_no in compact
        assert sha256 in compact


def test_the_contract_pdf_says_what_the_frozen_html_says(office: Office, tmp_path: Path) -> None:
    # Given a contract of each template, drafted and sent (its HTML frozen)
    for template in ("customer-service-management", "outbound-call-outsourcing"):
        cid = office.draft(template=template)
        office.send(cid)
        contract = office.contract(cid)
        doc = office.repo.get_document(cid, "contract")
        # When its PDF is rendered from the stored document
        pdf = render_pdf(contract, "contract", doc.html)
        pages = text_of(pdf, tmp_path, template)
        text = flat("".join(pages))
        # Then a reader finds the amounts in figures and 大写, both parties and the numbered clauses
        assert "人民币120,000.00元（大写：人民币壹拾贰万元整）" in text
        assert "人民币360,000.00元（大写：人民币叁拾陆万元整）" in text
        assert contract.client.name in text and contract.vendor.name in text
        assert "第一条" in text and "（以下无正文）" in text
        # And every page carries the contract number, the frozen SHA-256 and 第 N 页 共 M 页
        assert_footers(pages, contract.contract_no, contract.signing.document_sha256)
        assert len(pdf) < 300_000


def test_render_pdf_without_html_reprints_the_contract_only_if_it_hashes_to_the_frozen_one(office: Office) -> None:
    cid = office.draft()
    contract = office.contract(cid)
    assert render_pdf(contract, "contract") == render_pdf(
        contract, "contract", office.repo.get_document(cid, "contract").html
    )
    with pytest.raises(ValueError, match="amendment:1"):
        render_pdf(contract, "amendment:1")


def test_a_signed_contract_pdf_is_the_original_with_its_certificate(office: Office, tmp_path: Path) -> None:
    # Given a contract both parties signed, one from a real browser
    office.at(date(2026, 11, 20))
    cid = office.draft()
    tokens = office.send(cid)
    office.at(shanghai(date(2026, 11, 22), 9))
    office.sign(tokens["client"], "李雷")
    office.at(shanghai(date(2026, 11, 22), 11, 30))
    from chalicelib.api import requests as rq
    from chalicelib.services import signing
    from tests.factories import command

    signing.sign(
        office.deps,
        tokens["vendor"],
        command(rq.SignRequest, {"signer_name": "韩梅梅", "consent": True}),
        "198.51.100.4",
        EDGE,
    )
    contract = office.contract(cid)
    # When staff ask for its PDF
    file = originals.document_pdf(office.deps, cid, "contract")
    pages = text_of(file.pdf, tmp_path)
    # Then it is the signed original: the document, then one certificate page
    assert file.signed_original and file.filename.endswith("-signed.pdf")
    assert file.sha256 == contract.signing.document_sha256
    certificate = flat(pages[-1])
    assert "签署证书" in certificate
    for who, name, ip, at in (
        ("client", "李雷", "203.0.113.7", "2026-11-2209:00:00Asia/Shanghai(UTC+08:00)"),
        ("vendor", "韩梅梅", "198.51.100.4", "2026-11-2211:30:00Asia/Shanghai(UTC+08:00)"),
    ):
        assert name in certificate and contract.party(who).name in certificate
        assert contract.party(who).email in certificate and ip in certificate and at in certificate
    assert flat(EDGE) in certificate
    # verification: the contract required no one-time code (tests/factories drafts with signer_verification none)
    assert "2026-11-v1" in certificate and "签署链接（未要求验证码）" in certificate
    audit = office.repo.get_audit(cid)
    head = [e for e in audit if e.type == "SignatureRecorded"][-1].hash
    assert contract.signing.document_sha256 in certificate and head in certificate
    assert f"http://testserver/verify?c={contract.contract_no}&p=contract" in certificate
    assert_footers(pages, contract.contract_no, contract.signing.document_sha256)
    assert len(file.pdf) <= 300_000
    # And it is the same bytes however often it is made: a payment recorded later moves the chain's head on,
    # not the certificate's
    office.pay(cid, "100.00", date(2026, 11, 30))
    assert office.contract(cid).audit_head != head
    assert originals.document_pdf(office.deps, cid, "contract").pdf == file.pdf


def test_the_certificate_reads_the_verification_method_when_the_evidence_has_one(office: Office) -> None:
    from dataclasses import replace

    from chalicelib.pdf import certificate_evidence

    cid = office.activate()
    contract = office.contract(cid)
    sig = contract.signing.signatures["client"]
    with_code: Any = replace(sig)
    object.__setattr__(with_code, "verification", "email_code")
    contract.signing.signatures["client"] = with_code
    evidence = certificate_evidence(contract, "contract", office.repo.get_audit(cid), "https://hetong.example/verify")
    assert [s.verification for s in evidence.signers] == ["email_code", "none"]


def test_amendment_notice_invoice_and_overdue_letter_pdfs(office: Office, tmp_path: Path) -> None:
    # Given an active contract, invoiced, with its fee revised by an agreement, unpaid and overdue, and a notice
    cid = office.activate(effective=date(2026, 11, 22))
    office.run_invoicing(date(2026, 11, 22))
    office.amend(cid, date(2026, 11, 25), annual_fee="150000.00")
    office.run_overdue(date(2027, 1, 10))
    office.serve_notice(cid, date(2027, 1, 10))
    contract = office.contract(cid)
    expected = {
        "amendment:1": ("补充协议", "人民币壹拾伍万元整"),
        "notice:1": ("解除合同通知书", "人民币壹拾贰万元整"),
        "invoice:1": ("付款通知书", "人民币壹拾贰万元整"),
        "overdue-letter:1": ("催款函", "人民币壹拾贰万元整"),
    }
    for part, (title, words) in expected.items():
        file = originals.document_pdf(office.deps, cid, part)
        pages = text_of(file.pdf, tmp_path, part.replace(":", "-"))
        text = flat("".join(pages))
        assert title in text and words in text, part
        assert contract.client.name in text and contract.vendor.name in text, part
        assert_footers(pages, contract.contract_no, file.sha256)
    # The agreement both parties signed is a signed original too; the letters are not
    assert originals.document_pdf(office.deps, cid, "amendment:1").signed_original
    assert not originals.document_pdf(office.deps, cid, "invoice:1").signed_original


def test_parts_that_are_malformed_or_do_not_exist(office: Office) -> None:
    cid = office.activate()
    for bad in ("annex", "amendment:0", "invoice:x", "contract:1", "notice:"):
        with pytest.raises(ValidationError) as err:
            originals.parse_part(bad)
        assert err.value.field == "part"
    for missing in ("amendment:3", "notice:1", "invoice:1", "overdue-letter:1"):
        with pytest.raises(NotFound):
            originals.document_pdf(office.deps, cid, originals.parse_part(missing))


def test_a_rendered_page_is_not_blank(office: Office, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm missing")
    cid = office.activate()
    path = tmp_path / "c.pdf"
    path.write_bytes(originals.document_pdf(office.deps, cid, "contract").pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-gray", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    pgm = next(tmp_path.glob("p-*.pgm")).read_bytes()
    header_end = [m.end() for m in re.finditer(rb"\s", pgm)][3]
    pixels = pgm[header_end:]
    dark = sum(1 for b in pixels if b < 200)  # ink, not paper
    assert dark > len(pixels) * 0.01, "page 1 is blank"


def test_a_character_the_font_lacks_is_refused_when_drafted(office: Office) -> None:
    from chalicelib.api import requests as rq
    from tests.factories import command, contract_body

    body = contract_body()
    body["client"]["name"] = "𠮷野家餐饮有限公司"
    with pytest.raises(ValidationError) as err:
        command(rq.DraftContractRequest, body)
    assert err.value.field == "client.name" and "U+20BB7" in str(err.value)
    body["client"]["name"] = "䶮氏科技有限公司"  # in the 通用规范汉字表, outside GBK: printable
    command(rq.DraftContractRequest, body)


def test_stored_text_the_font_lacks_prints_visibly(office: Office, tmp_path: Path, caplog: Any) -> None:
    cid = office.draft()
    contract = office.contract(cid)
    html = office.repo.get_document(cid, "contract").html.replace(contract.client.name, "𠮷野家餐饮有限公司", 1)
    pages = text_of(render_pdf(contract, "contract", html), tmp_path)
    assert "〔U+20BB7〕野家餐饮有限公司" in flat("".join(pages))
    assert "U+20BB7" in caplog.text


def test_the_renderer_the_seal_takes_prints_the_verify_url_it_is_given(office: Office, tmp_path: Path) -> None:
    cid = office.activate()
    contract = office.contract(cid)
    render = originals.signed_original_renderer(office.deps)
    url = f"https://hetong.example/verify?c={contract.contract_no}&p=contract"
    pages = text_of(render(contract, "contract", url), tmp_path)
    assert url in flat(pages[-1]) and "签署证书" in flat(pages[-1])
    with pytest.raises(ValueError, match="not signed by both parties"):
        office.at(date(2026, 11, 25))
        from chalicelib.api import requests as rq
        from chalicelib.services import lifecycle
        from tests.factories import command

        body = {"changes": {"annual_fee": "130000.00"}, "reason": "调价"}
        lifecycle.propose_amendment(office.deps, cid, command(rq.ProposeAmendmentRequest, body), "operator:test")
        render(office.contract(cid), "amendment:1", url)
