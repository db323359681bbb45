"""The platform seal's provisioning step: issue the seal certificate for the stage's KMS sealing key and
publish it with the trust root in SSM Parameter Store, where the functions read them.

    python -m infra.seal --stage dev [--ca-dir ~/.hetong-ca/dev] [--tsa-root tsa-root.pem]

Run once after the first deploy (the template creates the key, `SealKey`), and again to renew the certificate.
The CA's private key is made on first run in --ca-dir on the machine running this, and never leaves it:
keep that directory offline. KMS keeps the sealing key; only its public key is read here. `make run` does the
same against moto with a CA under .local/seal (devstack/seal.py)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from chalicelib.pdf_seal.certs import Authority, create_authority, der_to_pem, issue_seal_certificate


def parameters_path(stage: str) -> str:
    return f"/hetong/{stage}/seal"


def load_or_create_authority(ca_dir: Path, stage: str) -> Authority:
    """The stage's CA from `ca_dir` (ca-key.pem, ca.pem), created there on first use (key file mode 0600)."""
    key_file, cert_file = ca_dir / "ca-key.pem", ca_dir / "ca.pem"
    if key_file.exists() and cert_file.exists():
        return Authority.load(key_file.read_bytes(), cert_file.read_bytes())
    ca = create_authority(stage)
    ca_dir.mkdir(parents=True, exist_ok=True)
    key_file.touch(mode=0o600)
    key_file.write_bytes(ca.key_pem())
    cert_file.write_bytes(ca.certificate_pem())
    return ca


def publish_seal(
    kms: Any, ssm: Any, *, key_id: str, stage: str, ca: Authority, extra_roots: tuple[bytes, ...] = ()
) -> dict[str, str]:
    """Issues the seal certificate for `key_id`'s public key and writes `<path>/certificate` and
    `<path>/trust-root` (the CA, then `extra_roots` PEM: timestamp authorities' roots). Returns what the
    functions' environment names: HETONG_SEAL_KEY_ID and HETONG_SEAL_PARAMETERS."""
    public_key = kms.get_public_key(KeyId=key_id)["PublicKey"]
    certificate = der_to_pem(issue_seal_certificate(ca, public_key, stage))
    path = parameters_path(stage)
    roots = ca.certificate_pem() + b"".join(extra_roots)
    for name, value in (("certificate", certificate), ("trust-root", roots)):
        ssm.put_parameter(
            Name=f"{path}/{name}",
            Value=value.decode("ascii"),
            Type="String",
            Tier="Advanced" if len(value) > 4096 else "Standard",
            Overwrite=True,
            Description=f"Hetong {stage} platform seal: {name} (public, PEM)",
        )
    return {"HETONG_SEAL_KEY_ID": key_id, "HETONG_SEAL_PARAMETERS": path}


def _stack_output(cloudformation: Any, stack: str, name: str) -> str:
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    for output in outputs:
        if output["OutputKey"] == name:
            return str(output["OutputValue"])
    raise SystemExit(f"stack {stack} has no output {name}: deploy the template first")


def main(argv: list[str]) -> int:
    import boto3

    parser = argparse.ArgumentParser(prog="python -m infra.seal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--stack", help="default hetong-STAGE")
    parser.add_argument("--ca-dir", help="default ~/.hetong-ca/STAGE (keep it offline)")
    parser.add_argument("--tsa-root", action="append", default=[], help="PEM of a TSA's root to trust (repeat)")
    args = parser.parse_args(argv)
    stack = args.stack or f"hetong-{args.stage}"
    ca_dir = Path(args.ca_dir or os.path.expanduser(f"~/.hetong-ca/{args.stage}"))
    key_id = _stack_output(boto3.client("cloudformation"), stack, "SealKeyArn")
    ca = load_or_create_authority(ca_dir, args.stage)
    extra = tuple(Path(p).read_bytes() for p in args.tsa_root)
    env = publish_seal(
        boto3.client("kms"), boto3.client("ssm"), key_id=key_id, stage=args.stage, ca=ca, extra_roots=extra
    )
    print(f"seal certificate issued for {key_id}; published under {env['HETONG_SEAL_PARAMETERS']}")
    print(f"trust root (give it to anyone who checks originals offline): {ca_dir / 'ca.pem'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
