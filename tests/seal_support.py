"""Test helpers for the platform seal: a CA made once per process, a sealing key held in memory (the same
SealKey interface KMS serves in AWS), small PDFs from fpdf2, and a local RFC 3161 timestamp authority over
HTTP on 127.0.0.1 (pyhanko's DummyTimeStamper answers the requests), so nothing reaches the internet."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from chalicelib.pdf_seal.certs import Authority, create_authority, issue_seal_certificate, issue_tsa_certificate
from chalicelib.pdf_seal.model import SealedFacts

_AUTHORITIES: dict[str, Authority] = {}


def authority(stage: str = "test") -> Authority:
    if stage not in _AUTHORITIES:
        _AUTHORITIES[stage] = create_authority(stage)
    return _AUTHORITIES[stage]


@dataclass
class LocalSealKey:
    """A sealing key in memory with its certificate from `ca` (tests only; AWS keeps the key in KMS)."""

    private_key: rsa.RSAPrivateKey
    cert_der: bytes
    ca_der: bytes

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def certificate(self) -> bytes:
        return self.cert_der

    def chain(self) -> list[bytes]:
        return [self.ca_der]


_KEYS: dict[str, LocalSealKey] = {}


def seal_key(stage: str = "test") -> LocalSealKey:
    if stage in _KEYS:
        return _KEYS[stage]
    ca = authority(stage)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    _KEYS[stage] = LocalSealKey(key, issue_seal_certificate(ca, spki, stage), trust_root(stage))
    return _KEYS[stage]


def trust_root(stage: str = "test") -> bytes:
    return authority(stage).certificate.public_bytes(serialization.Encoding.DER)


def small_pdf(lines: tuple[str, ...] = ("Contract HT-2026-0001", "Page 1"), pages: int = 2) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(False)  # the text stays findable, so a test can change one byte of it
    pdf.set_font("helvetica", size=12)
    for page in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 10, f"{line} ({page + 1})", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def facts(contract_no: str = "HT-2026-0001", part: str = "contract", version: int = 1) -> SealedFacts:
    return SealedFacts(contract_no, part, version, "ab" * 32, "2026-12-01T08:00:00Z")


@lru_cache(maxsize=1)
def dummy_timestamper() -> object:
    from asn1crypto import keys, x509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key, cert_der = issue_tsa_certificate(authority("test"), "test")
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DummyTimeStamper(tsa_cert=x509.Certificate.load(cert_der), tsa_key=keys.PrivateKeyInfo.load(key_der))


@contextmanager
def local_tsa() -> Iterator[str]:
    """An RFC 3161 timestamp authority at http://127.0.0.1:<port>/ for as long as the block runs."""
    from asn1crypto import tsp

    stamper = dummy_timestamper()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            reply = asyncio.run(stamper.async_request_tsa_response(request)).dump()  # type: ignore[attr-defined]
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class LocalSealSource:
    """A SealSource over a LocalSealKey: the unit tests' stand-in for KMS and SSM."""

    seal: LocalSealKey
    roots: list[bytes]
    tsa_url: str | None = None

    def key(self) -> LocalSealKey:
        return self.seal

    def trust_roots(self) -> list[bytes]:
        return list(self.roots)


def local_source(stage: str = "test") -> LocalSealSource:
    return LocalSealSource(seal_key(stage), [trust_root(stage)])
