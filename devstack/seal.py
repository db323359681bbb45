"""The local platform seal: a CA kept under .local/seal (made on the first `make run`, reused after, so originals
sealed yesterday still check), a sealing key created in moto's KMS like the template's `SealKey`, and its
certificate published in moto's SSM by the same step the deploy runs (infra/seal.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from chalicelib.pdf_seal.certs import Authority
from infra.seal import load_or_create_authority, publish_seal

KEY_SPEC = "RSA_2048"  # as infra/template.yaml's SealKey


def create_seal_key(kms: Any, stage: str) -> str:
    meta = kms.create_key(
        KeySpec=KEY_SPEC, KeyUsage="SIGN_VERIFY", Description=f"Hetong {stage} platform seal (local)"
    )["KeyMetadata"]
    return str(meta["Arn"])


def provision_seal(endpoint: str | None, region: str, stage: str, ca: Authority | Path) -> dict[str, str]:
    """Creates the sealing key and publishes its certificate; returns the environment naming them. `ca`: an
    authority, or the directory holding (or to hold) the local CA."""
    kw: dict[str, Any] = {"endpoint_url": endpoint, "region_name": region}
    kms, ssm = boto3.client("kms", **kw), boto3.client("ssm", **kw)
    authority = ca if isinstance(ca, Authority) else load_or_create_authority(ca, stage)
    return publish_seal(kms, ssm, key_id=create_seal_key(kms, stage), stage=stage, ca=authority)
