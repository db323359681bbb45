"""`make demo` against the session's local stack: the whole life of the outbound-call contract, as a timeline."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest

from devstack.demo import run_demo, story_dates

pytestmark = pytest.mark.e2e


def lines_with(timeline: str, *parts: str) -> list[str]:
    return [line for line in timeline.splitlines() if all(p in line for p in parts)]


def test_demo_walks_the_contract_through_its_life(stack: Any) -> None:
    clock_file = stack.state_dir / "clock.json"
    clock_before = clock_file.read_text() if clock_file.exists() else None
    out = io.StringIO()
    started = time.monotonic()
    run_demo(stack.state_dir, out=out)
    elapsed = time.monotonic() - started
    timeline = out.getvalue()
    dates = story_dates()

    assert "the running stack" in timeline  # it reused the session's stack instead of starting one
    assert lines_with(timeline, dates.signed.isoformat(), "合同生效", f"effective {dates.signed}")
    assert lines_with(timeline, dates.signed.isoformat(), "第1年度付款通知书", "¥120,000.00", "人民币壹拾贰万元整")
    assert lines_with(timeline, dates.part_payment.isoformat(), "部分付款", "人民币贰万元整")
    # 履约 in the first month: the job finds the call results late, a KPI sheet below standard, a correction
    assert lines_with(timeline, "2024-04-06", "逾期履行通知书", "1 day late")
    assert lines_with(timeline, "emailed", "逾期履行通知书") and lines_with(timeline, "emailed", "整改通知书")
    assert lines_with(timeline, "逾期违约金 late penalty", "¥540.00（人民币伍佰肆拾元整）", "× 3 天")
    assert lines_with(timeline, "2024-04-09", "更正报送记录", "2024-04-08 → 2024-04-07")
    assert lines_with(timeline, "逾期2天", "¥360.00（人民币叁佰陆拾元整）")
    assert lines_with(timeline, "逾期违约金", "¥50.00（人民币伍拾元整）")
    assert lines_with(timeline, "逾期违约金定额", "¥2,000.00（人民币贰仟元整）")
    assert lines_with(timeline, "alerted", "InvoiceOverdue (level 30)", "PenaltyAssessed (¥1,500.00)")
    assert lines_with(timeline, "emailed", stack.info["finance_email"], "逾期提醒")
    assert lines_with(timeline, "合同金额", "人民币肆拾贰万元整")  # 120000 + 2 × 150000 after the amendment
    assert lines_with(timeline, dates.year2.isoformat(), "第2年度付款通知书", "¥150,000.00", "人民币壹拾伍万元整")
    assert lines_with(timeline, "第1年度仍为", "人民币壹拾贰万元整")
    assert lines_with(timeline, dates.notice.isoformat(), "解除合同通知书", f"takes effect {dates.terminated}")
    assert lines_with(timeline, dates.terminated.isoformat(), "合同解除", f"effective {dates.terminated}")
    assert lines_with(timeline, "alerted", "ContractTerminated")
    assert lines_with(timeline, dates.year3.isoformat(), "第3年度不开票")
    assert lines_with(timeline, "audit chain", "verified")
    assert elapsed < 120, f"the demo took {elapsed:.0f}s"
    # The stack's clock is back where it was, so the tests after this one see the real today.
    clock_after = clock_file.read_text() if clock_file.exists() else None
    assert clock_after == clock_before or json.loads(clock_after or "{}").get("offset_days", 0) == 0
