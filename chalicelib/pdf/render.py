"""The entry points that turn a document into PDF bytes. Everything fpdf2 is imported inside the functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import TYPE_CHECKING

from chalicelib.domain.calendar import instant
from chalicelib.domain.documents import document_sha256

if TYPE_CHECKING:
    from chalicelib.domain.contract import Contract
    from chalicelib.pdf.evidence import CertificateEvidence
    from chalicelib.pdf.layout import Sheet

_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


@dataclass(frozen=True)
class PdfSource:
    """A document to print: its HTML (as stored or rendered), the SHA-256 of that HTML, and the moment that
    dates the PDF (so the same document always gives the same bytes)."""

    contract_no: str
    part: str
    title: str
    html: str
    sha256: str
    created: datetime


def _sheet(source: PdfSource) -> Sheet:
    from chalicelib.pdf.document import render_blocks
    from chalicelib.pdf.layout import Sheet
    from chalicelib.pdf.model import document_blocks

    sheet = Sheet(title=f"{source.title}（{source.contract_no}）", created=source.created)
    sheet.set_subject(f"{source.contract_no} {source.part}")
    sheet.set_keywords(f"hetong contract_no={source.contract_no} part={source.part} sha256={source.sha256}")
    render_blocks(sheet, document_blocks(source.html))
    return sheet


def _output(sheet: Sheet, source: PdfSource) -> bytes:
    sheet.footers(source.contract_no, source.sha256)
    return bytes(sheet.output())


def render_source(source: PdfSource) -> bytes:
    """The PDF of one document."""
    return _output(_sheet(source), source)


def render_pdf(contract: Contract, part: str, html: str | None = None) -> bytes:
    """The PDF of `part` of `contract` from its HTML. Pass the stored document's HTML (the frozen one for
    contract, amendment:N and notice:N; services/originals.py resolves every part). Without it only the
    contract itself can be printed: it is re-rendered from the original terms and must hash to the SHA-256
    frozen on the contract, else ValueError."""
    if html is None:
        if part != "contract":
            raise ValueError(f"the HTML of {part} is needed: only the contract can be re-rendered from its terms")
        from chalicelib.services.documents import render_contract

        html = render_contract(contract)
        if document_sha256(html) != contract.signing.document_sha256:
            raise ValueError(f"{contract.contract_no}: the re-rendered contract differs from the frozen one")
    return render_source(source_for(contract, part, html))


def source_for(contract: Contract, part: str, html: str, created: str | None = None) -> PdfSource:
    stamp = created or contract.created_at
    return PdfSource(
        contract_no=contract.contract_no,
        part=part,
        title=document_title(contract, part, html),
        html=html,
        sha256=document_sha256(html),
        created=instant(stamp).astimezone(UTC),
    )


def document_title(contract: Contract, part: str, html: str) -> str:
    """The PDF's title: the document's own (its HTML <title>, e.g. 付款通知书（修订）, 《外呼外包合同》补充协议（一）)
    without the contract number the sheet adds; the part's name when the HTML has none."""
    from chalicelib.pdf.evidence import part_title

    found = _TITLE.search(html)
    title = unescape(found.group(1)).strip() if found else ""
    title = title.removesuffix(f"（{contract.contract_no}）").strip()
    if title:
        return title
    return part_title(contract, part).strip("《》") if part == "contract" else part_title(contract, part)


def render_signed_original(source: PdfSource, evidence: CertificateEvidence) -> bytes:
    """The signed original, unsealed: the frozen document, then its certificate page. Dated by the last
    signature, so it is byte-identical however often it is made (the seal is applied on top of it)."""
    from chalicelib.pdf.certificate import certificate_page

    if source.sha256 != evidence.document_sha256:
        raise ValueError(f"{source.part}: the document is not the one that was signed (SHA-256 differs)")
    dated = PdfSource(**{**source.__dict__, "created": _instant(evidence.completed_at)})
    sheet = _sheet(dated)
    certificate_page(sheet, evidence)
    return _output(sheet, dated)


def _instant(iso: str) -> datetime:
    return instant(iso).astimezone(UTC)
