"""PDFs from the local stack over HTTP, as a browser downloads them: the staff document and the signer's signed
original (document + certificate page), read back with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import newest_link
from tests.factories import contract_body

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make browser) not installed"),
]

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def download(stack: Any, path: str, key: str | None = None) -> tuple[int, bytes, dict[str, str]]:
    headers = {"Accept": BROWSER_ACCEPT, **({"Authorization": f"Bearer {key}"} if key else {})}
    req = urllib.request.Request(stack.api + path, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as resp:
        return int(resp.status), resp.read(), dict(resp.headers)


def text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def test_the_signer_downloads_the_signed_original(stack: Any, tmp_path: Path) -> None:
    status, created, _ = stack.request("POST", "/contracts", contract_body())
    assert status == 201, created
    cid, no = created["id"], created["contract_no"]
    # Staff download the draft's PDF as a browser would
    status, pdf, headers = download(stack, f"/contracts/{cid}/document?format=pdf", stack.keys["operator"])
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf[:5] == b"%PDF-"
    assert headers["X-Document-SHA256"] == created["document_sha256"]
    assert "人民币壹拾贰万元整" in text(pdf, tmp_path)
    # Both parties sign through their emailed links
    assert stack.request("POST", f"/contracts/{cid}/send")[0] == 200
    tokens = {}
    for who, name in (("client", "李雷"), ("vendor", "韩梅梅")):
        tokens[who] = newest_link(stack, f"{who}@example.com", no).rsplit("/", 1)[1]
        body = {"signer_name": name, "consent": True}
        assert stack.request("POST", f"/sign/{tokens[who]}", body, role=None)[0] == 201
    # Then the client's link (now used) downloads the signed original: the contract and its certificate
    status, original, headers = download(stack, f"/sign/{tokens['client']}/document.pdf")
    assert status == 200 and headers["X-Signed-Original"] == "true"
    words = text(original, tmp_path)
    for expected in (
        "人民币壹拾贰万元整",
        "北京云帆科技有限公司",
        "上海声通外呼服务有限公司",
        "签署证书",
        "李雷",
        "韩梅梅",
    ):
        assert expected in words, expected
    assert created["document_sha256"] in words
