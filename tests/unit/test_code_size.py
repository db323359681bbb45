"""The size gate of issue 15, kept: no module under chalicelib/ over ~400 lines and no function in chalicelib/,
app.py or functions/ over ~60 lines (complexity is ruff's C901, in pyproject.toml). A data table may be longer:
name it in TABLES."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# Modules over the limit for now, each with why.
LONG_MODULES: dict[str, str] = {}
# Functions that are data tables (path:name).
TABLES: set[str] = set()


def sources() -> list[Path]:
    return [*sorted((ROOT / "chalicelib").rglob("*.py")), ROOT / "app.py", *sorted((ROOT / "functions").rglob("*.py"))]


def test_no_module_under_chalicelib_is_over_the_limit() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in sorted((ROOT / "chalicelib").rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert set(long) <= set(LONG_MODULES), f"over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_is_over_the_limit() -> None:
    long = []
    for path in sources():
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and f"{rel}:{node.name}" not in TABLES:
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{rel}:{node.name} ({lines} lines)")
    assert not long, f"over {MAX_FUNCTION_LINES} lines: {long}"
