"""Schemathesis against /openapi.json on the local stack: no 5xx, every response matches the schema."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.factories import contract_body

pytestmark = pytest.mark.e2e
MAX_EXAMPLES = int(os.environ.get("HETONG_FUZZ_EXAMPLES", "10"))


def test_schemathesis_finds_no_server_error_or_schema_violation(stack: Any, tmp_path: Path) -> None:
    # A real contract to aim the path parameters at, so operations get past 404 into their logic
    status, created, _ = stack.request("POST", "/contracts", contract_body())
    assert status == 201
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\ncontract_id = "{created["id"]}"\n', encoding="utf-8")
    cli = Path(sys.executable).with_name("schemathesis")
    for role in ("operator", "finance"):
        result = subprocess.run(
            [
                str(cli),
                "--config-file",
                str(config),
                "run",
                f"{stack.api}/openapi.json",
                "-H",
                f"Authorization: Bearer {stack.keys[role]}",
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--max-examples",
                str(MAX_EXAMPLES),
                "--seed",
                "20261122",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        summary = "\n".join(result.stdout.splitlines()[-80:])
        assert result.returncode == 0, summary
