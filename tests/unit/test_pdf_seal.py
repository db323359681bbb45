"""The platform seal on its own: pyhanko validates a sealed PDF against the local trust root (B-B, and B-T
with a local timestamp authority); every kind of tampering, and every kind of garbage, gives a named problem
and never an exception."""

from __future__ import annotations

import io
import os

import pytest

from chalicelib.pdf_seal.model import SealReport
from chalicelib.pdf_seal.seal import SealFailed, seal_pdf
from chalicelib.pdf_seal.verify import check_seal, looks_like_pdf
from tests.seal_support import dummy_timestamper, facts, seal_key, small_pdf, trust_root


def _validate(pdf: bytes) -> object:
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf))
    [sig] = reader.embedded_signatures
    context = ValidationContext(trust_roots=[x509.Certificate.load(trust_root())], allow_fetching=False)
    return validate_pdf_signature(sig, signer_validation_context=context)


@pytest.fixture(scope="module")
def sealed() -> bytes:
    return seal_pdf(small_pdf(), facts(), seal_key())


def check(pdf: bytes) -> SealReport:
    return check_seal(pdf, [trust_root()])


def test_a_sealed_pdf_validates_in_pyhanko_against_the_platform_root_b_b(sealed: bytes) -> None:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    status: object = _validate(sealed)
    assert status.intact and status.valid and status.trusted  # type: ignore[attr-defined]
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE  # type: ignore[attr-defined]
    assert status.docmdp_ok is not False  # type: ignore[attr-defined]
    assert status.timestamp_validity is None  # type: ignore[attr-defined]  # B-B: no timestamp
    assert "Hetong Platform Seal" in status.signing_cert.subject.human_friendly  # type: ignore[attr-defined]


def test_the_check_reads_back_what_the_seal_records(sealed: bytes) -> None:
    report = check(sealed)
    assert report.problems == []
    assert report.facts == facts()
    assert report.sealed_at is not None and report.timestamp is None


def test_with_a_timestamp_authority_the_seal_is_b_t() -> None:
    pdf = seal_pdf(small_pdf(), facts(), seal_key(), timestamper=dummy_timestamper())
    status: object = _validate(pdf)
    ts = status.timestamp_validity  # type: ignore[attr-defined]
    assert ts is not None and ts.intact and ts.valid
    report = check(pdf)
    assert report.problems == [] and report.timestamp is not None


def _flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x01
    return bytes(out)


def test_a_byte_changed_in_the_document_is_caught(sealed: bytes) -> None:
    # Given a byte of the first page's text changed (outside the signature's own bytes)
    at = sealed.index(b"Contract HT-2026-0001") + 3
    report = check(_flip(sealed, at))
    assert not report.intact
    assert any("changed after sealing" in p for p in report.problems), report.problems


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5, 0.7, 0.95])
def test_one_byte_changed_anywhere_is_never_genuine(sealed: bytes, fraction: float) -> None:
    report = check(_flip(sealed, int(len(sealed) * fraction)))
    assert report.problems, fraction


def test_an_incremental_update_after_the_seal_is_caught(sealed: bytes) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    # Given someone appends a revision replacing the last page's content (the certificate page's place)
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    page = writer.root["/Pages"]["/Kids"][-1].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 720 Td (Signed by nobody) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = check(out.getvalue())
    assert not report.intact
    assert any("incremental update" in p for p in report.problems), report.problems
    assert report.facts == facts()  # it still says what it claims to be


def test_bytes_appended_after_the_end_are_caught(sealed: bytes) -> None:
    report = check(sealed + b"\n% a note\n")
    assert any("after the sealed revision" in p for p in report.problems), report.problems
    assert check(sealed + b"\n%%EOF\n").problems


def test_a_pdf_sealed_with_another_key_is_not_ours() -> None:
    foreign = seal_pdf(small_pdf(), facts(), seal_key("elsewhere"))
    report = check(foreign)
    assert any("not made with Hetong's sealing key" in p for p in report.problems), report.problems


def test_a_pdf_without_a_seal() -> None:
    assert check(small_pdf()).problems == ["the file carries no Hetong seal"]


@pytest.mark.parametrize(
    "garbage",
    [
        b"%PDF-1.7\n",
        b"%PDF-1.4\n" + os.urandom(2000),
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        os.urandom(5000),
        b"",
    ],
)
def test_garbage_is_a_finding_not_an_error(garbage: bytes) -> None:
    report = check(garbage)
    assert report.problems and report.facts is None


def test_a_truncated_original_is_a_finding(sealed: bytes) -> None:
    for cut in (len(sealed) // 3, len(sealed) - 40):
        assert check(sealed[:cut]).problems


def test_sealing_a_non_pdf_fails_loudly() -> None:
    with pytest.raises(SealFailed):
        seal_pdf(b"not a pdf at all", facts(), seal_key())


def test_looks_like_pdf() -> None:
    assert looks_like_pdf(b"%PDF-1.7\n...")
    assert not looks_like_pdf(b"GIF89a")


@pytest.mark.parametrize("mask", [0x01, 0x20])
def test_no_single_byte_change_across_the_file_goes_unnoticed(mask: int) -> None:
    # The B-T seal: its timestamp token is bytes no PDF digest covers, so it is included here.
    pdf = seal_pdf(small_pdf(), facts(), seal_key(), timestamper=dummy_timestamper())
    hole = range(pdf.index(b"/Contents <"), pdf.index(b">", pdf.index(b"/Contents <") + 11) + 1)
    places = sorted({*range(0, len(pdf), 257), *hole[::97], hole[-2], hole[-1]})
    missed = [at for at in places if not check(_flip_with(pdf, at, mask)).problems]
    assert missed == []


def _flip_with(data: bytes, at: int, mask: int) -> bytes:
    out = bytearray(data)
    out[at] ^= mask
    return bytes(out)


HOSTILE = [
    # nested 5,000 deep
    b"%PDF-1.7\n1 0 obj\n" + b"[" * 5000 + b"]" * 5000 + b"\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    # a reference loop and a stream claiming a huge length
    b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 1 0 R /AcroForm << /Fields [1 0 R] >> >> endobj\n"
    b"2 0 obj << /Length 99999999999 >> stream\nxx\nendstream endobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000100 00000 n \n"
    b"trailer << /Size 3 /Root 1 0 R >>\nstartxref\n150\n%%EOF\n",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_structures_are_findings(hostile: bytes) -> None:
    assert check(hostile).problems


def test_a_signature_field_named_like_ours_but_empty_is_a_finding(sealed: bytes) -> None:
    # The seal's /Contents emptied to zeros: the field is there, the signature is not
    start = sealed.index(b"/Contents <") + len(b"/Contents <")
    end = sealed.index(b">", start)
    blank = sealed[:start] + b"0" * (end - start) + sealed[end:]
    assert check(blank).problems


def test_sealing_the_same_original_twice_gives_the_same_bytes() -> None:
    import time

    pdf = small_pdf()
    first = seal_pdf(pdf, facts(), seal_key())
    time.sleep(1.05)  # PDF dates have one-second resolution: a clock anywhere in the output would show
    second = seal_pdf(pdf, facts(), seal_key())
    assert first == second
    assert check(first).sealed_at == "2026-12-01T08:00:00+00:00"  # the facts' signed_at
    # Another original (other facts) is another file, with another version ID
    assert seal_pdf(pdf, facts(version=2), seal_key()) != first
