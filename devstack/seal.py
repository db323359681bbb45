"""The local platform seal: a CA kept under .local/seal (made on the first `make run`, reused after, so originals
sealed yesterday still check), the sealing key devstack.resources created in moto's KMS from the template's
`SealKey`, and its certificate published in moto's SSM by the same step the deploy runs (infra/seal.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from chalicelib.pdf_seal.certs import Authority
from infra.seal import load_or_create_authority, publish_seal


def provision_seal(
    endpoint: str | None, region: str, stage: str, ca: Authority | Path, created: dict[str, Any]
) -> dict[str, str]:
    """Issues the certificate of the `SealKey` in `created` (what create_resources made) and publishes it;
    returns the environment naming them. `ca`: an authority, or the directory holding (or to hold) the CA."""
    kw: dict[str, Any] = {"endpoint_url": endpoint, "region_name": region}
    kms, ssm = boto3.client("kms", **kw), boto3.client("ssm", **kw)
    authority = ca if isinstance(ca, Authority) else load_or_create_authority(ca, stage)
    key_id = str(created["keys"]["SealKey"]["arn"])
    return publish_seal(kms, ssm, key_id=key_id, stage=stage, ca=authority)
