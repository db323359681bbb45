"""`python -m devstack demo` (`make demo`): the outbound-call outsourcing contract (外呼外包合同) of the seeds
walked through its whole life on the local stack, printed as a timeline.

It uses the stack `make run` started (found through `<state dir>/stack.json`) or starts one of its own on free
ports and stops it afterwards. It drives only the public interface: the HTTP API as operator, finance and the two
signers (who sign through the links in their emails, read from moto), the workers as
`python -m functions.<name> --as-of DATE`, and the local clock file the API reads "today" from. The story:

    drafted → sent → signed by both parties → year 1 invoiced → the first month's obligations (the client's
    target list on time; the vendor's call results found late by the obligations job, 逾期履行通知书; a KPI sheet
    below standard, 整改通知书; the results' date corrected: devstack/demo_obligations.py) → paid in part →
    overdue (finance alerted at each level, late penalty assessed) → paid → supplementary agreement raising the
    fee, signed by both → year 2 invoiced at the new fee → termination notice served → year 2 paid → the notice
    takes effect → no year-3 invoice → the audit chain verified.

Every step checks what the story expects (amounts and their 大写, dates, statuses, who was emailed, which finance
alerts went out) and the demo exits non-zero naming the first step that did not, so it doubles as a test.

The story runs on fixed dates in the past (signed 2024-03-18), so the workers it fires at those dates leave alone
the contracts someone made on the stack today, and the timeline reads the same on every run but for the contract
number and hashes. The local clock is put back the way it was at the end (also on Ctrl-C or SIGTERM).
`tests/e2e/test_demo.py` runs it through run_demo() against the e2e session's stack.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
import urllib.error
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from chalicelib.domain.calendar import add_days, add_years
from chalicelib.domain.money import amount_in_figures, amount_in_words, quantize, to_money
from chalicelib.domain.uscc import make_uscc
from devstack.client import LocalStack, StackError, moto_inbox, newest_link, recipients, start_stack, token_of
from devstack.clock import clock_path, set_today, write_atomic

# ---- the story ---------------------------------------------------------------------------------------------
SIGNED_ON = date(2024, 3, 18)  # the vendor signs second: the contract takes effect this day
ANNUAL_FEE = Decimal("120000.00")
NEW_FEE = Decimal("150000.00")
TERM_YEARS = 3
DUE_DAYS = 30
PENALTY_RATE_PCT = Decimal("0.05")  # 逾期违约金: 0.05 % of the overdue amount per day, no cap
NOTICE_DAYS = 30
PART_PAYMENT = Decimal("20000.00")
OVERDUE_RUNS = ((1, True), (15, True), (30, True), (40, False))  # (days overdue, a new alert level is reached)

CLIENT = {
    "name": "北京云帆科技有限公司",
    "credit_code": make_uscc("91110105MA01ABCD1"),
    "contact_person": "张伟",
    "phone": "010-88886666",
    "email": "zhang.wei@yunfan.example.com",
    "address": "北京市朝阳区建国路88号",
}
VENDOR = {
    "name": "上海声通外呼服务有限公司",
    "credit_code": make_uscc("91310115MA1K4XY22"),
    "contact_person": "李娜",
    "phone": "021-58886666",
    "email": "li.na@shengtong.example.com",
    "address": "上海市浦东新区张江路188号",
}
TERMS: dict[str, Any] = {
    "services": ["客户咨询解答", "产品推广", "市场调研", "客户回访"],
    "service_standards": {"connect_rate_min_pct": "95", "satisfaction_min_pct": "85"},
    "term_years": TERM_YEARS,
    "annual_fee": str(ANNUAL_FEE),
    "payment_due_days": DUE_DAYS,
    "breach_penalty_pct": "10",
    "late_penalty": {"mode": "daily_pct", "rate_pct": str(PENALTY_RATE_PCT), "cap_pct": None},
    "notice_period_days": NOTICE_DAYS,
    "dispute_resolution": {"method": "arbitration", "body": "北京仲裁委员会"},
    "signing_place": "北京市朝阳区",
}

POLL_SECONDS = 0.2
WAIT_SECONDS = 20.0
OTHERS_HIDDEN_SECONDS = 60
GRACE_SECONDS = 1.0
SETTLE_SECONDS = 1.0  # the stack's stream runner polls every 0.5 s, then the notifier sends
MOTO_READ_TIMEOUT = 90.0
INDENT = " " * 12


@dataclass(frozen=True)
class StoryDates:
    """The days the story happens on (the stack's clock is set to each before its step)."""

    drafted: date
    client_signs: date
    signed: date  # the second signature: the contract takes effect
    due1: date
    part_payment: date
    paid_in_full: date  # the last overdue run: 40 days late
    amendment_proposed: date
    amendment_signed: date
    year2: date
    due2: date
    notice: date
    terminated: date
    year3: date


def story_dates(signed: date = SIGNED_ON) -> StoryDates:
    due1, year2 = add_days(signed, DUE_DAYS), add_years(signed, 1)
    paid_in_full = add_days(due1, OVERDUE_RUNS[-1][0])
    notice = add_days(year2, 14)
    return StoryDates(
        drafted=add_days(signed, -4),
        client_signs=add_days(signed, -3),
        signed=signed,
        due1=due1,
        part_payment=add_days(signed, 20),
        paid_in_full=paid_in_full,
        amendment_proposed=add_days(paid_in_full, 7),
        amendment_signed=add_days(paid_in_full, 8),
        year2=year2,
        due2=add_days(year2, DUE_DAYS),
        notice=notice,
        terminated=add_days(notice, NOTICE_DAYS),
        year3=add_years(signed, 2),
    )


class DemoFailed(RuntimeError):
    """A step's result is not what the story expects (or the stack could not be reached or started)."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailed(message)


def money(value: str | Decimal, words: str | None = None) -> str:
    """¥120,000.00（人民币壹拾贰万元整）; `words` (the API's *_in_words) must agree with our own rendering."""
    amount = to_money(value)
    mine = amount_in_words(amount)
    expect(words is None or words == mine, f"the API wrote {amount} in words as {words!r}, expected {mine!r}")
    return f"{amount_in_figures(amount)}（{mine}）"


def daily_penalty(outstanding: Decimal, days: int) -> Decimal:
    return quantize(outstanding * PENALTY_RATE_PCT / Decimal(100) * days)


# ---- the stack ------------------------------------------------------------------------------------------------
def find_stack(state_dir: Path) -> LocalStack | None:
    """The stack whose files are in `state_dir`, if it answers."""
    if not (state_dir / "stack.json").exists():
        return None
    try:
        stack = LocalStack.load(state_dir)
    except (OSError, ValueError):
        return None
    return stack if stack.answering() else None


# ---- talking to it ----------------------------------------------------------------------------------------------
class Api:
    """JSON over HTTP as a staff role (bearer key) or, with role=None, as a signer; a status other than the one
    the story expects fails the step."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        role: str | None = "operator",
        headers: dict[str, str] | None = None,
        expect_status: int = 200,
    ) -> Any:
        try:
            status, payload, _ = self.stack.request(method, path, body, role=role, headers=headers)
        except urllib.error.URLError as err:
            raise DemoFailed(f"{method} {path}: the API did not answer ({err.reason})") from None
        if status != expect_status:
            error = payload.get("error", payload) if isinstance(payload, dict) else str(payload)[:300]
            raise DemoFailed(f"{method} {path} answered {status}, expected {expect_status}: {error}")
        return payload


class Mailbox:
    """The emails moto's SES kept (`/moto-api/data.json`) about one contract.

    Each step claims the emails it expects, oldest first, so an email that arrives early (a scheduled worker of
    `make run` got there first) still counts for its own step; whatever no step claims is reported at the end.
    Reading them means moto serialising its whole state, which grows with the stack's uptime and holds up every
    other AWS call meanwhile, so the demo reads only when it needs a signing link and at the end."""

    def __init__(self, stack: LocalStack) -> None:
        self.endpoint = str(stack.info["aws_endpoint_url"])
        self.contract_no = ""
        self.claimed: set[str] = set()
        self.all: list[dict[str, Any]] = []

    def fetch(self) -> list[dict[str, Any]]:
        try:
            return moto_inbox(self.endpoint, MOTO_READ_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - report whatever went wrong reading moto
            raise DemoFailed(
                f"could not read the emails from moto at {self.endpoint} ({exc}); /moto-api/data.json gets slower "
                "the longer a local stack runs, so restarting `make run` may help"
            ) from None

    def mine(self) -> list[dict[str, Any]]:
        self.all = [m for m in self.fetch() if self.contract_no and self.contract_no in str(m.get("subject", ""))]
        return self.all

    def claim(
        self,
        groups: Sequence[Sequence[tuple[str, str]]],
        wait: bool = True,
        settle: float = 0.0,
        timeout: float = WAIT_SECONDS,
    ) -> list[list[dict[str, Any]]]:
        """For each group of (recipient, subject keyword) in order, claims one unclaimed email per item; waits up
        to `timeout` for all of them (fails naming what is missing), or with wait=False takes what is there.
        `settle`: seconds to give the notifier before the first (costly) read."""
        deadline = time.monotonic() + timeout
        pause = POLL_SECONDS
        if wait:
            time.sleep(settle)
        while True:
            free = self.unclaimed(refresh=True)
            found: list[list[dict[str, Any]]] = []
            missing: list[tuple[str, str]] = []
            for group in groups:
                got, lacking = _match(group, free, _is_email_about)
                free = [m for m in free if not any(m is g for g in got)]
                found.append(got)
                missing.extend(lacking)
            if not missing or not wait:
                self.claimed.update(str(m.get("id")) for got in found for m in got)
                return found
            if time.monotonic() > deadline:
                wanted = "; ".join(f"{addr} about {kw}" for addr, kw in missing)
                extra = "; ".join(f"{', '.join(recipients(m))}: {short_subject(m)}" for m in free) or "none"
                raise DemoFailed(f"no email to {wanted} within {timeout:.0f}s (other new emails: {extra})")
            time.sleep(pause)
            pause = min(1.0, pause * 2)

    def unclaimed(self, refresh: bool = False) -> list[dict[str, Any]]:
        return [m for m in (self.mine() if refresh else self.all) if str(m.get("id")) not in self.claimed]

    def newest_link(self, address: str, keyword: str) -> str:
        """The signing link in the newest email to `address` about this contract with `keyword` in its subject."""
        link = newest_link(self.all, address, keyword)
        expect(link is not None, f"no signing email to {address} with {keyword} in its subject")
        return str(link)


class AlertQueue:
    """Finance's alerts about one contract from the local subscriber queue (`finance_alerts_queue_url`).

    Alerts about this contract are taken off the queue; any other message seen while looking is made visible
    again at the end (release()), so whoever else reads the queue still gets it."""

    def __init__(self, stack: LocalStack) -> None:
        import boto3

        self.url = str(stack.info["finance_alerts_queue_url"])
        self.sqs: Any = boto3.client(
            "sqs",
            endpoint_url=str(stack.info["aws_endpoint_url"]),
            region_name=str(stack.info["region"]),
            aws_access_key_id=stack.env.get("AWS_ACCESS_KEY_ID", "testing"),
            aws_secret_access_key=stack.env.get("AWS_SECRET_ACCESS_KEY", "testing"),
            aws_session_token=stack.env.get("AWS_SESSION_TOKEN", "testing"),
        )
        self.contract_no = ""
        self.pending: list[dict[str, Any]] = []
        self.others: dict[str, str] = {}

    def drain(self) -> None:
        while True:
            msgs = self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=OTHERS_HIDDEN_SECONDS, WaitTimeSeconds=0
            ).get("Messages", [])
            if not msgs:
                return
            for msg in msgs:
                try:
                    body = json.loads(msg["Body"])
                except ValueError:
                    body = {}
                if isinstance(body, dict) and self.contract_no and body.get("contract_no") == self.contract_no:
                    self.pending.append(body)
                    self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=msg["ReceiptHandle"])
                else:
                    # Left hidden while the demo runs (receiving it again on every poll would only slow moto down).
                    self.others[str(msg["MessageId"])] = str(msg["ReceiptHandle"])

    def release(self) -> None:
        """Makes the other messages seen while looking visible again now."""
        entries = [
            {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0} for i, h in enumerate(self.others.values())
        ]
        self.others = {}
        for i in range(0, len(entries), 10):
            try:
                self.sqs.change_message_visibility_batch(QueueUrl=self.url, Entries=entries[i : i + 10])
            except Exception:  # noqa: BLE001 - at worst they reappear by themselves after the visibility timeout
                return

    def wait(self, expected: Sequence[str], timeout: float = WAIT_SECONDS) -> list[dict[str, Any]]:
        """Claims one received alert per event type in `expected` (oldest first); fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            self.drain()
            found, missing = _match(expected, self.pending, lambda a, e: a.get("event_type") == e)
            if not missing:
                self.pending = [a for a in self.pending if not any(a is f for f in found)]
                return found
            if time.monotonic() > deadline:
                have = ", ".join(str(a.get("event_type")) for a in self.pending) or "none"
                raise DemoFailed(f"finance was not alerted {', '.join(missing)} within {timeout:.0f}s (got: {have})")
            time.sleep(POLL_SECONDS)


def _match(
    expected: Sequence[Any], items: list[dict[str, Any]], match: Callable[[dict[str, Any], Any], bool]
) -> tuple[list[dict[str, Any]], list[Any]]:
    """(the items taken, the expectations left over) when each expectation takes its own oldest matching item."""
    free = list(items)
    found: list[dict[str, Any]] = []
    missing = []
    for e in expected:
        hit = next((i for i, item in enumerate(free) if match(item, e)), None)
        if hit is None:
            missing.append(e)
        else:
            found.append(free.pop(hit))
    return found, missing


def _is_email_about(message: dict[str, Any], expected: tuple[str, str]) -> bool:
    address, keyword = expected
    return address in recipients(message) and keyword in str(message.get("subject", ""))


def short_subject(message: dict[str, Any]) -> str:
    """'[HT-…] 付款通知书 / Payment notice — 甲方 · 乙方' → '付款通知书 / Payment notice'."""
    subject = str(message.get("subject", ""))
    subject = re.sub(r"^\[[^\]]*\]\s*", "", subject)
    return subject.split(" — ", 1)[0]


class Clock:
    """The local stack's "today" (devstack.clock's file, read by the API and the workers on every call); put
    back as it was by restore()."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.original = path.read_text(encoding="utf-8") if path.exists() else None

    def set(self, day: date) -> None:
        set_today(self.path, day, hold_schedule=True)  # no daily run joins the story on a moved day

    def restore(self) -> None:
        if self.original is None:
            self.path.unlink(missing_ok=True)
        else:
            write_atomic(self.path, self.original)


# ---- the timeline ------------------------------------------------------------------------------------------------
@dataclass
class Entry:
    """One step's lines, the emails it expects (resolved when the timeline is flushed) and its alerts."""

    lines: list[str] = field(default_factory=list)
    emails: list[tuple[str, str]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)


class Timeline:
    """Lines are kept per step until flush(), which reads the emails once for all of them and prints."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.entries: list[Entry] = []

    def begin(self) -> None:
        self.entries.append(Entry())

    def write(self, text: str = "") -> None:
        if not self.entries:
            self.begin()
        self.entries[-1].lines.append(text)

    def event(self, day: date, event: str, details: str = "") -> None:
        self.write(f"{day.isoformat()}  {event}" + (f"  {details}" if details else ""))

    def more(self, text: str) -> None:
        self.write(INDENT + text)

    def expect(self, emails: Sequence[tuple[str, str]], alerts: list[dict[str, Any]]) -> None:
        if not self.entries:
            self.begin()
        self.entries[-1].emails.extend(emails)
        self.entries[-1].alerts.extend(alerts)

    def flush(self, mail: Mailbox | None, wait: bool = True, settle: float = 0.0) -> bool:
        """Prints the kept lines with their emails; True if it read the emails to do so."""
        entries, self.entries = self.entries, []
        groups = [e.emails for e in entries]
        sent: list[list[dict[str, Any]]] = [[] for _ in entries]
        try:
            if mail is not None and any(groups):
                sent = mail.claim(groups, wait=wait, settle=settle)
                return True
        finally:
            for entry, messages in zip(entries, sent, strict=True):
                lines = list(entry.lines)
                lines += [f"{INDENT}emailed  {', '.join(recipients(m)):<29} 「{short_subject(m)}」" for m in messages]
                if entry.alerts:
                    lines.append(f"{INDENT}alerted  finance: " + ", ".join(_describe_alert(a) for a in entry.alerts))
                self.out.write("".join(line + "\n" for line in lines))
            self.out.flush()
        return False


def _describe_alert(alert: dict[str, Any]) -> str:
    kind = str(alert.get("event_type"))
    if kind == "InvoiceOverdue":
        return f"{kind} (level {alert.get('level')})"
    if kind == "PenaltyAssessed":
        return f"{kind} ({amount_in_figures(to_money(str(alert.get('penalty_total'))))})"
    if kind in ("InvoiceIssued", "PaymentReceived"):
        return f"{kind} ({amount_in_figures(to_money(str(alert.get('amount'))))})"
    if kind in ("ContractTerminated", "NoticeServed"):
        return f"{kind} (effective {alert.get('effective_date')})"
    return kind


# ---- the story, step by step -------------------------------------------------------------------------------
@dataclass
class Story:
    stack: LocalStack
    timeline: Timeline
    api: Api = field(init=False)
    mail: Mailbox = field(init=False)
    alerts: AlertQueue = field(init=False)
    clock: Clock = field(init=False)
    contract_id: str = ""
    contract_no: str = ""
    step: str = ""
    penalty_total: Decimal = Decimal("0.00")

    def __post_init__(self) -> None:
        self.api = Api(self.stack)
        self.mail = Mailbox(self.stack)
        self.alerts = AlertQueue(self.stack)
        self.clock = Clock(clock_path(self.stack.state_dir))

    # helpers
    @contextmanager
    def at(self, day: date, step: str) -> Iterator[None]:
        """Runs one step with the stack's "today" set to `day`; failures name the step."""
        self.step = f"{day.isoformat()} {step}"
        self.clock.set(day)
        self.timeline.begin()
        yield

    def deliveries(self, emails: Sequence[tuple[str, str]] = (), alerts: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Waits for the step's finance alerts now (cheap); its emails are checked when the timeline is flushed."""
        raised = self.alerts.wait(alerts)
        self.timeline.expect(emails, raised)
        return raised

    def worker(self, name: str, day: date) -> dict[str, Any]:
        try:
            return self.stack.worker(name, day.isoformat())
        except StackError as exc:
            raise DemoFailed(str(exc)) from None

    def invoices(self, as_of: date) -> list[dict[str, Any]]:
        body = self.api.call("GET", f"/contracts/{self.contract_id}/invoices?as_of={as_of.isoformat()}")
        return list(body["items"])

    def invoice(self, year: int, as_of: date) -> dict[str, Any]:
        found = [i for i in self.invoices(as_of) if i["year"] == year]
        expect(len(found) == 1, f"expected one invoice for contract year {year}, found {len(found)}")
        return found[0]

    def contract(self) -> dict[str, Any]:
        return dict(self.api.call("GET", f"/contracts/{self.contract_id}"))

    def sign(self, party: str, signer: str, keyword: str, expected_status: str) -> dict[str, Any]:
        address = (CLIENT if party == "client" else VENDOR)["email"]
        link = self.mail.newest_link(address, keyword)
        token = token_of(link)
        view = self.api.call("GET", f"/sign/{token}", role=None, headers={"Accept": "application/json"})
        expect(view["party"] == party, f"the link emailed to {address} signs for {view['party']}, not the {party}")
        body = {"signer_name": signer, "consent": True, "document_sha256": view["document_sha256"]}
        if view["verification"]["method"] == "email_code":
            body["code"] = self.one_time_code(token, address)
        receipt = self.api.call("POST", f"/sign/{token}", body, role=None, expect_status=201)
        expect(
            receipt["receipt"]["verification"] == view["verification"]["method"],
            f"the signature records verification {receipt['receipt']['verification']}",
        )
        expect(
            receipt["status"] == expected_status,
            f"after the {party} signed, the status is {receipt['status']}, expected {expected_status}",
        )
        return {"view": view, "receipt": receipt, "address": address}

    def one_time_code(self, token: str, address: str) -> str:
        """Asks for the signer's one-time code and reads it from the email it came in (claimed here)."""
        self.api.call("POST", f"/sign/{token}/code", {}, role=None, expect_status=201)
        ((email,),) = self.mail.claim([[(address, "签署验证码")]])
        found = re.search(r"签署验证码：(\d{6})", str(email.get("subject", "")))
        expect(found is not None, f"no one-time code in the email to {address}")
        assert found is not None
        return found.group(1)

    def pay(self, amount: Decimal, paid_on: date, voucher: str, replay: bool = False) -> dict[str, Any]:
        body = {"amount": str(amount), "paid_on": paid_on.isoformat(), "voucher_no": voucher, "method": "bank_transfer"}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        path = f"/contracts/{self.contract_id}/payments"
        result = dict(self.api.call("POST", path, body, role="finance", headers=key, expect_status=201))
        if replay:
            again = self.api.call("POST", path, body, role="finance", headers=key, expect_status=201)
            expect(again == result, "replaying the payment with the same Idempotency-Key gave a different answer")
            payments = self.api.call("GET", path, role="finance")["items"]
            expect(
                [p["voucher_no"] for p in payments].count(voucher) == 1,
                f"voucher {voucher} is recorded {[p['voucher_no'] for p in payments].count(voucher)} times",
            )
        return result

    # the steps
    def run(self) -> None:
        from devstack import demo_obligations

        t = self.timeline
        client, vendor, finance = CLIENT["email"], VENDOR["email"], str(self.stack.info["finance_email"])
        d = story_dates()
        drafted_on, client_signs_on, year2, year3, due1, due2 = (
            d.drafted,
            d.client_signs,
            d.year2,
            d.year3,
            d.due1,
            d.due2,
        )

        with self.at(drafted_on, "起草 draft"):
            body = {"template": "outbound-call-outsourcing", "client": CLIENT, "vendor": VENDOR, "terms": TERMS}
            created = self.api.call("POST", "/contracts", body, expect_status=201)
            self.contract_id, self.contract_no = str(created["id"]), str(created["contract_no"])
            self.mail.contract_no = self.alerts.contract_no = self.contract_no
            expect(created["status"] == "draft", f"a new contract is {created['status']}, expected draft")
            amount = ANNUAL_FEE * TERM_YEARS
            expect(
                to_money(created["contract_amount"]) == amount,
                f"contract amount {created['contract_amount']}, expected {amount}",
            )
            t.event(drafted_on, "起草合同 drafted", f"{self.contract_no} 外呼外包合同 · 模板 outbound-call-outsourcing")
            t.more(f"年费 annual fee {money(ANNUAL_FEE)} × {TERM_YEARS} 年 years, 付款期限 due in {DUE_DAYS} 天 days")
            t.more(f"合同金额 contract amount {money(created['contract_amount'], created['contract_amount_in_words'])}")
            t.more(f"逾期违约金 late penalty {PENALTY_RATE_PCT}%/日 per day of the overdue amount, 不封顶 no cap")

        with self.at(drafted_on, "发送签署 send"):
            sent = self.api.call("POST", f"/contracts/{self.contract_id}/send")
            expect(sent["status"] == "awaiting_signatures", f"after sending the status is {sent['status']}")
            expect(sent["document_frozen"] is True, "the document was not frozen when sent")
            t.event(drafted_on, "发送签署 sent for signature", f"document SHA-256 {sent['document_sha256'][:16]}…")
            self.deliveries([(client, "请签署合同"), (vendor, "请签署合同")])
            self.timeline.flush(self.mail, settle=SETTLE_SECONDS)  # the signers' links are in these emails

        with self.at(client_signs_on, "甲方签署 client signs"):
            signed = self.sign("client", CLIENT["contact_person"], "请签署合同", "awaiting_signatures")
            view = signed["view"]
            expect(
                view["annual_fee_in_words"] == amount_in_words(ANNUAL_FEE),
                f"the signing page shows the annual fee as {view['annual_fee_in_words']}",
            )
            t.event(
                client_signs_on,
                "甲方签署 client signed",
                f"{CLIENT['contact_person']} for {CLIENT['name']}, through the link emailed to {client}",
            )
            self.deliveries()

        with self.at(SIGNED_ON, "乙方签署 vendor signs"):
            signed = self.sign("vendor", VENDOR["contact_person"], "请签署合同", "active")
            expect(
                signed["receipt"]["effective_date"] == SIGNED_ON.isoformat(),
                f"effective date {signed['receipt']['effective_date']}, expected {SIGNED_ON} (the second signature)",
            )
            c = self.contract()
            t.event(
                SIGNED_ON,
                "乙方签署 vendor signed",
                f"{VENDOR['contact_person']} for {VENDOR['name']}, through the link emailed to {vendor}",
            )
            t.event(
                SIGNED_ON,
                "合同生效 in force",
                f"生效 effective {c['effective_date']} · 期限届满 term ends {c['end_date']} · status {c['status']}",
            )
            self.deliveries([(client, "合同已生效"), (vendor, "合同已生效")], ["ContractActivated"])

        with self.at(SIGNED_ON, "第1年度开票 year-1 invoice"):
            result = self.worker("invoicing", SIGNED_ON)
            inv = self.invoice(1, SIGNED_ON)
            self._check_invoice(inv, ANNUAL_FEE, SIGNED_ON, due1)
            t.event(
                SIGNED_ON,
                "第1年度付款通知书 year-1 invoice",
                f"{money(inv['amount'], inv['amount_in_words'])} · 付款期限 due {inv['due_date']}",
            )
            t.more(
                f"服务期间 period {inv['period_start']} — {inv['period_end']} "
                f"(invoicing --as-of {SIGNED_ON}: {result['invoices_issued']} issued)"
            )
            self.deliveries([(client, "付款通知书")], ["InvoiceIssued"])

        demo_obligations.first_month(self)  # 履约: the target list, the job finds the call results late

        part_day = d.part_payment
        with self.at(part_day, "部分付款 part payment"):
            voucher = f"YH{part_day:%Y%m%d}-{self.contract_no[-8:]}-1"
            paid = self.pay(PART_PAYMENT, part_day, voucher, replay=True)
            outstanding = ANNUAL_FEE - PART_PAYMENT
            expect(
                to_money(paid["outstanding_after"]) == outstanding,
                f"outstanding after the part payment {paid['outstanding_after']}, expected {outstanding}",
            )
            alloc = paid["allocations"]
            expect(
                len(alloc) == 1 and alloc[0]["year"] == 1 and alloc[0]["status"] == "partially_paid",
                f"the part payment was allocated as {alloc}, expected to year 1, partially paid",
            )
            t.event(
                part_day,
                "部分付款 paid in part",
                f"{money(paid['amount'], paid['amount_in_words'])} 凭证 voucher {voucher} → 第1年度 year 1",
            )
            t.more(f"尚欠 still outstanding {money(paid['outstanding_after'])} (same Idempotency-Key replayed: once)")
            self.deliveries([(client, "收款确认")], ["PaymentReceived"])

        demo_obligations.reports(self)  # the results late, a KPI sheet below standard, a correction

        for days, new_level in OVERDUE_RUNS:
            day = add_days(due1, days)
            with self.at(day, f"逾期 overdue {days} days"):
                result = self.worker("overdue", day)
                inv = self.invoice(1, day)
                accrued = daily_penalty(outstanding, days)
                pen = inv["penalties"]
                expect(
                    inv["overdue"] is True and inv["days_overdue"] == days,
                    f"invoice 1 on {day}: overdue={inv['overdue']}, {inv['days_overdue']} days; expected {days} days",
                )
                expect(
                    to_money(inv["outstanding"]) == outstanding,
                    f"overdue outstanding {inv['outstanding']}, expected {outstanding} (after the part payment)",
                )
                expect(
                    to_money(pen["accrued"]) == accrued,
                    f"late penalty accrued {pen['accrued']} on {day}, expected {accrued} "
                    f"({outstanding} × {PENALTY_RATE_PCT}% × {days})",
                )
                t.event(
                    day,
                    f"逾期{days}天 overdue {days} day{'s' if days > 1 else ''}",
                    f"第1年度 year 1 未付 outstanding {money(inv['outstanding'], inv['outstanding_in_words'])}",
                )
                t.more(
                    f"逾期违约金 late penalty {money(pen['accrued'], pen['accrued_in_words'])} "
                    f"= {amount_in_figures(outstanding)} × {PENALTY_RATE_PCT}% × {days} 天"
                )
                if new_level:
                    expect(days in inv["alert_levels_sent"], f"alert level {days} not recorded on the invoice")
                    expect(
                        to_money(pen["assessed"]) == accrued,
                        f"penalty assessed {pen['assessed']}, expected {accrued}",
                    )
                    raised = self.deliveries(
                        [(client, "催款函"), (finance, "逾期提醒")], ["InvoiceOverdue", "PenaltyAssessed"]
                    )
                    levels = [a.get("level") for a in raised if a.get("event_type") == "InvoiceOverdue"]
                    expect(levels == [days], f"overdue alert levels {levels}, expected [{days}]")
                else:
                    sent_levels = ", ".join(str(lv) for lv in inv["alert_levels_sent"])
                    t.more(
                        f"无新提醒 no new alert level (sent: {sent_levels} days; overdue --as-of {day}: "
                        f"{result['escalated']} escalated); penalty from GET invoices?as_of={day}"
                    )
                    self.deliveries()
        last_overdue_day = d.paid_in_full

        with self.at(last_overdue_day, "付清 payment in full"):
            voucher = f"YH{last_overdue_day:%Y%m%d}-{self.contract_no[-8:]}-2"
            paid = self.pay(outstanding, last_overdue_day, voucher)
            expect(to_money(paid["outstanding_after"]) == 0, f"still outstanding {paid['outstanding_after']}")
            inv = self.invoice(1, last_overdue_day)
            final = daily_penalty(outstanding, (last_overdue_day - due1).days)
            pen = inv["penalties"]
            expect(inv["status"] == "paid", f"invoice 1 is {inv['status']} after paying the rest, expected paid")
            expect(to_money(pen["assessed"]) == final, f"penalty assessed {pen['assessed']}, expected {final}")
            self.penalty_total = final
            t.event(
                last_overdue_day,
                "付清 paid in full",
                f"{money(paid['amount'], paid['amount_in_words'])} 凭证 voucher {voucher} → 第1年度 year 1 paid",
            )
            t.more(f"逾期违约金定额 late penalty assessed {money(pen['assessed'], pen['assessed_in_words'])}")
            self.deliveries([(client, "收款确认")], ["PaymentReceived", "PenaltyAssessed"])

        proposed_on = d.amendment_proposed
        with self.at(proposed_on, "补充协议 amendment"):
            reason = "外呼业务量增加，双方协商自下一合同年度起调整服务费用"
            made = self.api.call(
                "POST",
                f"/contracts/{self.contract_id}/amendments",
                {"changes": {"annual_fee": str(NEW_FEE)}, "reason": reason},
                expect_status=201,
            )
            no = made["amendment_no"]
            expect(made["status"] == "awaiting_signatures", f"the amendment is {made['status']} after proposing it")
            t.event(
                proposed_on,
                f"补充协议（第{no}号） supplementary agreement no. {no}",
                f"年费 annual fee {amount_in_figures(ANNUAL_FEE)} → {money(NEW_FEE)}",
            )
            t.more(f"理由 reason: {reason}")
            self.deliveries([(client, "请签署补充协议"), (vendor, "请签署补充协议")])
            self.timeline.flush(self.mail, settle=SETTLE_SECONDS)

        amended_on = d.amendment_signed
        with self.at(amended_on, "补充协议签署 amendment signed"):
            sign_it = f"请签署补充协议（第{no}号）"
            self.sign("client", CLIENT["contact_person"], sign_it, "awaiting_signatures")
            self.sign("vendor", VENDOR["contact_person"], sign_it, "effective")
            c = self.contract()
            amendment = c["amendments"][-1]
            new_amount = ANNUAL_FEE + NEW_FEE * (TERM_YEARS - 1)
            expect(
                amendment["status"] == "effective" and amendment["effective_date"] == amended_on.isoformat(),
                f"amendment {amendment['status']} from {amendment['effective_date']}, expected effective {amended_on}",
            )
            expect(to_money(c["terms"]["annual_fee"]) == NEW_FEE, f"annual fee in force {c['terms']['annual_fee']}")
            expect(
                to_money(c["contract_amount"]) == new_amount,
                f"contract amount {c['contract_amount']} after the amendment, expected {new_amount}",
            )
            t.event(
                amended_on,
                "补充协议生效 amendment in force",
                f"signed by {CLIENT['contact_person']} and {VENDOR['contact_person']} through their emailed links",
            )
            t.more(f"新年费自第2年度 new fee from contract year 2 ({year2}): {money(c['terms']['annual_fee'])}")
            t.more(f"合同金额 contract amount {money(c['contract_amount'], c['contract_amount_in_words'])}")
            in_force = f"补充协议（第{no}号）已生效"
            self.deliveries([(client, in_force), (vendor, in_force)])

        with self.at(year2, "第2年度开票 year-2 invoice"):
            result = self.worker("invoicing", year2)
            inv2 = self.invoice(2, year2)
            inv1 = self.invoice(1, year2)
            self._check_invoice(inv2, NEW_FEE, year2, due2)
            expect(to_money(inv1["amount"]) == ANNUAL_FEE, f"year 1 changed to {inv1['amount']} after the amendment")
            t.event(
                year2,
                "第2年度付款通知书 year-2 invoice",
                f"{money(inv2['amount'], inv2['amount_in_words'])} · 付款期限 due {inv2['due_date']}",
            )
            t.more(
                f"新年费 new fee; 第1年度仍为 year 1 stays {money(inv1['amount'], inv1['amount_in_words'])} "
                f"(invoicing --as-of {year2}: {result['invoices_issued']} issued)"
            )
            self.deliveries([(client, "付款通知书")], ["InvoiceIssued"])

        notice_day, ends_on = d.notice, d.terminated
        with self.at(notice_day, "解除通知 termination notice"):
            notice = self.api.call(
                "POST",
                f"/contracts/{self.contract_id}/termination",
                {
                    "by": "client",
                    "reason_code": "convenience",
                    "details": "甲方外呼业务调整，提前三十日书面通知解除合同",
                },
                expect_status=201,
            )
            expect(
                notice["notice_date"] == notice_day.isoformat(),
                f"notice date {notice['notice_date']}, expected today on the stack's clock ({notice_day})",
            )
            expect(
                notice["effective_date"] == ends_on.isoformat(),
                f"the notice takes effect {notice['effective_date']}, expected {ends_on}",
            )
            expect(notice["contract_status"] == "terminating", f"contract is {notice['contract_status']}")
            t.event(
                notice_day,
                "解除合同通知书 termination notice",
                f"甲方 client, 提前解除 convenience, 通知期 {NOTICE_DAYS} 天 → 解除生效 takes effect {ends_on}",
            )
            raised = self.deliveries([(client, "解除合同通知书"), (vendor, "解除合同通知书")], ["NoticeServed"])
            owed = next(a for a in raised if a.get("event_type") == "NoticeServed").get("outstanding_total", "0.00")
            expect(to_money(str(owed)) == NEW_FEE, f"the notice lists {owed} outstanding, expected {NEW_FEE}")
            t.more(f"尚欠 outstanding {money(str(owed))} — 已开具的款项仍应支付 issued invoices stay payable")

        with self.at(due2, "第2年度付款 year-2 payment"):
            voucher = f"YH{due2:%Y%m%d}-{self.contract_no[-8:]}-3"
            paid = self.pay(NEW_FEE, due2, voucher)
            inv2 = self.invoice(2, due2)
            expect(inv2["status"] == "paid", f"invoice 2 is {inv2['status']} after paying it, expected paid")
            expect(to_money(inv2["penalties"]["assessed"]) == 0, "a penalty was assessed on an invoice paid on time")
            t.event(
                due2,
                "第2年度付清 year 2 paid on time",
                f"{money(paid['amount'], paid['amount_in_words'])} 凭证 voucher {voucher}, 无违约金 no penalty",
            )
            self.deliveries([(client, "收款确认")], ["PaymentReceived"])

        with self.at(ends_on, "解除生效 termination"):
            self.worker("lifecycle", ends_on)
            c = self.contract()
            expect(c["status"] == "terminated", f"the contract is {c['status']} on {ends_on}, expected terminated")
            expect(c["closed_on"] == ends_on.isoformat(), f"closed on {c['closed_on']}, expected {ends_on}")
            t.event(ends_on, "合同解除 terminated", f"解除生效 termination effective {c['closed_on']} ({c['status']})")
            self.deliveries([(client, "合同已解除"), (vendor, "合同已解除")], ["ContractTerminated"])

        with self.at(year3, "第3年度 year 3"):
            result = self.worker("invoicing", year3)
            items = self.invoices(year3)
            c = self.contract()
            expect(
                [i["year"] for i in items] == [1, 2], f"invoices after termination: years {[i['year'] for i in items]}"
            )
            expect(
                c["next_invoice_on"] is None, f"a terminated contract still has a next invoice {c['next_invoice_on']}"
            )
            t.event(
                year3,
                "第3年度不开票 no year-3 invoice",
                f"合同已解除 terminated; invoicing --as-of {year3} issued none for it (invoices: years 1, 2)",
            )
            self.deliveries()

        with self.at(year3, "审计 audit"):
            audit = self.api.call("GET", f"/contracts/{self.contract_id}/audit")
            expect(audit["verified"] is True, f"the audit chain does not verify: {audit.get('problems')}")
            invoiced = sum((to_money(i["amount"]) for i in items), Decimal(0))
            received = sum((to_money(i["paid"]) for i in items), Decimal(0))
            expect(received == invoiced, f"received {received} of {invoiced} invoiced")
            t.write()
            t.write(f"审计链 audit chain: {len(audit['entries'])} entries, head {str(audit['head'])[:16]}… verified ✓")
            t.write(
                f"合计 totals: 开票 invoiced {money(invoiced)} · 收款 received {money(received)} · "
                f"逾期违约金 late penalty {money(self.penalty_total)}"
            )

        self.step = "检查通知 every email and alert accounted for"
        time.sleep(GRACE_SECONDS)  # room for a duplicate to show up
        self.alerts.drain()
        fresh = self.timeline.flush(self.mail)
        extra_mail = [
            f"{', '.join(recipients(m))} 「{short_subject(m)}」" for m in self.mail.unclaimed(refresh=not fresh)
        ]
        extra_alerts = [_describe_alert(a) for a in self.alerts.pending]
        expect(
            not extra_mail and not extra_alerts,
            f"messages no step of the story explains: emails {extra_mail or 'none'}; alerts {extra_alerts or 'none'}",
        )

    @staticmethod
    def _check_invoice(inv: dict[str, Any], amount: Decimal, issued: date, due: date) -> None:
        expect(to_money(inv["amount"]) == amount, f"invoice {inv['year']} is {inv['amount']}, expected {amount}")
        expect(
            inv["amount_in_words"] == amount_in_words(amount),
            f"invoice {inv['year']} in words {inv['amount_in_words']}",
        )
        expect(inv["issue_date"] == issued.isoformat(), f"invoice {inv['year']} issued {inv['issue_date']}")
        expect(inv["due_date"] == due.isoformat(), f"invoice {inv['year']} due {inv['due_date']}, expected {due}")


def run_demo(state_dir: Path, out: TextIO | None = None) -> None:
    """Walks the story on the stack in `state_dir` (or on one started for the purpose); raises DemoFailed."""
    out = out if out is not None else sys.stdout
    started = time.monotonic()
    timeline = Timeline(out)
    stack = find_stack(state_dir)
    if stack is None:
        print(f"no local stack answers for {state_dir}; starting one for this demo…", file=sys.stderr, flush=True)
        try:
            stack = start_stack()
        except StackError as exc:
            raise DemoFailed(str(exc)) from None
        where = f"{stack.api} (started for this demo, stopped at the end)"
    else:
        where = f"{stack.api} (the running stack in {state_dir})"
    stack.user_agent = "hetong-demo"
    story: Story | None = None
    try:
        story = Story(stack, timeline)
        timeline.write("Hetong demo · 外呼外包合同的一生 / the life of an outbound-call outsourcing contract")
        timeline.write(f"  stack   {where}")
        timeline.write(
            f"  甲方    {CLIENT['name']} ({CLIENT['credit_code']}) · {CLIENT['contact_person']} <{CLIENT['email']}>"
        )
        timeline.write(
            f"  乙方    {VENDOR['name']} ({VENDOR['credit_code']}) · {VENDOR['contact_person']} <{VENDOR['email']}>"
        )
        timeline.write(f"  财务    {stack.info['finance_email']} and the finance alerts queue (SNS → SQS)")
        timeline.write()
        timeline.flush(None)
        try:
            story.run()
        except DemoFailed as exc:
            with suppress(Exception):
                timeline.flush(story.mail, wait=False)  # show how far the story got
            raise DemoFailed(f"step {story.step!r} ({story.contract_no or 'no contract yet'}): {exc}") from None
    finally:
        if story is not None:
            story.clock.restore()
            story.alerts.release()
        stack.stop()
    timeline.write(f"用时 wall time {time.monotonic() - started:.1f} s")
    timeline.flush(None)


def main(args: argparse.Namespace) -> int:
    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds through run_demo's cleanup: the clock is put back

    signal.signal(signal.SIGTERM, terminate)
    try:
        run_demo(Path(args.state_dir).resolve())
    except DemoFailed as exc:
        print(f"\ndemo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ndemo interrupted", file=sys.stderr)
        return 130
    return 0
