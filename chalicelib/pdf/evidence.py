"""What the certificate page (签署证书) of a signed original states, gathered from the contract and its audit
chain: each signer's evidence, the frozen document's SHA-256, the chain's head once the last party signed, and
the verification URL its QR code opens. Pure data: no fpdf2 here."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from chalicelib.domain.audit import AuditEntry
from chalicelib.domain.calendar import SHANGHAI, instant
from chalicelib.domain.contract import Contract
from chalicelib.domain.signing import PARTIES, PARTY_LABELS, Signature

VERIFICATION_LABELS = {
    "email_code": "电子邮件一次性验证码 / one-time code by email",
    "sms_code": "短信一次性验证码 / one-time code by SMS",
    "none": "签署链接（未要求验证码）/ signing link, no code required",
    "link": "本人专属签署链接 / the signer's own emailed link",
}
_BY_EMAIL_AND_SMS = "电子邮件及短信一次性验证码 / one-time code by email and SMS"


def verification_label(verification: str, destination: str | None) -> str:
    """How the signer was verified, as the certificate states it, with where the code went (masked). A code sent
    to the email and the mobile both (`destination` "z***@example.com, +86138****8000") is labelled so."""
    label = VERIFICATION_LABELS.get(verification, verification)
    if verification == "email_code" and destination and ", " in destination:
        label = _BY_EMAIL_AND_SMS
    return f"{label}（{destination}）" if destination else label


@dataclass(frozen=True)
class SignerEvidence:
    party: str  # client | vendor
    party_label: str  # 甲方 | 乙方
    party_name: str  # the party's legal name
    signer_name: str
    signer_email: str
    verification: str  # email_code | none | link (a signature recorded before one-time codes existed)
    ip_address: str
    user_agent: str
    signed_at: str  # UTC, as recorded
    signed_at_local: str  # e.g. 2026-11-22 09:00:00 Asia/Shanghai (UTC+08:00)
    consent_version: str
    consent_sha256: str
    verified_destination: str | None = None  # where the code went, masked (None: no code)


@dataclass(frozen=True)
class CertificateEvidence:
    contract_no: str
    part: str  # contract | amendment:N
    title: str
    document_sha256: str
    audit_head: str  # the hash of the audit entry that recorded the last signature
    audit_seq: int
    signers: tuple[SignerEvidence, ...]
    completed_at: str  # the last signature's time (UTC): the original's own date
    effective_date: str | None
    verify_url: str


def verify_url(base_url: str, contract_no: str, part: str) -> str:
    """`<base>/verify?c=<contract_no>&p=<part>`: the page the certificate's QR code opens."""
    return f"{base_url.rstrip('/')}/verify?c={quote(contract_no, safe='')}&p={quote(part, safe='')}"


def shanghai_time(iso: str) -> str:
    moment = instant(iso).astimezone(SHANGHAI)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + " Asia/Shanghai (UTC+08:00)"


def part_title(contract: Contract, part: str) -> str:
    from chalicelib.services.documents import TITLES

    title = TITLES.get(contract.template, "合同")
    if part == "contract":
        return f"《{title}》"
    return f"《{title}》补充协议（第{part.split(':', 1)[1]}号）"


def _signer(contract: Contract, sig: Signature) -> SignerEvidence:
    return SignerEvidence(
        party=sig.party,
        party_label=PARTY_LABELS.get(sig.party, sig.party),
        party_name=contract.party(sig.party).name,
        signer_name=sig.signer_name,
        signer_email=sig.signer_email,
        verification=str(getattr(sig, "verification", None) or "link"),
        ip_address=sig.ip_address,
        user_agent=sig.user_agent,
        signed_at=sig.signed_at,
        signed_at_local=shanghai_time(sig.signed_at),
        consent_version=sig.consent_version,
        consent_sha256=sig.consent_sha256,
        verified_destination=sig.verified_destination,
    )


def certificate_evidence(contract: Contract, part: str, audit: list[AuditEntry], verify_at: str) -> CertificateEvidence:
    """The certificate of `part` (contract or amendment:N) once both parties signed it; `verify_at` is the URL its
    QR code opens (`verify_url(base, contract_no, part)`). The chain head is the entry recording the last
    signature, so the certificate reads the same however much later it is made."""
    sigset = contract.signature_set(part)
    if not sigset.complete:
        raise ValueError(f"{part} of {contract.contract_no} is not signed by both parties")
    signers = tuple(_signer(contract, sigset.signatures[p]) for p in PARTIES)
    recorded = [e for e in audit if e.type == "SignatureRecorded" and str(e.data.get("subject", "contract")) == part]
    head = recorded[-1] if recorded else None
    effective = contract.effective_date if part == "contract" else contract.amendment(int(part[10:])).effective_date
    return CertificateEvidence(
        contract_no=contract.contract_no,
        part=part,
        title=part_title(contract, part),
        document_sha256=sigset.document_sha256,
        audit_head=head.hash if head else contract.audit_head,
        audit_seq=head.seq if head else contract.audit_seq,
        signers=signers,
        completed_at=max(s.signed_at for s in signers),
        effective_date=None if effective is None else effective.isoformat(),
        verify_url=verify_at,
    )
