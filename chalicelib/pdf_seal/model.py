"""What a seal states and what a check of it finds, and the key that makes one (no pyhanko here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# Names of the entries the seal's revision adds to the document catalog (/HetongOriginal); the signature
# covers them, so they are as trustworthy as the seal itself.
CATALOG_KEY = "/HetongOriginal"
FIELD_NAME = "HetongSeal"


class SealKey(Protocol):
    """The platform's sealing key: it signs (SHA-256 with RSA PKCS#1 v1.5) and names its certificate.
    The private key never leaves where it lives (KMS in AWS)."""

    def sign(self, message: bytes) -> bytes: ...

    def certificate(self) -> bytes: ...  # DER of the seal certificate

    def chain(self) -> list[bytes]: ...  # DER of the issuing certificates, up to the platform CA


class SealSource(Protocol):
    """Where a stage's seal lives: its key (KMS in AWS, moto locally), its trust roots (the platform CA first,
    then timestamp authorities' roots) and the timestamp authority to ask (None: B-B only)."""

    def key(self) -> SealKey: ...

    def trust_roots(self) -> list[bytes]: ...

    @property
    def tsa_url(self) -> str | None: ...


@dataclass(frozen=True)
class SealedFacts:
    """What the seal records about the document it covers (all strings, as written into the PDF)."""

    contract_no: str
    part: str  # contract | amendment:N
    version: int  # the terms version the document establishes (the contract: 1)
    document_sha256: str  # the frozen document's fingerprint (DESIGN: frozen at send time)
    signed_at: str  # when the last party signed (ISO 8601 UTC)


@dataclass
class SealReport:
    """What a check found. `facts` is what the file claims (None when unreadable); it is only true when
    `problems` is empty."""

    facts: SealedFacts | None = None
    sealed_at: str | None = None
    timestamp: str | None = None  # the RFC 3161 time when the seal carries a timestamp (B-T)
    signer: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems
