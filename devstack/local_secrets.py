"""The template's Secrets Manager secrets, created in moto with a random value as CloudFormation's
GenerateSecretString would: the value is never printed, written to .local/ or put into an environment variable."""

from __future__ import annotations

import secrets
import string
from typing import Any


def generate(spec: dict[str, Any]) -> str:
    """A random string honouring the GenerateSecretString options the template uses (length, no punctuation)."""
    length = int(spec.get("PasswordLength", 32))
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def create_secret(client: Any, props: dict[str, Any]) -> dict[str, str]:
    """Creates the secret `props` describes; returns its name and ARN."""
    value = generate(props.get("GenerateSecretString", {}))
    reply = client.create_secret(Name=props["Name"], Description=props.get("Description", ""), SecretString=value)
    return {"name": props["Name"], "arn": reply["ARN"]}
