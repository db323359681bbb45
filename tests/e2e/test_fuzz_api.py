"""Schemathesis against /openapi.json on the local stack: no 5xx, every response matches the schema."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.openapi import openapi_document
from tests.factories import contract_body

pytestmark = pytest.mark.e2e
MAX_EXAMPLES = int(os.environ.get("HETONG_FUZZ_EXAMPLES", "10"))


def finance_only() -> list[str]:
    """The operations only a finance key may call ("… (finance)" in their summary, as the API serves them): the
    operator's run meets them only as 403s, so the finance run fuzzes these and the operator's run the rest."""
    return [
        f"{method.upper()} {path}"
        for path, ops in openapi_document()["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and str(op.get("summary", "")).endswith("(finance)")
    ]


def role_filter(role: str, names: list[str]) -> list[str]:
    pattern = "^(" + "|".join(re.escape(name) for name in names) + ")$"
    return ["--include-name-regex" if role == "finance" else "--exclude-name-regex", pattern]


def test_schemathesis_finds_no_server_error_or_schema_violation(own_stack: Any, tmp_path: Path) -> None:
    stack = own_stack  # a stack of its own: see the fixture
    # A real contract to aim the path parameters at, so operations get past 404 into their logic
    status, created, _ = stack.request("POST", "/contracts", contract_body())
    assert status == 201
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\ncontract_id = "{created["id"]}"\n', encoding="utf-8")
    cli = Path(sys.executable).with_name("schemathesis")
    finance = finance_only()
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
                *role_filter(role, finance),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        summary = "\n".join(result.stdout.splitlines()[-80:])
        assert result.returncode == 0, summary
        # the filter chose what it should: the finance operations, or all the others
        found = re.search(r"Selected: (\d+)/(\d+)", result.stdout)
        assert found is not None, summary
        selected, total = int(found[1]), int(found[2])
        assert (selected if role == "finance" else total - selected) == len(finance), summary
