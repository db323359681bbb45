"""履约 over HTTP on the local stack: the daily job's reminder carries a submit link, the vendor fills in its KPI
sheet on that page in a real Chromium (no script on the page), a sheet below standard issues a 整改通知书, a
missed client duty gives the vendor its ground, an incident reported late is flagged."""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from devstack.clock import clock_path, set_today
from tests.e2e.helpers import signed_contract, to
from tests.factories import contract_body

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SUBMIT = re.compile(r"https?://[^\s\"<>]+/submit/[A-Za-z0-9_\-]+")
SHOTS = Path(__file__).resolve().parents[2] / ".local" / "screenshots"


def _month_after(d: date) -> date:
    return (d.replace(day=1) + timedelta(days=32)).replace(day=1)


def test_a_kpi_sheet_through_the_emailed_link(own_stack: Any) -> None:
    stack = own_stack  # a stack of its own: see the fixture
    from playwright.sync_api import sync_playwright

    # Given an outbound-call contract signed today on the stack's clock, with the template's obligations
    cid, no, effective = signed_contract(stack, contract_body())
    first = effective.strftime("%Y-%m")
    kpi_due = _month_after(effective) + timedelta(days=9)  # the KPI sheet: 10 days after the month ends
    clock = clock_path(stack.state_dir)
    set_today(clock, kpi_due - timedelta(days=5))
    try:
        # When the daily job runs on the reminder day (twice: the second run sends nothing)
        stack.worker("obligations", (kpi_due - timedelta(days=5)).isoformat())
        stack.worker("obligations", (kpi_due - timedelta(days=5)).isoformat())
        reminders = stack.wait_for_emails(
            lambda m: to("vendor@example.com")(m) and no in m["subject"] and "服务质量指标" in m["body"]
        )
        assert len(reminders) == 1
        link = SUBMIT.findall(reminders[0]["body"])[-1]
        # Then the vendor opens it and submits a sheet below the 95 % connect rate in a real browser
        SHOTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page()
                response = page.goto(link)
                assert response is not None and "script-src" not in response.headers["content-security-policy"]
                page.wait_for_load_state("networkidle")
                assert no in page.locator("body").inner_text() and first in page.title()
                page.fill("input[name=connect_rate_pct]", "93.5")
                page.fill("input[name=satisfaction_pct]", "90")
                page.check("input[name=call_quality_ok]")
                page.fill("textarea[name=note]", "12月外呼质量指标")
                page.screenshot(path=str(SHOTS / "submit-form.png"), full_page=True)
                page.click("#submit")
                page.wait_for_selector("#receipt", timeout=15000)
                assert "电话接通率" in page.locator("#receipt").inner_text()
                page.screenshot(path=str(SHOTS / "submit-receipt.png"), full_page=True)
            finally:
                browser.close()
        # And the period is delivered on time with its KPIs, and the rectification notice went to both parties
        _, view, _ = stack.request("GET", f"/contracts/{cid}/obligations")
        kpis = next(o for o in view["obligations"] if o["key"] == "quality_kpis")
        period = next(p for p in kpis["periods"] if p["period"] == first)
        assert (period["status"], period["recorded_by"], period["breaches"]) == (
            "delivered",
            "link:vendor",
            ["connect_rate"],
        )
        for who in ("client", "vendor"):
            assert stack.wait_for_emails(
                lambda m, w=who: to(f"{w}@example.com")(m) and no in m["subject"] and "整改通知书" in m["subject"]
            )
        # And the client's target list, due at the month's end, is overdue: the vendor has its ground
        _, contract, _ = stack.request("GET", f"/contracts/{cid}")
        assert [g["code"] for g in contract["termination_grounds"]] == ["client_data_not_provided"]
        # And bad input names its field
        bad = {"period": "1999-01", "delivered_on": (kpi_due - timedelta(days=5)).isoformat()}
        status, reply, _ = stack.request("POST", f"/contracts/{cid}/obligations/call_results/deliveries", bad)
        assert status == 400 and reply["error"]["field"] == "period"
        # And an incident reported 3 hours after it happened is flagged late (2 hours allowed)
        incident = {
            "occurred_at": f"{effective.isoformat()}T09:00:00+08:00",
            "reported_at": f"{effective.isoformat()}T12:00:00+08:00",
            "severity": "medium",
            "summary": "外呼线路故障",
        }
        status, reply, _ = stack.request("POST", f"/contracts/{cid}/incidents", incident)
        assert status == 201 and (reply["report_delay_hours"], reply["reported_late"]) == ("3.00", True)
    finally:
        set_today(clock, None)
