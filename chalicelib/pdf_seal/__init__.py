"""The platform's seal on signed originals: a PAdES signature (pyhanko) made with the platform's sealing key,
B-B always and B-T when a timestamp authority is configured, over a PDF that records which contract, part and
version it is; and the check that a PDF is such an original, unaltered. pyhanko is imported only when a PDF is
sealed or checked, so importing this package costs nothing at a cold start."""

from chalicelib.pdf_seal.model import SealedFacts, SealKey, SealReport, SealSource

__all__ = ["SealKey", "SealReport", "SealSource", "SealedFacts"]
