"""The receivables-ledger migration (`python -m functions.migrate`) through the real repository on moto: data
stored the way the code wrote it before the ledger is carried over once, and a second run writes nothing."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import boto3
import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.domain.audit import canonical_json
from chalicelib.services.base import stage_events
from chalicelib.services.ports import Changes
from tests.fakes import raw_event
from tests.stored_items import store_body, stored_body
from tests.support import finance_messages

pytestmark = pytest.mark.integration
TODAY = date(2028, 1, 10)


def table() -> Any:
    return boto3.resource("dynamodb", region_name="us-east-1").Table(get_deps().settings.table_name)


def chain(cid: str, at: str, type_: str, data: dict[str, Any]) -> None:
    """An audit entry as the old code wrote it (its outbox event long delivered)."""
    repo = get_deps().repo
    c = repo.get_contract(cid)
    changes = Changes(contract=c, expected_version=c.version)
    stage_events(changes, [raw_event(type_, data)], "finance:test", at)
    changes.outbox = []
    repo.commit(changes)


def old_payment(cid: str, voucher: str, amount: str, paid_on: str, recorded_at: str) -> None:
    table().put_item(
        Item={
            "pk": f"CONTRACT#{cid}",
            "sk": f"PAYMENT#{voucher}",
            "kind": "payment",
            "voucher_no": voucher,
            "amount": amount,
            "paid_on": paid_on,
            "method": "bank_transfer",
            "recorded_at": recorded_at,
            "recorded_by": "finance:test",
            "allocations": "[]",
        }
    )
    table().put_item(Item={"pk": f"VOUCHER#{voucher}", "sk": "UNIQUE", "kind": "unique", "ref": cid})


def old_invoice(cid: str, year: int, status: str, paid: list[tuple[str, str, str]], assessed: str | None) -> None:
    key = {"pk": f"CONTRACT#{cid}", "sk": f"INVOICE#{year:03d}"}
    item = table().get_item(Key=key)["Item"]
    body = json.loads(str(item["body"]))
    for name in ("original_amount", "original_due_on", "payment_due_days"):
        body.pop(name)
    body["status"] = status
    body["allocations"] = [{"voucher_no": v, "paid_on": on, "amount": a} for v, on, a in paid]
    if assessed:
        body["assessments"] = [{"on": "2027-12-01", "days_overdue": 344, "total": assessed, "delta": assessed}]
    item.update(body=canonical_json(body), status=status)
    if status not in ("open", "partially_paid"):
        item.pop("s1pk", None)
        item.pop("s1sk", None)
    table().put_item(Item=item)


def unmark(cid: str) -> None:
    """The contract as stored before it carried its receivables mark (no `r1pk`, `r1sk`, `receivable_until`)."""
    key = {"pk": f"CONTRACT#{cid}", "sk": "META"}
    item = table().get_item(Key=key)["Item"]
    body = stored_body(item)
    body.pop("receivable_until", None)
    item.pop("r1pk", None)
    item.pop("r1sk", None)
    store_body(item, body, plain=True)  # and the plain body the code of then wrote
    table().put_item(Item=item)


def everything() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"ConsistentRead": True}
    while True:
        page = table().scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: (i["pk"], i["sk"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_old_payments_are_carried_over_once(world: Any) -> None:
    # Given years 1 and 2 invoiced, and finance's December slip recorded first by the old code (it went to year 1,
    # whose penalty it then assessed as 344 days), the January slip after it (to year 2)
    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    world.run("invoicing", date(2027, 11, 22))
    chain(cid, "2027-12-02T02:00:00Z", "PaymentReceived", {"voucher_no": "DEC-1"})
    chain(cid, "2027-12-03T02:00:00Z", "PaymentReceived", {"voucher_no": "JAN-1"})
    old_payment(cid, "DEC-1", "120000.00", "2027-12-01", "2027-12-02T02:00:00Z")
    old_payment(cid, "JAN-1", "120000.00", "2027-01-05", "2027-12-03T02:00:00Z")
    old_invoice(cid, 1, "paid", [("DEC-1", "2027-12-01", "120000.00")], "20640.00")
    old_invoice(cid, 2, "paid", [("JAN-1", "2027-01-05", "120000.00")], None)
    unmark(cid)
    # (a contract never invoiced is passed over)
    world.draft()

    # When the migration runs
    summary = world.run("migrate", TODAY)

    # Then the January money paid year 1 (840.00 of penalty), the December money year 2, and finance was told
    assert (summary["contracts"], summary["migrated"], summary["without_invoices"]) == (2, 1, 1)
    assert summary["events"] == {"PaymentsReallocated": 1, "PenaltyAdjusted": 1}
    invoices = {i["year"]: i for i in world.invoices(cid)}
    assert [a["voucher_no"] for a in invoices[1]["allocations"]] == ["JAN-1"]
    assert [a["voucher_no"] for a in invoices[2]["allocations"]] == ["DEC-1"]
    assert invoices[1]["penalties"]["accrued"] == "840.00"
    [adjusted] = [m for m in finance_messages(world.aws) if m.get("event_type") == "PenaltyAdjusted"]
    assert adjusted["penalty_delta"] == "-19800.00"
    # And the payments carry their recorded order, the contract its receivables-index item
    payments = {i["voucher_no"]: int(i["seq"]) for i in everything() if i["kind"] == "payment"}
    assert payments["DEC-1"] < payments["JAN-1"]
    meta = table().get_item(Key={"pk": f"CONTRACT#{cid}", "sk": "META"})["Item"]
    assert (meta["r1pk"].split("#")[0], meta["r1sk"]) == ("RECEIVABLE", "9999-12-31")
    receivables = world.ok("GET", f"/receivables?as_of={TODAY.isoformat()}", role="finance")
    assert cid in json.dumps(receivables)

    # When it runs again, nothing in the table changes
    before = everything()
    again = world.run("migrate", TODAY)
    assert (again["migrated"], again["unchanged"], again["events"]) == (0, 1, {})
    assert everything() == before
