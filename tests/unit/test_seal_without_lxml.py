"""The deployment zip leaves lxml out (infra/left_out.py): sealing (B-B and B-T) and checking seals
must work without it, so this runs them in an interpreter where lxml cannot be imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys

class NoLxml:
    def find_spec(self, name, path=None, target=None):
        if name == "lxml" or name.startswith("lxml."):
            raise ImportError("lxml is not in the deployment zip")
        return None

sys.meta_path.insert(0, NoLxml())
import tests.conftest  # the test environment
from tests.seal_support import dummy_timestamper, facts, seal_key, small_pdf, trust_root
from chalicelib.pdf_seal.seal import seal_pdf
from chalicelib.pdf_seal.verify import check_seal

sealed = seal_pdf(small_pdf(), facts(), seal_key())
stamped = seal_pdf(small_pdf(), facts(), seal_key(), timestamper=dummy_timestamper())
assert check_seal(sealed, [trust_root()]).problems == []
report = check_seal(stamped, [trust_root()])
assert report.problems == [] and report.timestamp is not None
assert check_seal(sealed + b"x", [trust_root()]).problems
assert not any(m == "lxml" or m.startswith("lxml.") for m in sys.modules)
print("ok")
"""


def test_sealing_and_checking_need_no_lxml() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
