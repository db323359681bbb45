"""Checking a seal: is this PDF sealed by the platform's key (certificate issued by the platform CA), is every
byte of the file covered by that seal, and what does it record. Any PDF, however broken, gets a report with its
problems named; nothing here raises on bad input."""

from __future__ import annotations

import io
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.pdf_seal.canonical import signature_bytes_canonical
from chalicelib.pdf_seal.model import CATALOG_KEY, FIELD_NAME, SealedFacts, SealReport

logger = logging.getLogger(__name__)
PDF_MAGIC = b"%PDF-"
# A genuine original is checked in well under a second. A hostile file can make the reader loop for hours (an xref
# stream declaring 2**31 entries of width 0 is 130 bytes), which in AWS would end as the API's 29-second timeout, a
# 5xx; past this budget the check stops and the file is reported as unreadable.
CHECK_SECONDS = 10.0


def looks_like_pdf(data: bytes) -> bool:
    """A PDF starts with %PDF- within its first 1024 bytes (ISO 32000-1 7.5.2, as readers allow)."""
    return PDF_MAGIC in data[:1024]


def check_seal(pdf: bytes, trust_roots: list[bytes]) -> SealReport:
    """What `pdf`'s platform seal says and everything wrong with it. `trust_roots` (DER): the platform CA
    first, the only root a seal may chain to; any others are trusted for timestamps only (a TSA's root)."""
    report = SealReport()
    try:
        with _deadline(CHECK_SECONDS):
            _check(pdf, trust_roots, report)
    except CheckTooLong:
        report.problems.append(
            f"the file cannot be read as a sealed PDF (its structure could not be checked in {CHECK_SECONDS:g} s; "
            "Hetong's originals are checked in under a second)"
        )
    except SealDamaged as exc:
        report.problems.append(str(exc)[:300])
    except Exception as exc:  # noqa: BLE001 - a hostile or broken file is a finding, never an error
        logger.info("seal check stopped: %s", exc)
        report.problems.append(f"the file cannot be read as a sealed PDF ({type(exc).__name__}: {exc})"[:300])
    return report


class CheckTooLong(BaseException):
    """The check ran past its budget (raised inside it by the timer; a BaseException, so that no `except
    Exception` in the PDF library swallows it and carries on)."""


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` of wall-clock time with CheckTooLong. A timer signal is the only way to
    stop a loop inside the PDF library; signals reach the main thread only, which is where Lambda (and the test
    client) run a request. Elsewhere (a threaded local server) the block runs unbounded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise CheckTooLong()

    previous: Callable[..., Any] | int | None = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


def _check(pdf: bytes, trust_roots: list[bytes], report: SealReport) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    seals = [s for s in reader.embedded_signatures if s.field_name == FIELD_NAME]
    if not seals:
        report.problems.append("the file carries no Hetong seal")
        return
    if len(reader.embedded_signatures) > 1:
        report.problems.append("the file carries signatures other than the Hetong seal")
    seal = seals[0]
    report.facts = _facts(reader.get_historical_root(seal.signed_revision))
    if report.facts is None:
        report.problems.append("the sealed revision does not record which contract it is")
    if not signature_bytes_canonical(pdf, [int(x) for x in seal.sig_object["/ByteRange"]], trust_roots):
        report.problems.append("the bytes holding the seal's signature were changed")
    _judge(_validate(seal, trust_roots), report)


def _validate(seal: Any, trust_roots: list[bytes]) -> Any:
    from asn1crypto import x509
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    roots = [x509.Certificate.load(der) for der in trust_roots]
    signer = ValidationContext(trust_roots=roots[:1], allow_fetching=False, revocation_mode="soft-fail")
    stamps = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        return validate_pdf_signature(seal, signer_validation_context=signer, ts_validation_context=stamps)
    except SignatureValidationError as exc:
        raise SealDamaged(str(exc)) from exc


class SealDamaged(Exception):
    def __str__(self) -> str:
        return f"the seal is damaged or was altered: {self.args[0]}"


def _judge(status: Any, report: SealReport) -> None:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    report.signer = status.signing_cert.subject.human_friendly
    if status.signer_reported_dt is not None:
        report.sealed_at = status.signer_reported_dt.isoformat()
    problems = report.problems
    if not status.intact:
        problems.append("the content was changed after sealing: it no longer matches the seal's digest")
    elif not status.valid:
        problems.append("the seal's signature does not verify")
    if not status.trusted:
        problems.append(f"the seal was not made with Hetong's sealing key (signer: {report.signer})")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append("bytes were added or changed after the sealed revision (e.g. an incremental update)")
    if status.docmdp_ok is False:
        problems.append("a later revision changes the document, which the seal does not permit")
    ts = status.timestamp_validity
    if ts is not None:
        report.timestamp = ts.timestamp.isoformat()
        if not (ts.intact and ts.valid):
            problems.append("the seal's timestamp does not verify")
        elif not ts.trusted:
            problems.append("the seal's timestamp is not from a trusted timestamp authority")


def _facts(root: Any) -> SealedFacts | None:
    try:
        entry = root.get(CATALOG_KEY)
        if entry is None:
            return None
        record = entry.get_object()
        return SealedFacts(
            contract_no=str(record["/ContractNo"]),
            part=str(record["/Part"]),
            version=int(record["/Version"]),
            document_sha256=str(record["/DocumentSHA256"]),
            signed_at=str(record["/SignedAt"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
