"""Every document of a contract as HTML and as PDF, and the signed original once a contract or supplementary
agreement is in force: the document frozen at send time plus its certificate page. `original_pdf` is the one
place the signed original is made (the platform's seal is applied there)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from chalicelib.domain.calendar import SHANGHAI, instant, iso_utc
from chalicelib.domain.contract import Contract
from chalicelib.domain.documents import document_sha256
from chalicelib.domain.errors import NotFound, TokenRejected, ValidationError
from chalicelib.services.base import Deps
from chalicelib.services.letters import letter_html
from chalicelib.services.ports import StoredDocument
from chalicelib.services.signing_links import EXPIRED, REPLACED, closed_for_signing, find_link

if TYPE_CHECKING:
    from chalicelib.pdf import PdfSource

PART = re.compile(
    r"contract|(amendment|notice|invoice|overdue-letter):([1-9][0-9]{0,3})"
    # 履约 notices (services/obligation_documents.py): 逾期履行通知书, 整改通知书 of an obligation's period
    r"|(overdue-notice|rectification):[a-z][a-z0-9_]{0,39}:(?:[0-9]{4}(?:-[0-9]{2}|-Q[1-4])?|once)"
)
# Stored when drafted, proposed, served or issued; SHA-256 in the audit chain.
FROZEN = ("contract", "amendment", "notice", "overdue-notice", "rectification")
SIGNED = ("contract", "amendment")


@dataclass(frozen=True)
class PdfFile:
    part: str
    pdf: bytes
    sha256: str  # of the document (the frozen HTML for contract, amendment:N and notice:N)
    filename: str
    signed_original: bool


def parse_part(raw: str | None) -> str:
    """`contract` (default), `amendment:N`, `notice:N`, `invoice:K`, `overdue-letter:K`,
    `overdue-notice:<key>:<period>` or `rectification:<key>:<period>`."""
    part = raw or "contract"
    if not PART.fullmatch(part):
        raise ValidationError(
            "part",
            "must be contract, amendment:N, notice:N, invoice:K, overdue-letter:K (N, K from 1), "
            "overdue-notice:<key>:<period> or rectification:<key>:<period>",
        )
    return part


def document(deps: Deps, contract: Contract, part: str, as_of: date | None = None) -> StoredDocument:
    """The HTML of `part`: the stored (frozen) document, or the letter rendered from the ledger as of a day.
    A part the contract does not have is a NotFound naming the field `part`."""
    kind, _, number = part.partition(":")
    if kind not in FROZEN:  # a letter the ledger does not have on that day is letter_html's NotFound of `part`
        html = letter_html(deps.repo.load_ledger(contract.id), kind, int(number), as_of, deps.today())
        return StoredDocument(contract.id, part, html, document_sha256(html))
    try:
        return deps.repo.get_document(contract.id, part)
    except NotFound:
        raise NotFound("part", f"{part} of {contract.contract_no} (no such document)", field="part") from None


def in_force(contract: Contract, part: str) -> bool:
    """A contract or agreement both parties signed: its PDF is the signed original."""
    return part.partition(":")[0] in SIGNED and contract.signature_set(part).complete


def document_pdf(deps: Deps, contract_id: str, part: str, as_of: date | None = None) -> PdfFile:
    contract = deps.repo.get_contract(contract_id)
    return _pdf_of(deps, contract, document(deps, contract, part, as_of), as_of)


def _pdf_of(deps: Deps, contract: Contract, doc: StoredDocument, as_of: date | None) -> PdfFile:
    from chalicelib.pdf import render_source
    from chalicelib.services.original_mail import original_filename

    part = doc.key
    name = f"{contract.contract_no}-{part.replace(':', '-')}"
    if in_force(contract, part):
        pdf = original_pdf(deps, contract, part, doc)
        return PdfFile(part, pdf, doc.sha256, original_filename(contract.contract_no, part), True)
    pdf = render_source(_source(contract, doc, _dated(contract, part, as_of or deps.today())))
    return PdfFile(part, pdf, doc.sha256, f"{name}.pdf", False)


def original_pdf(deps: Deps, contract: Contract, part: str, doc: StoredDocument | None = None) -> bytes:
    """The signed original of `part` (contract or amendment:N, signed by both parties): the frozen document and
    its certificate page, under the platform's PAdES seal (services/sealing.py)."""
    from chalicelib.services.sealing import sealed_original

    return sealed_original(deps, contract, part, signed_original_renderer(deps, doc))


Render = Callable[[Contract, str, str], bytes]


def signed_original_renderer(deps: Deps, doc: StoredDocument | None = None) -> Render:
    """`(contract, part, verify_url) -> bytes`: the unsealed signed original of `part` with its certificate's QR
    code to `verify_url`, reading the frozen document and the audit chain through `deps` (the renderer the
    sealing service takes)."""

    def render(contract: Contract, part: str, verify_at: str) -> bytes:
        from chalicelib.pdf import certificate_evidence, render_signed_original

        frozen = doc if doc is not None and doc.key == part else deps.repo.get_document(contract.id, part)
        evidence = certificate_evidence(contract, part, deps.repo.get_audit(contract.id), verify_at)
        return render_signed_original(_source(contract, frozen, contract.created_at), evidence)

    return render


def _source(contract: Contract, doc: StoredDocument, created: str) -> PdfSource:
    from chalicelib.pdf.render import source_for

    return source_for(contract, doc.key, doc.html, created)


def _dated(contract: Contract, part: str, day: date) -> str:
    """The moment that dates a PDF: when the document was made (so its bytes never change), or for a letter
    the start of the day its figures are as of."""
    kind, _, number = part.partition(":")
    if kind == "contract":
        return contract.created_at
    if kind == "amendment":
        return contract.amendment(int(number)).created_at
    if kind == "notice":
        return next((n.served_at for n in contract.notices if n.no == int(number)), contract.created_at)
    return iso_utc(datetime.combine(day, time(0), tzinfo=SHANGHAI))


# ---- the signer's copy ---------------------------------------------------------------------------------------
def signer_pdf(deps: Deps, token: str) -> PdfFile:
    """The document a signing link is for, as PDF: while the link is live, the document to read; after its holder
    signed (the link is then used), the signer's copy, which is the signed original once both parties signed."""
    record, contract = find_link(deps, token)  # used: its party signed with it (the contract records that)
    if record.status == "revoked":
        raise TokenRejected(REPLACED, 410)
    if record.status != "used" and instant(record.expires_at) <= deps.clock.now():
        raise TokenRejected(EXPIRED, 410)
    if record.status != "used":  # a link not used to sign: only while its document awaits signatures
        closed_for_signing(contract.subject_status(record.subject))
    return _pdf_of(deps, contract, deps.repo.get_document(contract.id, record.subject), None)
