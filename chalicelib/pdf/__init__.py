"""PDFs of the documents Hetong issues (contract, 补充协议, 解除合同通知书, 付款通知书, 催款函) and the signed
original's certificate page, rendered with fpdf2 in the CJK font shipped in chalicelib/fonts/.

The PDF is built from the document's HTML (for a contract or agreement: the HTML frozen at send time, whose
SHA-256 the audit chain records), so both say the same thing. fpdf2 is imported only here, lazily: the API's
and the workers' cold start never pay for it.

    render_pdf(contract, part, html=None) -> bytes                   the document alone
    render_signed_original(source, evidence) -> bytes                document + certificate page (unsealed)
    certificate_evidence(contract, part, audit, verify_url) -> CertificateEvidence
    verify_url(base_url, contract_no, part) -> str                   <base>/verify?c=<contract_no>&p=<part>

services/originals.py wires them to the repository: document_pdf, original_pdf (the seal goes there) and
signed_original_renderer(deps) -> (contract, part, verify_url) -> bytes.
"""

from __future__ import annotations

from chalicelib.pdf.evidence import (
    CertificateEvidence,
    SignerEvidence,
    certificate_evidence,
    verify_url,
)
from chalicelib.pdf.render import PdfSource, render_pdf, render_signed_original, render_source

__all__ = [
    "CertificateEvidence",
    "PdfSource",
    "SignerEvidence",
    "certificate_evidence",
    "render_pdf",
    "render_signed_original",
    "render_source",
    "verify_url",
]
