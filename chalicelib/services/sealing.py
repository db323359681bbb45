"""Signed originals under the platform seal: what a contract's or agreement's original records (contract no,
part, terms version, frozen document SHA-256, when it was signed), sealing the rendered original, and checking
an uploaded PDF against the seal and against what Hetong holds (POST /verify, the page the QR code opens)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import NotFound, ValidationError
from chalicelib.domain.signing import SignatureSet
from chalicelib.pdf_seal.model import SealedFacts, SealReport, SealSource
from chalicelib.services.base import Deps
from chalicelib.services.ports import Attachment
from chalicelib.settings import Settings

IN_FORCE = ("active", "terminating", "terminated", "expired")  # a contract that took effect
PART = re.compile(r"^(contract|amendment:[1-9][0-9]{0,3})$")
CONTRACT_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/]{0,63}$")


class NoOriginal(NotFound):
    """The part has no signed original (not in force, or no such part)."""

    def __init__(self, contract_no: str, part: str, why: str) -> None:
        super().__init__("signed original", f"{contract_no} {part}")
        self.message = f"{contract_no} {part} has no signed original: {why}"


def check_part(part: str) -> str:
    if not PART.match(part):
        raise ValidationError("part", "must be contract or amendment:N")
    return part


def _signatures(contract: Contract, part: str) -> SignatureSet:
    check_part(part)
    try:
        return contract.signature_set(part)
    except ValidationError:
        raise NoOriginal(contract.contract_no, part, "no such supplementary agreement") from None


def original_facts(contract: Contract, part: str) -> SealedFacts:
    """What the sealed original of `part` records; NoOriginal unless that part is in force."""
    sigset = _signatures(contract, part)
    if part == "contract":
        in_force, version = contract.status in IN_FORCE, 1
    else:
        no = int(part.split(":", 1)[1])
        in_force = contract.amendment(no).status == "effective"
        version = next((v.no for v in contract.terms_versions if v.amendment_no == no), 0)
    if not in_force or not sigset.complete:
        raise NoOriginal(contract.contract_no, part, "it has not been signed by both parties")
    signed_at = max(s.signed_at for s in sigset.signatures.values())
    return SealedFacts(contract.contract_no, part, version, sigset.document_sha256, signed_at)


def verify_url(settings: Settings, contract_no: str, part: str, api_base_url: str = "") -> str:
    """The verification page of this original (the certificate page's QR code)."""
    base = (settings.public_base_url or api_base_url).rstrip("/")
    return f"{base}/verify?{urlencode({'c': contract_no, 'p': part})}"


def _source(deps: Deps) -> SealSource:
    if deps.seal is None:
        raise RuntimeError("no platform seal is wired into these dependencies")
    return deps.seal


def seal_original(deps: Deps, contract: Contract, part: str, unsealed: bytes) -> bytes:
    """`unsealed` (the frozen document with its certificate page, as chalicelib/pdf renders it) under the
    platform seal: B-T when HETONG_TSA_URL is set, else B-B."""
    from chalicelib.pdf_seal.seal import seal_pdf

    source = _source(deps)
    return seal_pdf(unsealed, original_facts(contract, part), source.key(), tsa_url=source.tsa_url)


Render = Callable[[Contract, str, str], bytes]  # (contract, part, verify URL) → the unsealed signed original


def sealed_original(deps: Deps, contract: Contract, part: str, render: Render) -> bytes:
    """The signed original of `part`: rendered by `render` (chalicelib/pdf's render_signed_original: the
    frozen document and its certificate page with the QR code to `verify_url`), then sealed."""
    unsealed = render(contract, part, verify_url(deps.settings, contract.contract_no, part))
    return seal_original(deps, contract, part, unsealed)


def original_attachment(deps: Deps, contract_id: str, part: str, render: Render) -> Attachment:
    """The signed original as the in-force emails attach it."""
    from chalicelib.services.original_mail import original_filename

    contract = deps.repo.get_contract(contract_id)
    pdf = sealed_original(deps, contract, part, render)
    return Attachment(original_filename(contract.contract_no, part), "application/pdf", pdf)


# ---- verification -----------------------------------------------------------------------------------------
def verify_original(deps: Deps, pdf: bytes) -> dict[str, Any]:
    """POST /verify: genuine only when the seal is the platform's, covers every byte, and what it records is
    what Hetong holds for that contract and part."""
    from chalicelib.pdf_seal.verify import check_seal

    report = check_seal(pdf, _source(deps).trust_roots())
    if report.facts is not None and report.intact:
        report.problems.extend(_against_records(deps, report.facts))
    return _verdict(report)


def _against_records(deps: Deps, facts: SealedFacts) -> list[str]:
    contract_id = deps.repo.find_contract_id_by_no(facts.contract_no)
    if contract_id is None:
        return [f"Hetong holds no contract numbered {facts.contract_no}"]
    contract = deps.repo.get_contract(contract_id)
    try:
        held = original_facts(contract, facts.part)
    except (NotFound, ValidationError) as exc:
        return [str(getattr(exc, "message", exc))]
    problems = []
    if held.document_sha256 != facts.document_sha256:
        problems.append("the sealed document's SHA-256 is not the one Hetong froze for this contract")
    if held.version != facts.version:
        problems.append(f"the seal records terms version {facts.version}, Hetong holds {held.version}")
    return problems


def _verdict(report: SealReport) -> dict[str, Any]:
    f = report.facts
    return {
        "genuine": report.intact,
        "contract_no": f.contract_no if f else None,
        "part": f.part if f else None,
        "version": f.version if f else None,
        "signed_at": f.signed_at if f else None,
        "document_sha256": f.document_sha256 if f else None,
        "sealed_at": report.sealed_at,
        "timestamp": report.timestamp,
        "problems": report.problems,
    }


def verification_view(deps: Deps, contract_no: str, part: str) -> dict[str, Any]:
    """GET /verify?c=&p=: what Hetong holds about that original, for a person holding a copy (public: names,
    status, times and the fingerprint, nothing a signer would not see on the certificate page)."""
    if not CONTRACT_NO.match(contract_no):
        raise ValidationError("c", "must be a contract number")
    check_part(part)
    contract_id = deps.repo.find_contract_id_by_no(contract_no)
    if contract_id is None:
        raise NotFound("contract", contract_no)
    contract = deps.repo.get_contract(contract_id)
    facts = original_facts(contract, part)
    status = contract.status if part == "contract" else contract.amendment(int(part.split(":", 1)[1])).status
    sigset = _signatures(contract, part)
    return {
        "contract_no": contract.contract_no,
        "part": part,
        "version": facts.version,
        "status": status,
        "client": contract.client.name,
        "vendor": contract.vendor.name,
        "signed_at": facts.signed_at,
        "document_sha256": facts.document_sha256,
        "signatures": [
            {"party": s.party, "signer_name": s.signer_name, "signed_at": s.signed_at}
            for s in sorted(sigset.signatures.values(), key=lambda s: s.signed_at)
        ],
    }
