"""The README's tables are not copied by hand: the benchmark table is what bench/results.json gives, and every
test the reliability table names exists (so a renamed or deleted test cannot leave a claim behind)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bench import readme

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def reliability_rows() -> list[str]:
    section = README.split("\n## Reliability\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    return [row for row in rows if not row.startswith("| what |")]  # without the tables' headers


def test_the_benchmark_table_is_what_results_json_gives() -> None:
    # Given bench/results.json as `make bench` left it, the README shows exactly its summary table
    assert readme.current(README) == readme.section(readme.load_results()), "run `python -m bench.readme`"


def test_every_reliability_row_names_tests_that_exist() -> None:
    rows = reliability_rows()
    assert len(rows) >= 10
    for row in rows:
        refs = TEST_REF.findall(row.rsplit("|", 2)[1])
        assert refs, f"this row of the reliability table names no test: {row[:80]}"
        for path, name in refs:
            module = ast.parse((ROOT / path).read_text(encoding="utf-8"))
            defined = {n.name for n in module.body if isinstance(n, ast.FunctionDef | ast.ClassDef)} | {
                t.id for n in module.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
            }
            assert name in defined and name.lower().startswith("test"), f"{path}::{name} is not a test there"
