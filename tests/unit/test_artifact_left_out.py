"""The deployment zip leaves out what the functions never load (infra/left_out.py: Pillow, lxml, the compiled
accelerators of aiohttp and its helpers, powertools' event handler, fontTools' font-building tools, ...). Here
every such module is unimportable while the app and every handler are imported, every kind of document is
rendered, signed originals are sealed (B-B, and B-T through a timestamp authority over HTTP) and checked, genuine
and tampered; and the build's own steps are checked to leave those files out and to refuse an artifact that
still holds one."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

from infra import build as infra_build
from infra import left_out

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib, sys

from infra import build, left_out

class LeftOut:
    # Any module the artifact does not have cannot be imported here either.
    def find_spec(self, name, path=None, target=None):
        if left_out.is_left_out(name):
            raise ImportError(f"{name} is left out of the deployment zip", name=name)
        return None

sys.meta_path.insert(0, LeftOut())
import tests.conftest  # the test environment

# The app and every function's handler module, as the template names them
template = build.load_template(build.REPO_ROOT / "infra" / "template.yaml")
for module in sorted(set(build.handler_modules(template).values())):
    importlib.import_module(module)

from datetime import date
from chalicelib.services import originals, sealing
from tests.seal_support import local_tsa
from tests.unit.conftest import Office

# A contract in force, invoiced, amended (signed by both), overdue and with a termination notice: every document
office = Office()
cid = office.activate(effective=date(2026, 11, 22))
office.run_invoicing(date(2026, 11, 22))
office.amend(cid, date(2026, 11, 25), annual_fee="150000.00")
office.run_overdue(date(2027, 1, 10))
office.serve_notice(cid, date(2027, 1, 10))
files = {p: originals.document_pdf(office.deps, cid, p) for p in
         ("contract", "amendment:1", "notice:1", "invoice:1", "overdue-letter:1")}
assert all(f.pdf.startswith(b"%PDF-") for f in files.values())
assert files["contract"].signed_original and files["amendment:1"].signed_original  # certificate page + seal (B-B)
assert b"/ByteRange" in files["contract"].pdf and b"/ByteRange" not in files["invoice:1"].pdf

with local_tsa() as url:  # B-T: the seal asks a timestamp authority over HTTP
    office.deps.seal.tsa_url = url
    stamped = originals.original_pdf(office.deps, office.contract(cid), "contract")
office.deps.seal.tsa_url = None
attachment = office.original(cid, "amendment:1")  # what the in-force email attaches

for pdf in (files["contract"].pdf, stamped, attachment.data):
    verdict = sealing.verify_original(office.deps, pdf)
    assert verdict["genuine"] is True and verdict["problems"] == [], verdict
assert sealing.verify_original(office.deps, stamped)["timestamp"]
middle = len(stamped) // 2
tampered = stamped[:middle] + bytes([stamped[middle] ^ 1]) + stamped[middle + 1:]
verdict = sealing.verify_original(office.deps, tampered)
assert verdict["genuine"] is False and verdict["problems"], verdict

loaded = sorted(m for m in sys.modules if left_out.is_left_out(m))
assert not loaded, loaded
print("ok")
"""


def test_the_app_renders_seals_and_verifies_without_what_the_zip_leaves_out() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]
    assert "Pillow" not in result.stderr  # fpdf2's warning that it has no Pillow stays out of the logs


def test_every_module_left_out_is_one_the_requirements_have() -> None:
    # Checked against the dev venv, which installs the same pinned versions as the artifact (a pattern that
    # matches nothing means a new version moved it, and the list no longer says what it leaves out)
    for pattern in left_out.MODULES:
        spec = importlib.util.find_spec(pattern.split(".")[0])
        assert spec is not None and spec.origin is not None, pattern
        site = Path(spec.origin).parent.parent
        assert any(any(site.glob(g)) for g in left_out.module_globs(pattern)), pattern


def _dist(site: Path, name: str, files: dict[str, str], requires: tuple[str, ...] = ()) -> None:
    dist_info = site / f"{name}-1.0.dist-info"
    dist_info.mkdir(parents=True)
    body = "".join(f"Requires-Dist: {r}\n" for r in requires)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{body}\n")
    for path, text in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text)
    rows = [*files, f"{dist_info.name}/METADATA", f"{dist_info.name}/RECORD"]
    (dist_info / "RECORD").write_text("".join(f"{row},,\n" for row in rows))


def test_the_build_leaves_out_the_distributions_modules_and_files(tmp_path: Path) -> None:
    site = tmp_path / "site"
    so = ".cpython-312-aarch64-linux-gnu.so"
    _dist(site, "fpdf2", {"fpdf/__init__.py": ""}, ("Pillow>=8", "fonttools>=4"))
    _dist(site, "pillow", {"PIL/__init__.py": "", f"PIL/_imaging{so}": "", "pillow.libs/libjpeg-1.so.62": ""})
    keep = {
        "fontTools/__init__.py",
        "fontTools/ttLib/ttFont.py",
        "fontTools/misc/bezierTools.py",
        "fontTools/varLib/__init__.py",
        "aiohttp/__init__.py",
        "aiohttp/http_parser.py",
        "aiohttp/_websocket/reader_py.py",
        "multidict/__init__.py",
        "multidict/_multidict_py.py",
    }
    gone = {
        "fontTools/ufoLib/__init__.py",
        "fontTools/ufoLib/glifLib.py",
        f"fontTools/misc/bezierTools{so}",
        "fontTools/misc/bezierTools.c",
        "fontTools/varLib/interpolatable.py",
        "fontTools/varLib/interpolatablePlot.py",
        f"aiohttp/_http_parser{so}",
        "aiohttp/_http_parser.pyx",
        "aiohttp/_cparser.pxd",
        "aiohttp/web.py",
        "aiohttp/web_app.py",
        f"aiohttp/_websocket/reader_c{so}",
        f"multidict/_multidict{so}",
        "multidict/__init__.pyi",
    }
    _dist(site, "fonttools", {p: "" for p in keep | gone if p.startswith("fontTools/")})
    _dist(site, "aiohttp", {p: "" for p in keep | gone if p.startswith(("aiohttp/", "multidict/"))})
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("fpdf2\naiohttp\n")

    removed = infra_build.prune_site(site, infra_build.read_requirements(requirements), "3.12", "arm64")
    dropped = infra_build.drop_unneeded_files(site)

    assert removed == ["pillow"]
    assert not (site / "PIL").exists() and not (site / "pillow.libs").exists()
    assert not list(site.glob("pillow-*.dist-info"))
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file() and ".dist-info" not in str(p)}
    assert files == keep | {"fpdf/__init__.py"}
    assert dropped == len(gone)


def test_an_artifact_holding_a_left_out_module_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("app.py", "chalicelib/__init__.py", "functions/__init__.py"):
            zf.writestr(name, "")
        zf.writestr("PIL/Image.py", "")
        zf.writestr("multidict/_multidict.cpython-312-aarch64-linux-gnu.so", "")
        zf.writestr("multidict/_multidict_py.py", "")
    problems = infra_build.check_zip(archive, {"Resources": {}})
    assert problems == [
        "PIL/Image.py is left out of the artifact (infra/left_out.py) but there",
        "multidict/_multidict.cpython-312-aarch64-linux-gnu.so is left out of the artifact (infra/left_out.py) but there",
    ]
