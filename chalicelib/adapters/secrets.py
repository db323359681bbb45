"""Secrets read from AWS Secrets Manager: the signing-link secret. Its value is never in an environment variable,
a template parameter or a command line; the environment names the secret (HETONG_LINK_SECRET_ID), and the value
is read on first use and kept for the life of the container (one GetSecretValue per cold start)."""

from __future__ import annotations

import threading

from chalicelib.domain.errors import Unavailable
from chalicelib.settings import Settings, SettingsError

MIN_SECRET_CHARS = 32


class SecretsManagerSecret:
    """A callable returning the secret string `secret_id` names, fetched lazily and cached."""

    def __init__(self, settings: Settings, secret_id: str | None, what: str = "link secret") -> None:
        self._settings = settings
        self._secret_id = secret_id
        self._what = what
        self._value: str | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._fetch()
        return self._value

    def _fetch(self) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        from chalicelib.adapters.aws import client

        if not self._secret_id:
            # Only the functions that mint or build signing links are given the secret's id (and may read it).
            raise SettingsError(f"HETONG_LINK_SECRET_ID is not set: this function has no access to the {self._what}")
        try:
            reply = client("secretsmanager", self._settings).get_secret_value(SecretId=self._secret_id)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("ThrottlingException", "InternalServiceError", "RequestLimitExceeded"):
                raise Unavailable(f"the {self._what} is briefly unavailable ({code}); retry") from None
            raise SettingsError(f"cannot read the {self._what} {self._secret_id!r}: {code}") from None
        except BotoCoreError as exc:
            raise Unavailable(f"the {self._what} is briefly unavailable ({type(exc).__name__}); retry") from None
        value = str(reply.get("SecretString") or "")
        if len(value) < MIN_SECRET_CHARS:
            raise SettingsError(f"the {self._what} {self._secret_id!r} must be at least {MIN_SECRET_CHARS} characters")
        return value
