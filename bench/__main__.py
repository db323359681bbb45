"""`python -m bench` (`make bench`): run every figure, write bench/results.json and bench/results.md, print the
summary table and the total wall time.

    python -m bench [--sizes 1000,10000] [--only scale,life,latency,coldstart,artifact,pdf] [--rounds 7]

A figure that fails is reported under "errors" and the others still run; the exit code is 1 then. A partial run
(--only) keeps the other figures of the results.json it replaces (`kept_from` says which, and from when).
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIGURES = ("scale", "life", "latency", "coldstart", "artifact", "pdf")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="portfolio sizes for figures 1 and 2")
    parser.add_argument("--only", default=",".join(FIGURES), help=f"comma-separated subset of {', '.join(FIGURES)}")
    parser.add_argument("--rounds", type=int, default=7, help="fresh interpreters per module for figure 4")
    parser.add_argument("--out", type=Path, default=HERE, help="where results.json and results.md go")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    only = {f.strip() for f in args.only.split(",") if f.strip()}
    unknown = only - set(FIGURES)
    if unknown:
        print(f"unknown figure(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]

    # Before anything creates a botocore session: the environment, then the meter's handlers.
    from bench.env import apply_env

    apply_env()
    from bench.meter import install

    install()
    from bench import artifact, coldstart, latency, life, pdfs, report, scale

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    results: dict[str, Any] = {"errors": {}}
    timings: dict[str, float] = {}

    def step(name: str, fn: Callable[[], Any]) -> Any:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        s0 = time.perf_counter()
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - one failing figure must not hide the others
            traceback.print_exc()
            results["errors"][name] = f"{type(exc).__name__}: {exc}"
            return {"error": str(exc)}
        finally:
            timings[name] = time.perf_counter() - s0
            print(f"[bench] {name}: {timings[name]:.1f} s", file=sys.stderr, flush=True)

    if "scale" in only:
        prepared = step("template contract", scale.prepare_template)
        if "error" not in prepared:
            template, real = prepared
            results["one_real_contract"] = real
            results["scale"] = [
                step(f"scale {n:,}", functools.partial(scale.run, n, template, measure_moto_tx=(i == 0)))
                for i, n in enumerate(sizes)
            ]
    if "life" in only:
        results["life"] = step("life", life.run)
    if "latency" in only:
        results["latency"] = step("latency", latency.run)
    if "coldstart" in only:
        results["coldstart"] = step("coldstart", lambda: coldstart.run(args.rounds))
    if "artifact" in only:
        results["artifact"] = step("artifact", artifact.run)
    if "pdf" in only:
        results["pdf"] = step("pdf", pdfs.run)

    wall = time.perf_counter() - t0
    results["meta"] = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "wall_s": wall,
        "step_s": timings,
        "machine": f"{platform.machine()}, Python {platform.python_version()}, {_cpus()} CPUs",
        "python": sys.version,
    }
    if only != set(FIGURES):
        _keep_previous(results, args.out / "results.json", only)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    (args.out / "results.md").write_text(report.markdown(results), encoding="utf-8")
    print(report.summary_table(results))
    if args.out.resolve() == HERE.resolve():
        from bench import readme

        readme.main([])  # the README's table is generated from the results just written
    print(f"\ntotal wall time: {wall:.0f} s — details in {args.out / 'results.md'}")
    return 1 if results["errors"] else 0


KEYS = {"scale": ("scale", "one_real_contract"), "life": ("life",), "latency": ("latency",)}


def _keep_previous(results: dict[str, Any], path: Path, ran: set[str]) -> None:
    """A partial run (--only) keeps the other figures of the results it replaces, and says so in meta."""
    if not path.exists():
        return
    previous = json.loads(path.read_text(encoding="utf-8"))
    kept = [f for f in FIGURES if f not in ran and any(k in previous for k in KEYS.get(f, (f,)))]
    for figure in kept:
        for key in KEYS.get(figure, (figure,)):
            if key in previous:
                results[key] = previous[key]
        if figure in previous.get("errors", {}):
            results["errors"][figure] = previous["errors"][figure]
    if kept:
        before = previous.get("meta", {})
        results["kept_from"] = {
            "figures": kept,
            "started": before.get("kept_from", {}).get("started", before.get("started")),
        }


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
