"""Helpers of the held-out document scenarios (docs/signed-originals.md): a contract in force over a Shanghai
midnight with its year-1 payment notice revised by a fee agreement, paid in part and overdue, then served a
termination notice; reading a PDF as a reader would (pdftotext, pdffonts, pdfinfo from poppler-utils)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from chalicelib.domain.calendar import SHANGHAI
from tests.support import signing_link, token_of

PDF = {"Accept": "application/pdf"}


@dataclass(frozen=True)
class Story:
    cid: str
    contract_no: str


def shanghai(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI).astimezone(UTC)


def sign_both(world: Any, headers: dict[str, str] | None = None) -> None:
    for who in ("client@example.com", "vendor@example.com"):
        token = token_of(signing_link(who))
        body = {"signer_name": "王小明" if who.startswith("client") else "李娜", "consent": True}
        world.ok("POST", f"/sign/{token}", body, role=None, status=201, headers=headers)
    world.deliver()


def story(world: Any) -> Story:
    """Given 98,765.43 a year for 3 years, signed by both at 00:30 on 23 Nov 2026 in Shanghai (still the 22nd in
    UTC): in force on 2026-11-23; the year-1 payment notice is issued that day (due 2026-12-23) and revised the
    same day by agreement no. 1 to 123,456.78; 20,000.00 is paid on 2026-12-01; on 2027-01-22 the fee is 30 days
    overdue and the client serves a termination notice."""
    cid = world.draft(annual_fee="98765.43")
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    world.clock.set(shanghai(2026, 11, 23, 0, 30))
    sign_both(world)
    world.run("invoicing", date(2026, 11, 23))
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"annual_fee": "123456.78"}, "reason": "扩大服务范围"},
        status=201,
    )
    world.deliver()
    sign_both(world)
    world.travel(date(2026, 12, 1))
    pay = {"amount": "20000.00", "paid_on": "2026-12-01", "voucher_no": "YH-20261201-1", "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{cid}/payments", pay, role="finance", status=201)
    world.run("overdue", date(2027, 1, 22))
    notice = {
        "by": "client",
        "reason_code": "convenience",
        "details": "业务调整，提前解除合同。",
        "notice_date": "2027-01-22",
    }
    world.ok("POST", f"/contracts/{cid}/termination", notice, status=201)
    world.deliver()
    return Story(cid, str(world.contract(cid)["contract_no"]))


def get_pdf(world: Any, cid: str, part: str, extra: str = "") -> Any:
    return world.call("GET", f"/contracts/{cid}/document?part={part}&format=pdf{extra}", headers=PDF)


def run_tool(tool: str, pdf: bytes, tmp: Path, *args: str) -> str:
    path = tmp / f"{tool}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])], check=True, capture_output=True, text=True
    ).stdout


def flat_text(pdf: bytes, tmp: Path, *args: str) -> str:
    """The PDF's text as one line: runs of white space (line breaks inside a table cell) removed between CJK,
    kept as one space elsewhere."""
    text = re.sub(r"\s+", " ", run_tool("pdftotext", pdf, tmp, *args))
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)


def pages(pdf: bytes, tmp: Path) -> int:
    found = re.search(r"Pages:\s+(\d+)", run_tool("pdfinfo", pdf, tmp))
    assert found is not None
    return int(found.group(1))


def info(pdf: bytes, tmp: Path) -> dict[str, str]:
    out = run_tool("pdfinfo", pdf, tmp, "-enc", "UTF-8")
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def fonts(pdf: bytes, tmp: Path) -> list[list[str]]:
    """pdffonts rows: name, type…, emb, sub, uni, object, generation."""
    return [line.split() for line in run_tool("pdffonts", pdf, tmp).splitlines()[2:] if line.strip()]
