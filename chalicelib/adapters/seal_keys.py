"""The platform's sealing key in KMS (asymmetric RSA_2048, SIGN_VERIFY: the private key cannot leave KMS) and
its public certificates in SSM Parameter Store: `<HETONG_SEAL_PARAMETERS>/certificate` (the seal certificate,
PEM) and `<HETONG_SEAL_PARAMETERS>/trust-root` (the platform CA first, then any timestamp authority roots).
AWS errors become SealUnavailable (transient: the caller retries) or SealNotConfigured."""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.adapters.aws import client
from chalicelib.domain.errors import Unavailable
from chalicelib.settings import Settings

SIGNING_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"  # what pdf_seal's signer declares (sha256WithRSAEncryption)


class SealNotConfigured(RuntimeError):
    """The stage has no sealing key or certificates (HETONG_SEAL_KEY_ID / HETONG_SEAL_PARAMETERS unset, or
    the provisioning step `python -m infra.seal` has not run)."""


class SealUnavailable(Unavailable):
    """KMS or SSM failed in a way a retry may fix (throttling, a network error): a 503 at the API, a retried
    record at the notifier."""


def _pem_blocks(text: str) -> list[bytes]:
    from chalicelib.pdf_seal.certs import pem_to_der

    marker = "-----END CERTIFICATE-----"
    return [pem_to_der((block + marker).strip().encode()) for block in text.split(marker) if block.strip()]


class KmsSealSource:
    """The sealing key and trust roots of one stage. Certificates are read once per process."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._params: dict[str, list[bytes]] = {}

    def _parameter(self, name: str) -> list[bytes]:
        from botocore.exceptions import BotoCoreError, ClientError

        prefix = self._settings.seal_parameters
        if not prefix:
            raise SealNotConfigured("HETONG_SEAL_PARAMETERS is not set")
        with self._lock:
            if name not in self._params:
                try:
                    value = client("ssm", self._settings).get_parameter(Name=f"{prefix}/{name}")["Parameter"]["Value"]
                except ClientError as exc:
                    code = exc.response.get("Error", {}).get("Code", "")
                    if code == "ParameterNotFound":
                        raise SealNotConfigured(f"SSM parameter {prefix}/{name} does not exist") from exc
                    raise SealUnavailable(f"ssm {code}: {exc}") from exc
                except BotoCoreError as exc:
                    raise SealUnavailable(f"ssm: {exc}") from exc
                self._params[name] = _pem_blocks(str(value))
            return self._params[name]

    def trust_roots(self) -> list[bytes]:
        return self._parameter("trust-root")

    def key(self) -> KmsSealKey:
        if not self._settings.seal_key_id:
            raise SealNotConfigured("HETONG_SEAL_KEY_ID is not set")
        return KmsSealKey(self._settings, self._parameter("certificate")[0], self.trust_roots()[:1])

    @property
    def tsa_url(self) -> str | None:
        return self._settings.tsa_url


class KmsSealKey:
    def __init__(self, settings: Settings, certificate: bytes, chain: list[bytes]) -> None:
        self._settings = settings
        self._certificate = certificate
        self._chain = chain

    def sign(self, message: bytes) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        # RAW: KMS hashes the message itself (the signed attributes, far below its 4096-byte limit).
        try:
            response: Any = client("kms", self._settings).sign(
                KeyId=self._settings.seal_key_id,
                Message=message,
                MessageType="RAW",
                SigningAlgorithm=SIGNING_ALGORITHM,
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NotFoundException", "DisabledException", "KMSInvalidStateException", "AccessDeniedException"):
                raise SealNotConfigured(f"kms {code}: {exc}") from exc
            raise SealUnavailable(f"kms {code}: {exc}") from exc
        except BotoCoreError as exc:
            raise SealUnavailable(f"kms: {exc}") from exc
        return bytes(response["Signature"])

    def certificate(self) -> bytes:
        return self._certificate

    def chain(self) -> list[bytes]:
        return list(self._chain)
