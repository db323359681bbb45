"""Package Hetong for deployment, offline from AWS.

    python -m infra.build --stage dev --out build/dev [--no-deps]

Writes ``<out>/sam.yaml`` (Chalice's generated SAM template with ``infra/template.yaml`` merged in)
and ``<out>/deployment.zip`` (the one artifact every function runs from: app.py, chalicelib/,
functions/ and the runtime requirements built for the Lambda runtime and architecture the template
declares).

How:

1. A staging copy of the project (app.py, chalicelib/, functions/, .chalice/) with an *empty*
   requirements.txt, so ``chalice package`` never runs pip and never needs the network. Chalice
   imports app.py while packaging: the app must import cleanly (with the venv's packages) for the
   build to work. Placeholder ``HETONG_*`` variables are set for that import only.
2. ``chalice package --stage <stage> --merge-template infra/template.yaml <out>`` in the staging dir.
3. functions/ is added to the zip (Chalice itself only packages app.py, chalicelib/ and vendor/).
4. Unless ``--no-deps``: ``pip install --only-binary=:all: --platform manylinux..._<arch>
   --python-version <runtime> --target ...`` of requirements.txt (this needs PyPI, never AWS), minus
   boto3/botocore/s3transfer and whatever only they needed (the Lambda runtime provides them), is
   added to the zip.
5. The zip is checked: every function's handler module is in it, and no tests, dev tools, boto3,
   botocore, s3transfer, __pycache__ or .pyc are. With the requirements in, app.py and every handler
   module are also imported from the unpacked zip alone (plus what the Lambda runtime provides) in an
   isolated interpreter, so a runtime import missing from requirements.txt fails the build, not the
   first invocation.

On failure nothing is left in <out> that scripts/deploy.sh could pick up.
"""

from __future__ import annotations

import argparse
import csv
import email.parser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from infra import left_out

REPO_ROOT = Path(__file__).resolve().parent.parent

# Provided by the Lambda Python runtime; never shipped (and what only they need is pruned too).
PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore", "s3transfer"})

# Top-level directories some wheels ship by mistake (cn2an: example/, src/; proces: build/, dist/,
# scripts/). Nothing imports them; they are dropped from the installed requirements.
JUNK_TOP_LEVEL = frozenset(
    {"build", "dist", "doc", "docs", "example", "examples", "src", "scripts", "test", "tests", "benchmarks"}
)

# Top-level names that must never be in the artifact.
FORBIDDEN_TOP_LEVEL = JUNK_TOP_LEVEL | frozenset(
    {
        "boto3",
        "botocore",
        "s3transfer",
        "pytest",
        "_pytest",
        "moto",
        "mypy",
        "ruff",
        "cfnlint",
        "samtranslator",
        "hypothesis",
        "playwright",
        "schemathesis",
        "infra",
        "bench",
    }
)

SKIPPED_DIRS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "tests"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")

# Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34). pip does not widen
# manylinux_2_x tags by itself, so every acceptable tag is listed.
MANYLINUX_TAGS = ("manylinux_2_34", "manylinux_2_28", "manylinux_2_17", "manylinux2014")
ARCH_TO_MACHINE = {"arm64": "aarch64", "x86_64": "x86_64"}

# Set (only if unset) for the chalice process, which imports app.py; never put into the artifact.
IMPORT_PLACEHOLDERS = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "HETONG_TABLE": "hetong-build-main",
    "HETONG_IDEMPOTENCY_TABLE": "hetong-build-idempotency",
    "HETONG_FINANCE_TOPIC_ARN": "arn:aws:sns:us-east-1:000000000000:hetong-build-finance",
    "HETONG_SENDER_EMAIL": "build@example.com",
    "HETONG_FINANCE_EMAIL": "build@example.com",
    "HETONG_OPERATOR_EMAIL": "build@example.com",
    "HETONG_LINK_SECRET_ID": "hetong-build-link-secret",  # a name only; nothing is read at import
}


# What the Lambda Python runtime itself provides: botocore's family (the import check puts the build
# machine's copies beside the artifact, as the runtime does).
RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "urllib3", "dateutil", "six")

# Run with `python -I -S` (no site-packages, no PYTHONPATH) and PYTHONTZPATH="" (no system time-zone
# database: Lambda's Amazon Linux 2023 minimal base is not relied on to have one, so zoneinfo must find
# its data in the `tzdata` package): imports the given modules from the given paths only and reports
# what could not be imported.
IMPORT_CHECK = """
import importlib, json, sys
paths, modules = json.loads(sys.argv[1]), sys.argv[2:]
sys.path[:0] = paths
missing, failed = [], []
for module in modules:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        # A compiled module built for Lambda's platform (another arch or Python) is there but cannot load here.
        stem = (exc.name or "").replace(".", "/")
        import glob, os
        if stem and any(glob.glob(os.path.join(p, stem + ".*.so")) for p in paths):
            failed.append([module, "ModuleNotFoundError: " + str(exc) + " (built for Lambda's platform)"])
        else:
            missing.append([module, exc.name or "", str(exc)])
    except Exception as exc:
        if type(exc).__name__ == "ZoneInfoNotFoundError":  # no system tz database: tzdata must ship
            missing.append([module, "tzdata", "zoneinfo: " + str(exc)])
        else:
            failed.append([module, type(exc).__name__ + ": " + str(exc)])
print(json.dumps({"missing": missing, "failed": failed}))
"""


class BuildError(Exception):
    """A build step failed; the message says which and why."""


# --------------------------------------------------------------------------- staging


def _wanted(path: Path) -> bool:
    return not any(part in SKIPPED_DIRS for part in path.parts) and not path.name.endswith(SKIPPED_SUFFIXES)


def iter_tree(root: Path) -> Iterator[Path]:
    """Files under root (sorted), minus caches, compiled files and tests/ directories."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and _wanted(rel):
            yield path


def copy_tree(src: Path, dst: Path) -> None:
    for path in iter_tree(src):
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def stage_project(project: Path, staging: Path) -> None:
    """Copy what `chalice package` needs, with an empty requirements.txt so it never runs pip."""
    staging.mkdir(parents=True)
    shutil.copy2(project / "app.py", staging / "app.py")
    for package in ("chalicelib", "functions"):  # functions/ only so that app.py could import it
        if (project / package).is_dir():
            copy_tree(project / package, staging / package)
    chalice_dir = staging / ".chalice"
    chalice_dir.mkdir()
    for config in sorted((project / ".chalice").glob("*.json")):
        shutil.copy2(config, chalice_dir / config.name)
    (staging / "requirements.txt").write_text(
        "# Empty on purpose: infra/build.py adds the runtime requirements to the zip itself.\n",
        encoding="utf-8",
    )


def import_env(stage: str) -> dict[str, str]:
    """The environment for processes that import the app: placeholders where nothing is set."""
    env = dict(os.environ)
    for name, value in IMPORT_PLACEHOLDERS.items():
        env.setdefault(name, value)
    env.setdefault("HETONG_STAGE", stage)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # or chalicelib/__pycache__ would end in the zip
    env["AWS_EC2_METADATA_DISABLED"] = "true"  # packaging needs no credentials; never look for any
    return env


def run_chalice(staging: Path, stage: str, template: Path, out: Path) -> None:
    env = import_env(stage)
    cmd = [
        sys.executable,
        "-c",
        "import sys; from chalice.cli import main; sys.exit(main())",
        "--project-dir",
        str(staging),
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(template),
        str(out),
    ]
    result = subprocess.run(cmd, env=env, cwd=staging, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(
            "chalice package failed (it imports app.py: the app must import cleanly):\n"
            + (result.stdout + result.stderr).strip()
        )


# --------------------------------------------------------------------------- template


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        loaded = yaml.safe_load(handle)
    if not isinstance(loaded, dict):
        raise BuildError(f"{path} is not a template")
    return loaded


def serverless_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = template.get("Resources", {})
    return {
        name: resource.get("Properties", {})
        for name, resource in resources.items()
        if resource.get("Type") == "AWS::Serverless::Function"
    }


def lambda_target(template: dict[str, Any]) -> tuple[str, str]:
    """The (python version, architecture) all functions share, e.g. ("3.12", "arm64")."""
    targets = set()
    for name, props in serverless_functions(template).items():
        runtime = str(props.get("Runtime", ""))
        architectures = props.get("Architectures", ["x86_64"])
        if not runtime.startswith("python") or len(architectures) != 1:
            raise BuildError(f"{name}: unsupported Runtime {runtime!r} / Architectures {architectures!r}")
        targets.add((runtime.removeprefix("python"), str(architectures[0])))
    if len(targets) != 1:
        raise BuildError(f"functions share one artifact, so they need one runtime/architecture: {targets}")
    version, arch = targets.pop()
    if arch not in ARCH_TO_MACHINE:
        raise BuildError(f"unknown architecture {arch!r}")
    return version, arch


def handler_modules(template: dict[str, Any]) -> dict[str, str]:
    """Function name -> its handler's module (``functions.notifier.handler`` -> ``functions.notifier``)."""
    functions = serverless_functions(template)
    return {name: str(props["Handler"]).rpartition(".")[0] for name, props in functions.items()}


# --------------------------------------------------------------------------- requirements


def read_requirements(path: Path, seen: frozenset[Path] = frozenset()) -> list[Requirement]:
    """Plain requirement lines, following ``-r other.txt``; other pip options are ignored."""
    path = path.resolve()
    if path in seen:
        return []
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    requirements: list[Requirement] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            nested = path.parent / line.split(None, 1)[1].strip()
            requirements += read_requirements(nested, seen | {path})
            continue
        if line.startswith(("-e", "--editable")):
            raise BuildError(f"{path}: editable requirements cannot be packaged: {line}")
        if line.startswith("-"):
            continue
        try:
            requirements.append(Requirement(line.split(" --", 1)[0].strip()))
        except InvalidRequirement as exc:
            raise BuildError(f"{path}: {exc}") from exc
    return requirements


def marker_environment(python_version: str, arch: str) -> dict[str, str]:
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python_version}.0",
        "os_name": "posix",
        "platform_machine": ARCH_TO_MACHINE[arch],
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": f"{python_version}.0",
        "python_version": python_version,
        "sys_platform": "linux",
        "extra": "",
    }


def _applies(marker: Marker | None, env: dict[str, str], extras: Iterable[str]) -> bool:
    if marker is None:
        return True
    return any(marker.evaluate({**env, "extra": extra}) for extra in (*extras, ""))


def pip_install(requirements: Path, site: Path, python_version: str, arch: str) -> None:
    machine = ARCH_TO_MACHINE[arch]
    platforms = [arg for tag in MANYLINUX_TAGS for arg in ("--platform", f"{tag}_{machine}")]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--no-compile",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        *platforms,
        "--target",
        str(site),
        "-r",
        str(requirements),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(
            f"pip could not fetch the runtime requirements as wheels for python{python_version}/{arch} "
            "(packaging needs PyPI; --no-deps makes a template-only build):\n" + result.stdout + result.stderr
        )


def _remove_distribution(site: Path, dist_info: Path) -> None:
    record = dist_info / "RECORD"
    dirs: set[Path] = set()
    if record.is_file():
        with record.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                if not row:
                    continue
                target = (site / row[0]).resolve()
                if site.resolve() not in target.parents:
                    continue  # e.g. ../../bin/script: outside the site, never ours to delete
                if target.is_file():
                    target.unlink()
                dirs.update(p for p in target.parents if site.resolve() in p.parents)
    for directory in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
    shutil.rmtree(dist_info, ignore_errors=True)


def prune_site(site: Path, roots: Sequence[Requirement], python_version: str, arch: str) -> list[str]:
    """Remove what the runtime provides, the distributions infra/left_out.py leaves out, and everything only
    they needed; return the removed names."""
    env = marker_environment(python_version, arch)
    parser = email.parser.Parser()
    installed: dict[str, tuple[Path, list[str]]] = {}
    for dist_info in site.glob("*.dist-info"):
        metadata = parser.parsestr((dist_info / "METADATA").read_text(encoding="utf-8"), headersonly=True)
        installed[canonicalize_name(str(metadata["Name"]))] = (
            dist_info,
            metadata.get_all("Requires-Dist") or [],
        )
    keep: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = [(canonicalize_name(r.name), frozenset(r.extras)) for r in roots if _applies(r.marker, env, ())]
    while pending:
        name, extras = pending.pop()
        if name in PROVIDED_BY_RUNTIME or name in left_out.DISTRIBUTIONS or (name, extras) in seen:
            continue
        seen.add((name, extras))
        keep.add(name)
        for spec in installed.get(name, (Path(), []))[1]:
            requirement = Requirement(spec)
            if _applies(requirement.marker, env, extras):
                pending.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    removed = sorted(str(dist) for dist in installed if dist not in keep)
    for dist in removed:
        _remove_distribution(site, installed[dist][0])
    for junk in ("bin", *JUNK_TOP_LEVEL):
        if (site / junk).is_dir():
            shutil.rmtree(site / junk)
    for cache in list(site.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    return removed


def drop_unneeded_files(site: Path) -> int:
    """Delete what infra/left_out.py lists (modules and files nothing here loads); return how many files."""
    dropped, unmatched = left_out.drop_files(site)
    for pattern in unmatched:
        print(f"warning: infra/left_out.py leaves out {pattern}, which the requirements no longer have")
    return dropped


# --------------------------------------------------------------------------- zip


def add_tree(archive: zipfile.ZipFile, root: Path, prefix: str) -> int:
    existing = set(archive.namelist())
    added = 0
    for path in iter_tree(root):
        name = PurePosixPath(prefix, *path.relative_to(root).parts).as_posix()
        if name in existing:
            raise BuildError(f"{name} would be in deployment.zip twice")
        archive.write(path, name)
        added += 1
    return added


def check_zip(zip_path: Path, template: dict[str, Any]) -> list[str]:
    """Problems with the artifact: missing handler modules, forbidden or compiled content."""
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
    problems = []
    for required in ("app.py", "chalicelib/__init__.py", "functions/__init__.py"):
        if required not in names:
            problems.append(f"{required} is missing")
    for function, module in sorted(handler_modules(template).items()):
        base = module.replace(".", "/")
        if f"{base}.py" not in names and f"{base}/__init__.py" not in names:
            problems.append(f"{function}: handler module {module} is missing")
    for name in sorted(names):
        parts = PurePosixPath(name).parts
        if parts[0] in FORBIDDEN_TOP_LEVEL or parts[0].split("-")[0] in FORBIDDEN_TOP_LEVEL:
            problems.append(f"{name} must not be shipped")
        elif "__pycache__" in parts or name.endswith(SKIPPED_SUFFIXES):
            problems.append(f"{name} is a compiled file")
        elif (dotted := left_out.module_of(name)) and left_out.is_left_out(dotted):
            problems.append(f"{name} is left out of the artifact (infra/left_out.py) but there")
    return problems


def _runtime_provided(target: Path) -> None:
    """Link the build machine's copies of what the Lambda runtime provides into target."""
    target.mkdir()
    for name in RUNTIME_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise BuildError(f"{name} is not installed here; the import check needs it (as Lambda has it)")
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (target / source.name).symlink_to(source, target_is_directory=source.is_dir())


def check_imports(zip_path: Path, modules: Sequence[str], stage: str, scratch: Path) -> list[str]:
    """Import the app and every handler module from the artifact alone (plus what the Lambda runtime
    provides), in an isolated interpreter. Returns what is missing; other import failures only warn,
    since compiled wheels built for Lambda's platform need not load on the build machine."""
    unpacked, runtime = scratch / "unpacked", scratch / "runtime"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(unpacked)
    _runtime_provided(runtime)
    paths = json.dumps([str(unpacked), str(runtime)])
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", IMPORT_CHECK, paths, *modules],
        env={**import_env(stage), "PYTHONTZPATH": ""},
        cwd=scratch,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError("the import check itself failed:\n" + (result.stdout + result.stderr).strip())
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for module, error in report["failed"]:
        print(f"warning: importing {module} from the artifact failed here ({error}); Lambda may load it")
    missing = report["missing"]
    return [f"{module}: {error} (is {name or 'it'} in requirements.txt?)" for module, name, error in missing]


# --------------------------------------------------------------------------- main


def build(
    stage: str,
    out: Path,
    project: Path = REPO_ROOT,
    template_path: Path | None = None,
    requirements: Path | None = None,
    with_deps: bool = True,
) -> Path:
    """Build <out>/sam.yaml and <out>/deployment.zip; return the template's path."""
    project = project.resolve()
    out = out.resolve()
    template_path = (template_path or project / "infra" / "template.yaml").resolve()
    requirements = (requirements or project / "requirements.txt").resolve()
    if not (project / "app.py").is_file():
        raise BuildError(f"{project / 'app.py'} not found: chalice package needs the app")
    if not (project / ".chalice" / "config.json").is_file():
        raise BuildError(f"{project / '.chalice' / 'config.json'} not found")
    if not template_path.is_file():
        raise BuildError(f"{template_path} not found")
    if with_deps and not requirements.is_file():
        raise BuildError(f"{requirements} not found (pass --requirements, or --no-deps: template-only build)")

    out.mkdir(parents=True, exist_ok=True)
    outputs = [out / name for name in ("sam.yaml", "sam.json", "deployment.zip")]
    for stale in outputs:
        stale.unlink(missing_ok=True)
    try:
        return _build(stage, out, project, template_path, requirements, with_deps)
    except BaseException:
        for partial in outputs:  # never leave a half-built artifact where deploy.sh would take it
            partial.unlink(missing_ok=True)
        raise


def _build(stage: str, out: Path, project: Path, template_path: Path, requirements: Path, deps: bool) -> Path:
    with tempfile.TemporaryDirectory(prefix="hetong-build-") as tmp:
        staging = Path(tmp) / "project"
        stage_project(project, staging)
        run_chalice(staging, stage, template_path, out)
        sam_path = out / "sam.yaml"
        zip_path = out / "deployment.zip"
        if not sam_path.is_file() or not zip_path.is_file():
            raise BuildError(f"chalice package did not write {sam_path} and {zip_path}")
        template = load_template(sam_path)
        python_version, arch = lambda_target(template)

        with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            if (project / "functions").is_dir():
                add_tree(archive, project / "functions", "functions")
            if deps:
                site = Path(tmp) / "site"
                pip_install(requirements, site, python_version, arch)
                removed = prune_site(site, read_requirements(requirements), python_version, arch)
                dropped = drop_unneeded_files(site)
                count = add_tree(archive, site, "")
                print(
                    f"runtime requirements for python{python_version}/{arch}: {count} files; left out: "
                    f"{', '.join(removed) or 'no distribution'} (the runtime has them, or nothing imports them: "
                    f"infra/left_out.py) and {dropped} files nothing here loads"
                )
            else:
                print("--no-deps: runtime requirements NOT included: the artifact is for checks, not deploys")

        problems = check_zip(zip_path, template)
        if not problems and deps:
            modules = ["app", *sorted(set(handler_modules(template).values()) - {"app"})]
            problems = check_imports(zip_path, modules, stage, Path(tmp) / "import-check")
    if problems:
        raise BuildError("deployment.zip is not right:\n  " + "\n  ".join(problems))
    size = zip_path.stat().st_size
    print(f"template: {sam_path}")
    print(f"artifact: {zip_path} ({size:,} bytes, {size / 1024 / 1024:.1f} MiB)")
    return sam_path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.build", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="dev", help="Chalice stage (dev, prod); default dev")
    parser.add_argument("--out", required=True, type=Path, help="output directory, e.g. build/dev")
    parser.add_argument("--project-dir", type=Path, default=REPO_ROOT, help="project root (default: here)")
    parser.add_argument("--template", type=Path, help="default: <project>/infra/template.yaml")
    parser.add_argument("--requirements", type=Path, help="default: <project>/requirements.txt")
    parser.add_argument(
        "--no-deps", action="store_true", help="leave out the runtime requirements (offline, not deployable)"
    )
    args = parser.parse_args(argv)
    try:
        build(
            stage=args.stage,
            out=args.out,
            project=args.project_dir,
            template_path=args.template,
            requirements=args.requirements,
            with_deps=not args.no_deps,
        )
    except BuildError as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
