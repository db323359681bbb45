"""Figure 6: the size of the deployment artifact that `python -m infra.build` produces (the one zip every
function runs from). The build needs PyPI for the Lambda platform's wheels; when it cannot run, the figure is
"not measured" with the build's own reason."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_BYTES = 15_000_000  # "under 15 MB" with the CJK font and the PDF libraries (issue 18; was 10 MB)
TIMEOUT_S = 300


def _largest(zip_path: Path, top: int = 6) -> list[dict[str, Any]]:
    """Compressed bytes per top-level entry of the zip, largest first."""
    sizes: dict[str, int] = {}
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            root = info.filename.split("/", 1)[0]
            sizes[root] = sizes.get(root, 0) + info.compress_size
    ranked = sorted(sizes.items(), key=lambda kv: -kv[1])[:top]
    return [{"entry": k, "compressed_bytes": v} for k, v in ranked]


def run() -> dict[str, Any]:
    from bench.env import BENCH_ENV

    with tempfile.TemporaryDirectory(prefix="hetong-bench-build-") as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "infra.build", "--stage", "bench", "--out", str(out)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd,
                cwd=ROOT,
                env={**os.environ, **BENCH_ENV},
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {"measured": False, "reason": f"the build did not finish in {TIMEOUT_S} s"}
        seconds = time.perf_counter() - t0
        zip_path = out / "deployment.zip"
        if proc.returncode != 0 or not zip_path.is_file():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
            return {"measured": False, "reason": " / ".join(tail) or f"exit code {proc.returncode}"}
        size = zip_path.stat().st_size
        with zipfile.ZipFile(zip_path) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
            files = len(zf.infolist())
        return {
            "measured": True,
            "command": "python -m infra.build --stage bench --out <tmp>",
            "zip_bytes": size,
            "zip_mib": size / 1024 / 1024,
            "unpacked_bytes": unpacked,
            "files": files,
            "largest_entries": _largest(zip_path),
            "build_s": seconds,
            "target_bytes": TARGET_BYTES,
            "meets_target": size < TARGET_BYTES,
        }
