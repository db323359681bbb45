"""Figure 4: import time of the API module and each worker handler, as a ratio to `import boto3`.

Each module is imported in a fresh interpreter (`python -c`), timing only the import statement with
perf_counter; the modules take turns, round after round, so drift on a shared machine hits all alike, and the
median of the rounds is kept. Bytecode is compiled by a warm-up round first (Lambda's artifact ships without
.pyc, so a real cold start also compiles: the ratio here is for warm bytecode on both sides).
When a module is over target, one `python -X importtime` run says which top-level packages cost the most
(self time summed per top-level package).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("app", "functions.invoicing", "functions.overdue", "functions.lifecycle", "functions.notifier")
BASELINE = "boto3"
ROUNDS = 7
TARGET_RATIO = 1.5
# What each entry point imports lazily on its first invocation (for information: it is paid then, not at import).
FIRST_USE = {
    "app": ("chalicelib.adapters.dynamo",),
    "functions.invoicing": ("chalicelib.bootstrap", "chalicelib.adapters.dynamo", "chalicelib.services.billing"),
    "functions.overdue": ("chalicelib.bootstrap", "chalicelib.adapters.dynamo", "chalicelib.services.billing"),
    "functions.lifecycle": ("chalicelib.bootstrap", "chalicelib.adapters.dynamo", "chalicelib.services.lifecycle"),
    "functions.notifier": (
        "chalicelib.bootstrap",
        "chalicelib.adapters.aws",
        "boto3",
        "chalicelib.adapters.mail",
        "chalicelib.services.notifications",
        "jinja2",
        "aws_lambda_powertools.utilities.idempotency",
    ),
}

_TIMER = "import time as _t; _s = _t.perf_counter(); import {m}; print(_t.perf_counter() - _s)"


def _env() -> dict[str, str]:
    from bench.env import BENCH_ENV

    env = {**os.environ, **BENCH_ENV, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": ""}
    env.pop("PYTHONDONTWRITEBYTECODE")
    return env


def import_seconds(module: str, env: dict[str, str]) -> float:
    """Seconds to import `module` (several, comma-separated, in order) in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _TIMER.format(m=module)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1])


def importtime_top(module: str, env: dict[str, str], top: int = 6) -> list[dict[str, Any]]:
    """Self time per top-level package from one `-X importtime` run (microseconds → ms)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    per_package: dict[str, int] = {}
    total = 0
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        parts = line.split("|")
        if len(parts) != 3:
            continue
        self_us = int(parts[0].split(":")[1].strip())
        name = parts[2].strip()
        root = name.split(".")[0]
        per_package[root] = per_package.get(root, 0) + self_us
        total += self_us
    ranked = sorted(per_package.items(), key=lambda kv: -kv[1])[:top]
    return [{"package": k, "self_ms": v / 1000, "share": v / total if total else 0.0} for k, v in ranked]


def run(rounds: int = ROUNDS) -> dict[str, Any]:
    env = _env()
    first_use = {m: ", ".join((m, *FIRST_USE[m])) for m in MODULES}
    names = (BASELINE, *MODULES, *first_use.values())
    for name in names:  # warm-up: compile bytecode, fill the OS page cache
        import_seconds(name, env)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            samples[name].append(import_seconds(name, env))
    base = statistics.median(samples[BASELINE])
    results: dict[str, Any] = {}
    for name in MODULES:
        median = statistics.median(samples[name])
        ratio = median / base
        entry: dict[str, Any] = {
            "median_ms": median * 1000,
            "ratio_to_boto3": ratio,
            "samples_ms": [s * 1000 for s in samples[name]],
            "meets_target": ratio <= TARGET_RATIO,
            "with_first_invocation_imports_ms": statistics.median(samples[first_use[name]]) * 1000,
            "with_first_invocation_imports_ratio": statistics.median(samples[first_use[name]]) / base,
            "first_invocation_imports": list(FIRST_USE[name]),
        }
        if ratio > TARGET_RATIO:
            entry["importtime_top"] = importtime_top(name, env)
        results[name] = entry
    return {
        "rounds": rounds,
        "baseline": BASELINE,
        "baseline_median_ms": base * 1000,
        "baseline_samples_ms": [s * 1000 for s in samples[BASELINE]],
        "modules": results,
        "target_ratio": TARGET_RATIO,
    }
