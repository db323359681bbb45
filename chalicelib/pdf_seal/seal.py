"""Sealing: the facts go into the document catalog and the platform signs the whole file as a certifying
PAdES signature that permits no later change (DocMDP P=1); with a timestamp authority the signature carries an
RFC 3161 token (B-T)."""

from __future__ import annotations

import hashlib
import io
import urllib.request
from datetime import datetime
from typing import Any

from chalicelib.domain.calendar import instant
from chalicelib.pdf_seal.model import CATALOG_KEY, FIELD_NAME, SealedFacts, SealKey

TSA_TIMEOUT_SECONDS = 10


class SealFailed(RuntimeError):
    """The PDF could not be sealed (not a PDF, the key refused, the timestamp authority failed)."""


def _signer(key: SealKey) -> Any:
    from asn1crypto import x509
    from pyhanko.sign.signers import Signer
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class KeySigner(Signer):  # type: ignore[misc]
        """pyhanko's signer over a SealKey: pyhanko builds the CMS, the key signs the signed attributes."""

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
            if digest_algorithm != "sha256":
                raise SealFailed(f"the seal signs SHA-256 only, not {digest_algorithm}")
            if dry_run:  # only the size matters: one RSA signature of the certificate's modulus
                cert: Any = self.signing_cert
                return bytes(cert.public_key.byte_size)
            return key.sign(data)

    return KeySigner(
        signing_cert=x509.Certificate.load(key.certificate()),
        cert_registry=SimpleCertificateStore(),
        embed_roots=False,  # the verifier holds the root; a copy in the file would be bytes no signature covers
    )


def _timestamper(tsa_url: str) -> Any:
    from asn1crypto import tsp
    from pyhanko.sign.timestamps import TimeStamper

    class UrlTimeStamper(TimeStamper):  # type: ignore[misc]
        """An RFC 3161 client over the standard library (no HTTP client package to import)."""

        async def async_request_tsa_response(self, req: Any) -> Any:
            request = urllib.request.Request(  # noqa: S310 - the configured TSA URL (http or https)
                tsa_url,
                data=req.dump(),
                headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=TSA_TIMEOUT_SECONDS) as reply:  # noqa: S310
                    body = reply.read()
            except OSError as exc:
                raise SealFailed(f"the timestamp authority at {tsa_url} did not answer: {exc}") from exc
            return tsp.TimeStampResp.load(body)

    return UrlTimeStamper()


def _record_facts(writer: Any, facts: SealedFacts) -> None:
    from pyhanko.pdf_utils import generic

    writer.root[generic.NameObject(CATALOG_KEY)] = generic.DictionaryObject(
        {
            generic.NameObject("/ContractNo"): generic.TextStringObject(facts.contract_no),
            generic.NameObject("/Part"): generic.TextStringObject(facts.part),
            generic.NameObject("/Version"): generic.NumberObject(facts.version),
            generic.NameObject("/DocumentSHA256"): generic.TextStringObject(facts.document_sha256),
            generic.NameObject("/SignedAt"): generic.TextStringObject(facts.signed_at),
        }
    )
    writer.update_root()


def _pdf_signer(meta: Any, signer: Any, timestamper: Any, at: datetime) -> Any:
    from pyhanko.sign.signers import PdfSigner

    class SealSigner(PdfSigner):  # type: ignore[misc]
        """Signs as of `at` (the signature dictionary's /M) instead of the clock: the same original sealed
        twice is the same bytes (RSA PKCS#1 v1.5 signatures are deterministic), unless a timestamp is asked."""

        def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = at
            return session

    return SealSigner(meta, signer=signer, timestamper=timestamper)


def _writer(pdf: bytes, at: datetime) -> Any:
    """pyhanko's incremental writer, with the document information's /ModDate (which it sets to the clock on
    every write) set to `at`, so the sealed bytes are a function of their input."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    class StableWriter(IncrementalPdfFileWriter):  # type: ignore[misc]
        def _update_meta(self) -> None:
            super()._update_meta()
            info = getattr(self, "_info", None)
            if info is not None and "/ModDate" in info.get_object():
                info.get_object()[generic.NameObject("/ModDate")] = generic.pdf_date(at)

    return StableWriter(io.BytesIO(pdf), strict=False)


def _stable_id(writer: Any, pdf: bytes, facts: SealedFacts) -> None:
    """The trailer /ID's second half names this version of the file (ISO 32000-1 14.4): pyhanko draws it at
    random; derived from what is sealed, it keeps the sealed bytes a function of their input."""
    from pyhanko.pdf_utils import generic

    current = getattr(writer, "_document_id", None)
    if current is None or len(current) != 2:
        return  # another pyhanko layout: the file stays valid, only not byte-stable (test_pdf_seal says so)
    digest = hashlib.sha256(pdf + repr(facts).encode()).digest()[:16]
    writer._document_id = generic.ArrayObject([current[0], generic.ByteStringObject(digest)])


def seal_pdf(
    pdf: bytes,
    facts: SealedFacts,
    key: SealKey,
    *,
    tsa_url: str | None = None,
    timestamper: Any = None,
    sealed_at: datetime | None = None,
) -> bytes:
    """`pdf` sealed by the platform, recording `facts`. B-T when `tsa_url` (or a pyhanko `timestamper`, for
    tests) is given. The seal's stated time is `sealed_at` (default: when the last party signed, so sealing
    the same original again gives the same bytes). Raises SealFailed; never returns an unsealed file."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    if timestamper is None and tsa_url:
        timestamper = _timestamper(tsa_url)
    try:
        at = sealed_at or instant(facts.signed_at)
        writer = _writer(pdf, at)
        _stable_id(writer, pdf, facts)
        _record_facts(writer, facts)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES,
            reason=f"Hetong signed original {facts.contract_no} {facts.part} v{facts.version}",
            location="Hetong",
        )
        out = _pdf_signer(meta, _signer(key), timestamper, at).sign_pdf(writer)
    except SealFailed:
        raise
    except (PdfError, ValueError, OSError) as exc:
        raise SealFailed(f"cannot seal the PDF: {exc}") from exc
    return bytes(out.getvalue())
