"""The platform CA and the certificates it issues: the seal certificate for the sealing key's public key (the
key itself stays in KMS) and, for local stacks and tests, a timestamp authority's. Used by `make run`
(devstack/seal.py) and by the provisioning step `python -m infra.seal`; never by a request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_YEARS = 20
SEAL_YEARS = 10


@dataclass(frozen=True)
class Authority:
    """A CA: its key (only where certificates are issued) and its certificate (the public trust root)."""

    key: CertificateIssuerPrivateKeyTypes
    certificate: x509.Certificate

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @classmethod
    def load(cls, key_pem: bytes, certificate_pem: bytes) -> Authority:
        key = serialization.load_pem_private_key(key_pem, password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return cls(key, x509.load_pem_x509_certificate(certificate_pem))


def _name(common_name: str, stage: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Hetong"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, stage),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def create_authority(stage: str) -> Authority:
    """A new self-signed platform CA (RSA 3072, 20 years)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = _name(f"Hetong Platform CA ({stage})", stage)
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(key, certificate)


def _usage(*, cert_sign: bool = False, signing: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _issue(
    ca: Authority, public_key: CertificatePublicKeyTypes, name: x509.Name, years: int
) -> x509.CertificateBuilder:
    now = _now()
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=365 * years), ca.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )


def issue_seal_certificate(ca: Authority, public_key_der: bytes, stage: str) -> bytes:
    """The seal certificate (DER) for the sealing key whose SubjectPublicKeyInfo is `public_key_der` (what
    kms:GetPublicKey returns): digital signature and non-repudiation, 10 years within the CA's life."""
    public_key = serialization.load_der_public_key(public_key_der)
    if not isinstance(public_key, rsa.RSAPublicKey):  # the sealer signs RSA PKCS#1 v1.5 (KMS RSA_2048)
        raise ValueError("the sealing key must be an RSA key")
    name = _name(f"Hetong Platform Seal ({stage})", stage)
    builder = _issue(ca, public_key, name, SEAL_YEARS).add_extension(_usage(signing=True), critical=True)
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def issue_tsa_certificate(ca: Authority, stage: str) -> tuple[rsa.RSAPrivateKey, bytes]:
    """A timestamp authority's key and certificate (DER) under the platform CA: for the local stack's TSA and
    tests only (in AWS, HETONG_TSA_URL names a real one)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name(f"Hetong Local Timestamp Authority ({stage})", stage)
    builder = (
        _issue(ca, key.public_key(), name, SEAL_YEARS)
        .add_extension(_usage(signing=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    )
    return key, builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def pem_to_der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def der_to_pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
