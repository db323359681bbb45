"""The seal's own bytes. A PDF signature's digest covers every byte of the file except the signature itself
(/Contents); the signature covers only its signed attributes. So a changed byte in the rest of the CMS (a
version number, an algorithm alias, a padding digit, an embedded certificate copy) would still validate. The
check here closes that gap for the platform's seal: the CMS must be exactly what our sealer writes, rebuilt
from the parts the signature protects, in the exact hex the sealer wrote."""

from __future__ import annotations

from typing import Any


def signature_bytes_canonical(pdf: bytes, byte_range: list[int], trust_roots: list[bytes]) -> bool:
    """True when the hole of `byte_range` holds `<` + the CMS in upper-case hex + `0` padding + `>` and the
    CMS is exactly the platform sealer's shape around its covered parts."""
    from asn1crypto import cms

    start, hole_start, hole_end, _ = byte_range
    hole = pdf[hole_start:hole_end]
    if start != 0 or len(hole) < 2 or hole[:1] != b"<" or hole[-1:] != b">":
        return False
    digits = hole[1:-1]
    try:
        decoded = bytes.fromhex(digits.decode("ascii"))
        info = cms.ContentInfo.load(decoded, strict=False)
        der = info.dump()
        expected = _rebuilt(info, trust_roots)
    except (ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError):
        return False
    if expected != der:
        return False
    hex_der = der.hex().upper().encode("ascii")
    return bool(digits == hex_der + b"0" * (len(digits) - len(hex_der)))


def _algorithm(name: str) -> dict[str, Any]:
    from asn1crypto import core

    return {"algorithm": name, "parameters": core.Null()}  # written with explicit NULL parameters


def _rebuilt(info: Any, trust_roots: list[bytes]) -> bytes:
    """The ContentInfo our sealer writes, from `info`'s covered parts: its signer certificate (hashed into the
    signed signing-certificate-v2 attribute), signed attributes, signature and timestamp token."""
    from asn1crypto import cms

    signed = info["content"]
    [signer] = list(signed["signer_infos"])
    [certificate] = list(signed["certificates"])
    unsigned = signer["unsigned_attrs"]
    fields: dict[str, Any] = {
        "version": "v1",
        "sid": cms.SignerIdentifier(
            name="issuer_and_serial_number",
            value={"issuer": certificate.chosen.issuer, "serial_number": certificate.chosen.serial_number},
        ),
        "digest_algorithm": _algorithm("sha256"),
        "signed_attrs": signer["signed_attrs"],
        "signature_algorithm": _algorithm("sha256_rsa"),
        "signature": signer["signature"],
    }
    if unsigned.native is not None:
        if not _timestamp_only(unsigned, trust_roots):
            raise ValueError("unexpected unsigned attributes")
        fields["unsigned_attrs"] = unsigned
    rebuilt = cms.ContentInfo(
        {
            "content_type": "signed_data",
            "content": cms.SignedData(
                {
                    "version": "v1",
                    "digest_algorithms": [_algorithm("sha256")],
                    "encap_content_info": {"content_type": "data"},
                    "certificates": [certificate],
                    "signer_infos": [fields],
                }
            ),
        }
    )
    return bytes(rebuilt.dump())


def _timestamp_only(unsigned: Any, trust_roots: list[bytes]) -> bool:
    """One RFC 3161 token whose envelope follows CMS's own rules (RFC 5652 5.1: version 3 for TSTInfo content,
    digest algorithms = its signer's) and embeds only its signer's certificate or certificates we trust."""
    [attribute] = list(unsigned)
    if attribute["type"].native != "signature_time_stamp_token" or len(attribute["values"]) != 1:
        return False
    token = attribute["values"][0]["content"]
    [signer] = list(token["signer_infos"])
    if token["version"].native != "v3" or token["crls"].native is not None:
        return False
    if [a.dump() for a in token["digest_algorithms"]] != [signer["digest_algorithm"].dump()]:
        return False
    known = set(trust_roots)
    sid = signer["sid"].chosen
    certificates = [c.chosen for c in token["certificates"]] if token["certificates"].native else []
    for cert in certificates:
        is_signer = sid.native == {"issuer": cert.issuer.native, "serial_number": cert.serial_number} or (
            signer["sid"].name == "subject_key_identifier" and cert.key_identifier == sid.native
        )
        if not is_signer and cert.dump() not in known:
            return False
    return True
