"""Held-out scenarios on the signed original (docs/signed-originals.md): the PDF a
contract in force is downloaded as, by staff and by each signer, carries the certificate page with every signer's
evidence in Asia/Shanghai time, the consent version, the frozen document's SHA-256 and the audit chain's head;
POST /verify finds it genuine, a copy with one byte changed not, nor the unsigned document."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integration.heldout_signing import BROWSER, CLIENT, VENDOR, at, audit, link, sent, sign_with_code
from tests.integration.test_heldout_signing_flow import _sh

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make browser) not installed"),
]
PDF = {"Accept": "application/pdf"}


def _text(pdf: bytes, tmp: Path, first: int | None = None) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", "-layout"] + (["-f", str(first)] if first else []) + [str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _pages(pdf: bytes, tmp: Path) -> int:
    path = tmp / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    found = re.search(r"Pages:\s+(\d+)", info)
    assert found is not None
    return int(found.group(1))


def _verify(world: Any, pdf: bytes) -> dict[str, Any]:
    resp = world.api.http.post("/verify", body=pdf, headers={"Content-Type": "application/pdf"})
    assert resp.status_code == 200, resp.body
    return dict(resp.json_body)


def _in_force(world: Any) -> tuple[str, str, str]:
    cid = sent(world)
    client, vendor = link("client"), link("vendor")
    at(world, _sh(2026, 11, 22, 21, 15, 7))
    sign_with_code(world, client, "李雷", BROWSER)
    at(world, _sh(2026, 11, 23, 8, 30, 45))
    sign_with_code(world, vendor, "Zoë O'Brien", {**BROWSER, "User-Agent": "Vendor-UA/2.0"})
    world.deliver()
    return cid, client, vendor


def test_the_certificate_page_states_every_signers_evidence(world: Any, tmp_path: Path) -> None:
    cid, client, vendor = _in_force(world)
    contract = world.contract(cid)
    resp = world.call("GET", f"/contracts/{cid}/document?part=contract&format=pdf", headers=PDF)
    assert resp.status_code == 200 and resp.headers["X-Signed-Original"] == "true"
    pdf = resp.body
    last = _pages(pdf, tmp_path)
    cert = _text(pdf, tmp_path, last)
    flat = re.sub(r"\s+", " ", cert)
    assert "签署证书" in flat
    for sig in contract["signatures"]:
        for value in (sig["signer_name"], sig["signer_email"], sig["ip_address"], sig["user_agent"]):
            assert value in flat, value
    assert "李雷" in flat and "Zoë O'Brien" in flat and "Vendor-UA/2.0" in flat
    assert "甲方" in flat and "乙方" in flat and "北京云帆科技有限公司" in flat and "上海声通外呼服务有限公司" in flat
    assert flat.count("一次性验证码") >= 2
    # times in Asia/Shanghai (+08:00): 21:15:07 on the 22nd and 08:30:45 on the 23rd
    assert "2026-11-22 21:15:07" in flat and "2026-11-23 08:30:45" in flat and "UTC+08:00" in flat
    assert "2026-11-22T13:15:07Z" not in flat
    assert "2026-11-v1" in flat
    assert contract["document_sha256"] in flat.replace(" ", "")
    # the audit chain's head: the entry that recorded the last signature
    entries = audit(world, cid)["entries"]
    [last_signature] = [e for e in entries if e["type"] == "SignatureRecorded"][-1:]
    assert f"{last_signature['hash']}（第 {last_signature['seq']} 条" in flat
    assert contract["effective_date"] == "2026-11-23" and "2026-11-23" in flat
    # POST /verify: genuine, and says which contract
    verdict = _verify(world, pdf)
    assert verdict["genuine"] is True, verdict["problems"]
    assert (verdict["contract_no"], verdict["part"], verdict["version"]) == (contract["contract_no"], "contract", 1)
    assert verdict["document_sha256"] == contract["document_sha256"]


def test_each_signer_downloads_the_same_original_and_a_changed_byte_or_unsigned_copy_is_not_genuine(
    world: Any, tmp_path: Path
) -> None:
    cid = sent(world)
    client, vendor = link("client"), link("vendor")
    # before anything is in force, the signer's PDF is the plain document: not an original
    unsigned = world.call("GET", f"/sign/{client}/document.pdf", role=None, headers=PDF)
    assert unsigned.status_code == 200 and unsigned.headers["X-Signed-Original"] == "false"
    verdict = _verify(world, unsigned.body)
    assert verdict["genuine"] is False and verdict["problems"]
    sign_with_code(world, client, "李雷")
    sign_with_code(world, vendor, "韩梅梅")
    world.deliver()
    staff = world.call("GET", f"/contracts/{cid}/document?part=contract&format=pdf", headers=PDF).body
    for token in (client, vendor):
        mine = world.call("GET", f"/sign/{token}/document.pdf", role=None, headers=PDF)
        assert mine.status_code == 200 and mine.headers["X-Signed-Original"] == "true"
        assert mine.body == staff
    for address in (CLIENT, VENDOR):
        [mail] = [m for m in world_emails(address) if m["attachments"]]
        assert mail["attachments"][0]["data"] == staff
    assert _verify(world, staff)["genuine"] is True
    # one byte changed in the certificate text
    at_ = staff.rindex(b"/Contents") - 200
    changed = staff[:at_] + bytes([staff[at_] ^ 0x20]) + staff[at_ + 1 :]
    assert changed != staff
    bad = _verify(world, changed)
    assert bad["genuine"] is False and bad["problems"]
    appended = _verify(world, staff + b"\n% appended\n")
    assert appended["genuine"] is False


def world_emails(address: str) -> list[dict[str, Any]]:
    from tests.support import emails_to

    return emails_to(address)


def test_a_supplementary_agreement_is_signed_with_codes_and_becomes_its_own_original(
    world: Any, tmp_path: Path
) -> None:
    cid, _, _ = _in_force(world)
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"annual_fee": "150000.00"}, "reason": "扩大服务范围", "signing_order": "vendor_first"},
        status=201,
    )
    world.deliver()
    vendor = link("vendor")
    at(world, _sh(2026, 12, 1, 10, 0))
    reply = sign_with_code(world, vendor, "韩梅梅")
    assert reply["receipt"]["subject"] == "amendment:1" and reply["receipt"]["signed_at_local"].endswith("+08:00")
    world.deliver()
    client = link("client")
    at(world, _sh(2026, 12, 1, 11, 0))
    done = sign_with_code(world, client, "李雷")
    assert done["status"] == "effective"
    world.deliver()
    pdf = world.call("GET", f"/contracts/{cid}/document?part=amendment:1&format=pdf", headers=PDF).body
    verdict = _verify(world, pdf)
    assert verdict["genuine"] is True and (verdict["part"], verdict["version"]) == ("amendment:1", 2)
    flat = re.sub(r"\s+", " ", _text(pdf, tmp_path, _pages(pdf, tmp_path)))
    assert "补充协议" in flat and "2026-12-01 10:00:00" in flat and "2026-12-01 11:00:00" in flat
    assert _verify(world, pdf[:-10] + b"0" * 10)["genuine"] is False
    assert audit(world, cid)["verified"] is True
