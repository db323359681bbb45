"""Sealing: the facts go into the document catalog and the platform signs the whole file as a certifying
PAdES signature that permits no later change (DocMDP P=1); with a timestamp authority the signature carries an
RFC 3161 token (B-T)."""

from __future__ import annotations

import io
import urllib.request
from typing import Any

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


def seal_pdf(
    pdf: bytes, facts: SealedFacts, key: SealKey, *, tsa_url: str | None = None, timestamper: Any = None
) -> bytes:
    """`pdf` sealed by the platform, recording `facts`. B-T when `tsa_url` (or a pyhanko `timestamper`, for
    tests) is given. Raises SealFailed; never returns an unsealed file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    if timestamper is None and tsa_url:
        timestamper = _timestamper(tsa_url)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
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
        out = signers.sign_pdf(writer, meta, signer=_signer(key), timestamper=timestamper)
    except SealFailed:
        raise
    except (PdfError, ValueError, OSError) as exc:
        raise SealFailed(f"cannot seal the PDF: {exc}") from exc
    return bytes(out.getvalue())
