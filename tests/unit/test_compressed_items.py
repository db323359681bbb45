"""The contract body and documents are stored compressed (adapters/packing.py), and items written before —
a plain string `body` / `html` and the contract's old duplicate attributes — still read, through every path that
reads them, until their next write stores the new shape. Run against the fake and DynamoRepository on moto."""

from __future__ import annotations

import zlib
from datetime import date
from typing import Any

import pytest

from chalicelib.adapters.codec import contract_to_dict
from chalicelib.adapters.packing import UnreadableAttribute, pack, unpack
from chalicelib.domain.audit import canonical_json
from chalicelib.services.ports import Repository, StoredDocument
from chalicelib.settings import load_settings
from tests.fakes import FakeRepository, active_contract, issue_invoice
from tests.stored_items import store_body, stored_body
from tests.unit.test_repository_contract import create, dynamo, repo, update  # noqa: F401 - fixtures

D = date.fromisoformat
META = ("CONTRACT#c-1", "META")
DOC = ("CONTRACT#c-1", "DOC#contract")


def raw(store: Repository, pk: str, sk: str) -> dict[str, Any]:
    """The stored item as plain values (bytes for binary), read behind the repository's back."""
    if isinstance(store, FakeRepository):
        return dict(store.raw_item(pk, sk))
    import boto3

    table = boto3.resource("dynamodb", region_name="us-east-1").Table(load_settings().table_name)
    item: dict[str, Any] = table.get_item(Key={"pk": pk, "sk": sk})["Item"]
    return {k: getattr(v, "value", v) for k, v in item.items()}


def put_raw(store: Repository, pk: str, sk: str, item: dict[str, Any]) -> None:
    if isinstance(store, FakeRepository):
        store.put_raw_item(pk, sk, item)
        return
    import boto3

    table = boto3.resource("dynamodb", region_name="us-east-1").Table(load_settings().table_name)
    table.put_item(Item={**{k: v for k, v in item.items() if v is not None}, "pk": pk, "sk": sk})


def as_written_before(store: Repository, contract: Any) -> None:
    """The contract item and its document in the shape stored before compression: a plain `body` and the
    attributes that duplicated it, a plain `html`."""
    item = raw(store, *META)
    body = stored_body(item)
    old = {
        **item,
        "contract_id": contract.id,
        "contract_no": contract.contract_no,
        "status": contract.status,
        "created_at": contract.created_at,
    }
    put_raw(store, *META, store_body(old, body, plain=True))
    doc = raw(store, *DOC)
    html = unpack(doc.pop("html_z"), None, "document")
    put_raw(store, *DOC, {**doc, "html": html})


def test_the_contract_body_and_document_are_stored_compressed_and_read_back(repo: Repository) -> None:  # noqa: F811
    contract = active_contract()
    create(repo, contract)

    item = raw(repo, *META)
    assert isinstance(item["body_z"], bytes) and "body" not in item
    assert zlib.decompress(item["body_z"]).decode() == canonical_json(contract_to_dict(contract))
    # only what a condition, an index key or a projection needs beside the body
    assert not {"contract_id", "contract_no", "status", "created_at"} & set(item)
    assert {"version", "listing", "gsi1pk", "gsi1sk", "kind"} <= set(item)
    assert contract_to_dict(repo.get_contract("c-1")) == contract_to_dict(contract)

    doc = raw(repo, *DOC)
    assert "html" not in doc and zlib.decompress(doc["html_z"]).decode() == "<p>合同正文</p>"
    assert repo.get_document("c-1", "contract") == StoredDocument("c-1", "contract", "<p>合同正文</p>", "d" * 64)


def test_items_written_before_compression_read_everywhere_and_upgrade_on_their_next_write(
    repo: Repository,  # noqa: F811
) -> None:
    # Given a contract and its document as the code before compression stored them
    contract = active_contract(D("2026-11-22"))
    create(repo, contract)
    as_written_before(repo, contract)
    assert "body_z" not in raw(repo, *META)

    # Then every read path reads them: the item, the ledger Query, the schedule index, the document
    assert contract_to_dict(repo.get_contract("c-1")) == contract_to_dict(contract)
    assert contract_to_dict(repo.load_ledger("c-1").contract) == contract_to_dict(contract)
    [due] = list(repo.contracts_to_invoice(D("2026-11-22")))
    assert contract_to_dict(due) == contract_to_dict(contract)
    assert list(repo.scan_contract_ids()) == ["c-1"]
    assert repo.get_document("c-1", "contract").html == "<p>合同正文</p>"

    # And the next state change stores the new shape (nothing needs to rewrite it before)
    contract.record_invoice_issued(1)
    update(repo, contract, new_invoices=[issue_invoice(contract, 1)])
    item = raw(repo, *META)
    assert "body" not in item and "contract_no" not in item and "status" not in item
    assert stored_body(item)["invoiced_years"] == 1
    assert repo.get_contract("c-1").version == 2


def test_a_contract_page_from_the_schedule_index_reads_old_items(repo: Repository) -> None:  # noqa: F811
    contract = active_contract(D("2026-11-22"))
    create(repo, contract)
    as_written_before(repo, contract)
    pages = [repo.contracts_to_invoice_page(D("2027-01-01"), n, None, 5) for n in range(repo.index_shards())]
    assert [c.id for page in pages for c in page.items] == ["c-1"]


def test_a_corrupted_compressed_value_is_an_error_not_garbage() -> None:
    assert unpack(pack("合同"), "ignored", "x") == "合同"
    assert unpack(None, "plain", "x") == "plain"
    with pytest.raises(UnreadableAttribute, match="does not decompress"):
        unpack(pack("合同")[:-3] + b"xyz", None, "contract c-1")
    with pytest.raises(UnreadableAttribute, match="without a value"):
        unpack(None, None, "contract c-1")


def test_a_document_whose_compressed_bytes_were_damaged_is_reported_by_the_audit() -> None:
    from chalicelib.services.contracts import audit_report
    from tests.unit.conftest import Office

    office = Office()
    cid = office.activate()
    item = office.repo.raw_item(f"CONTRACT#{cid}", "DOC#contract")
    item["html_z"] = item["html_z"][:40] + b"\x00" * 8 + item["html_z"][48:]

    report = audit_report(office.deps, cid)
    assert report["verified"] is False
    assert {"where": "document contract", "problem": "stored document cannot be read"}.items() <= next(
        p for p in report["problems"] if p["where"] == "document contract"
    ).items()
