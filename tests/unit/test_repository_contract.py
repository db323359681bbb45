"""One class of repository behaviour, run against FakeRepository and against DynamoRepository on moto (the
chalice todo-app pattern): whatever the unit tests rely on in the fake is checked here against the real thing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from chalicelib.adapters.codec import contract_to_dict
from chalicelib.adapters.ledger_codec import invoice_to_dict
from chalicelib.domain.audit import verify_chain
from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import AlreadyExists, ConcurrentUpdate, NotFound
from chalicelib.services.base import stage_events
from chalicelib.services.keys import StaffKey
from chalicelib.services.ports import AlertMark, Changes, PaymentRecord, Repository, SigningToken, StoredDocument
from chalicelib.settings import load_settings
from tests.fakes import FakeRepository, StandIn, active_contract, cache_payment, draft_contract, issue_invoice

D = date.fromisoformat
AT = "2026-11-22T02:00:00Z"


@pytest.fixture(scope="module")
def dynamo() -> Iterator[Repository]:
    """One moto table per module (creating resources and PynamoDB connections is what costs time)."""
    from moto import mock_aws

    from chalicelib.adapters.dynamo import DynamoRepository
    from devstack.resources import create_resources

    with mock_aws():
        create_resources(None, "us-east-1", "test", "finance@hetong.test", "contracts@hetong.test")
        yield DynamoRepository(load_settings())


def _empty_table() -> None:
    import boto3

    ddb = boto3.client("dynamodb", region_name="us-east-1")
    table = load_settings().table_name
    for page in ddb.get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk"):
        for item in page["Items"]:
            ddb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    # moto deep-copies the table, stream records included, on every transaction: start each test with none.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[table].stream_shard
    if shard is not None:
        shard.items.clear()


@pytest.fixture(params=["fake", pytest.param("dynamo", marks=pytest.mark.integration)])
def repo(request: pytest.FixtureRequest) -> Repository:
    if request.param == "fake":
        return FakeRepository()
    real: Repository = request.getfixturevalue("dynamo")
    _empty_table()
    return real


def tamper(repo: Repository, pk: str, sk: str, attribute: str, value: str) -> None:
    """Change one stored attribute behind the repository's back (someone with write access to the table)."""
    if isinstance(repo, FakeRepository):
        repo.raw_item(pk, sk)[attribute] = value
        return
    import boto3

    boto3.client("dynamodb", region_name="us-east-1").update_item(
        TableName=load_settings().table_name,
        Key={"pk": {"S": pk}, "sk": {"S": sk}},
        UpdateExpression="SET #a = :v",
        ExpressionAttributeNames={"#a": attribute},
        ExpressionAttributeValues={":v": {"S": value}},
    )


def create(repo: Repository, contract: Contract, *, document: bool = True, **kw: Any) -> Changes:
    docs = [StoredDocument(contract.id, "contract", "<p>合同正文</p>", "d" * 64)] if document else []
    changes = Changes(contract=contract, expected_version=None, documents=docs, **kw)
    stage_events(changes, [StandIn("ContractDrafted", 0)], "operator:test", AT)
    repo.commit(changes)
    return changes


def update(repo: Repository, contract: Contract, *events: str, expected: int | None = None, **kw: Any) -> Changes:
    changes = Changes(contract=contract, expected_version=contract.version if expected is None else expected, **kw)
    stage_events(changes, [StandIn(t, i) for i, t in enumerate(events or ("Touched",))], "test", AT)
    repo.commit(changes)
    return changes


def token(token_hash: str = "a" * 64, contract_id: str = "c-1", status: str = "active") -> SigningToken:
    return SigningToken(
        token_hash=token_hash,
        token_id=f"tid-{token_hash[:4]}",
        contract_id=contract_id,
        subject="contract",
        party="client",
        email="client@example.com",
        document_sha256="d" * 64,
        expires_at="2026-12-04T02:00:00Z",
        status=status,
    )


def payment(voucher: str, contract_id: str = "c-1", amount: str = "100.00") -> PaymentRecord:
    return PaymentRecord(
        contract_id=contract_id,
        voucher_no=voucher,
        amount=Decimal(amount),
        paid_on=D("2026-12-01"),
        method="bank_transfer",
        recorded_at=AT,
        recorded_by="finance:test",
        allocations=[{"year": 1, "amount": amount}],
    )


def ids(found: Iterator[Any] | list[Any]) -> list[str]:
    """Contract ids from contracts, listing rows or ids, whichever a repository method returns."""
    return [x if isinstance(x, str) else x["id"] if isinstance(x, dict) else x.id for x in found]


class TestRepositoryContract:
    # ---- create ----------------------------------------------------------------------------------------
    def test_a_created_contract_reads_back_as_written(self, repo: Repository) -> None:
        contract = active_contract()
        changes = create(repo, contract)

        assert contract.version == 1
        stored = repo.get_contract("c-1")
        assert stored.version == 1
        assert contract_to_dict(stored) == contract_to_dict(contract)
        assert repo.find_contract_id_by_no("HT-2026-0001") == "c-1"
        assert repo.find_contract_id_by_no("HT-2026-9999") is None
        assert repo.get_document("c-1", "contract") == StoredDocument("c-1", "contract", "<p>合同正文</p>", "d" * 64)
        assert repo.get_audit("c-1") == changes.audit

    def test_unknown_items_are_not_found(self, repo: Repository) -> None:
        with pytest.raises(NotFound) as missing:
            repo.get_contract("nope")
        assert (missing.value.entity, missing.value.key) == ("contract", "nope")
        with pytest.raises(NotFound) as no_doc:
            repo.get_document("nope", "contract")
        assert no_doc.value.entity == "document"
        assert repo.get_audit("nope") == []
        assert repo.get_invoices("nope") == []
        assert repo.get_payments("nope") == []
        assert repo.find_token("f" * 64) is None

    def test_a_duplicate_contract_no_is_refused_and_nothing_is_written(self, repo: Repository) -> None:
        create(repo, draft_contract("c-1", "HT-2026-0001"))
        second = draft_contract("c-2", "HT-2026-0001")

        with pytest.raises(AlreadyExists) as refused:
            create(repo, second, new_tokens=[token(contract_id="c-2")])

        assert (refused.value.entity, refused.value.key) == ("contract_no", "HT-2026-0001")
        assert second.version == 0
        with pytest.raises(NotFound):
            repo.get_contract("c-2")
        with pytest.raises(NotFound):
            repo.get_document("c-2", "contract")
        assert repo.get_audit("c-2") == []
        assert repo.find_token("a" * 64) is None
        assert repo.find_contract_id_by_no("HT-2026-0001") == "c-1"

    def test_creating_a_contract_id_twice_is_refused(self, repo: Repository) -> None:
        create(repo, draft_contract("c-1", "HT-2026-0001"))
        with pytest.raises(AlreadyExists) as refused:
            create(repo, draft_contract("c-1", "HT-2026-0002"), document=False)
        assert (refused.value.entity, refused.value.key) == ("contract", "c-1")
        assert repo.find_contract_id_by_no("HT-2026-0002") is None

    # ---- versions --------------------------------------------------------------------------------------
    def test_each_update_bumps_the_version_by_one(self, repo: Repository) -> None:
        contract = active_contract()
        create(repo, contract)
        update(repo, contract)
        update(repo, contract)
        assert contract.version == 3
        assert repo.get_contract("c-1").version == 3

    def test_a_stale_version_is_refused_and_nothing_is_written(self, repo: Repository) -> None:
        # Given two writers that read the same version
        create(repo, active_contract())
        first, second = repo.get_contract("c-1"), repo.get_contract("c-1")
        update(repo, first, "FirstWriterWon")
        before = contract_to_dict(repo.get_contract("c-1"))
        # When the second one commits everything a state change can carry
        invoice = issue_invoice(second, 1)
        second.record_invoice_issued(1)
        with pytest.raises(ConcurrentUpdate) as refused:
            update(
                repo,
                second,
                "SecondWriterLost",
                documents=[StoredDocument("c-1", "notice:1", "<p>通知</p>", "e" * 64)],
                new_invoices=[invoice],
                new_tokens=[token()],
                payments=[payment("V-1")],
                alerts=[AlertMark("c-1", 1, 1, AT)],
            )
        # Then it is told the contract changed, and none of it is written
        assert (refused.value.entity, refused.value.key) == ("contract", "c-1")
        assert second.version == 1
        assert contract_to_dict(repo.get_contract("c-1")) == before
        assert [e.type for e in repo.get_audit("c-1")] == ["ContractDrafted", "FirstWriterWon"]
        assert repo.get_invoices("c-1") == []
        assert repo.get_payments("c-1") == []
        assert repo.find_token("a" * 64) is None
        with pytest.raises(NotFound):
            repo.get_document("c-1", "notice:1")
        # and the voucher and the alert level it would have claimed are still free
        fresh = repo.get_contract("c-1")
        update(repo, fresh, payments=[payment("V-1")], alerts=[AlertMark("c-1", 1, 1, AT)])
        assert [p.voucher_no for p in repo.get_payments("c-1")] == ["V-1"]

    def test_updating_a_contract_that_does_not_exist_is_a_concurrent_update(self, repo: Repository) -> None:
        ghost = active_contract(contract_id="c-9", contract_no="HT-2026-0009")
        with pytest.raises(ConcurrentUpdate) as refused:
            update(repo, ghost, expected=3)
        assert (refused.value.entity, refused.value.key) == ("contract", "c-9")
        assert ghost.version == 3
        with pytest.raises(NotFound):
            repo.get_contract("c-9")

    # ---- invoices ------------------------------------------------------------------------------------
    def test_one_invoice_per_contract_and_year(self, repo: Repository) -> None:
        contract = active_contract()
        create(repo, contract)
        first = issue_invoice(contract, 1)
        contract.record_invoice_issued(1)
        update(repo, contract, "InvoiceIssued", new_invoices=[first])
        assert first.version == 1

        # When another run issues year 1 again (say with another amount)
        again = replace(issue_invoice(contract, 1), amount=Decimal("1.00"))
        with pytest.raises(AlreadyExists) as refused:
            update(repo, contract, "InvoiceIssued", new_invoices=[again])

        assert (refused.value.entity, refused.value.key) == ("invoice", "c-1#001")
        assert repo.get_contract("c-1").version == 2
        assert [(i.year, i.amount, i.version) for i in repo.get_invoices("c-1")] == [(1, Decimal("120000.00"), 1)]
        assert len(repo.get_audit("c-1")) == 2

    def test_an_invoice_update_needs_the_version_it_read(self, repo: Repository) -> None:
        contract = active_contract()
        invoice = issue_invoice(contract, 1)
        contract.record_invoice_issued(1)
        create(repo, contract, new_invoices=[invoice])
        stale = repo.get_invoices("c-1")[0]

        fresh = repo.get_invoices("c-1")[0]
        cache_payment(fresh, Decimal("100.00"), "V-1", D("2026-12-01"))
        update(repo, contract, updated_invoices=[(fresh, fresh.version)])
        assert fresh.version == 2

        cache_payment(stale, Decimal("200.00"), "V-2", D("2026-12-01"))
        with pytest.raises(ConcurrentUpdate) as refused:
            update(repo, contract, updated_invoices=[(stale, 1)])
        assert (refused.value.entity, refused.value.key) == ("invoice", "c-1#001")
        stored = repo.get_invoices("c-1")[0]
        assert (stored.version, stored.paid, stored.status) == (2, Decimal("100.00"), "partially_paid")
        assert repo.get_contract("c-1").version == 2

    # ---- payments, alerts, tokens --------------------------------------------------------------------
    def test_a_voucher_is_recorded_once_across_all_contracts(self, repo: Repository) -> None:
        one = active_contract(contract_id="c-1", contract_no="HT-2026-0001")
        two = active_contract(contract_id="c-2", contract_no="HT-2026-0002")
        create(repo, one)
        create(repo, two)
        update(repo, one, "PaymentReceived", payments=[payment("V-1", "c-1")])

        with pytest.raises(AlreadyExists) as refused:
            update(repo, two, "PaymentReceived", payments=[payment("V-1", "c-2")])

        assert (refused.value.entity, refused.value.key) == ("voucher", "V-1")
        assert repo.get_payments("c-2") == []
        assert repo.get_contract("c-2").version == 1
        assert [(p.voucher_no, p.amount) for p in repo.get_payments("c-1")] == [("V-1", Decimal("100.00"))]

    def test_payments_read_back_with_their_allocations(self, repo: Repository) -> None:
        contract = active_contract()
        create(repo, contract)
        update(repo, contract, payments=[payment("V-2", amount="60000.50")])
        update(repo, contract, payments=[payment("V-1", amount="0.01")])
        got = repo.get_payments("c-1")
        assert sorted(got, key=lambda p: p.voucher_no) == got
        assert got[0] == payment("V-1", amount="0.01")
        assert got[1].amount == Decimal("60000.50")
        assert got[1].allocations == [{"year": 1, "amount": "60000.50"}]

    def test_an_alert_level_is_written_once(self, repo: Repository) -> None:
        contract = active_contract()
        create(repo, contract)
        update(repo, contract, alerts=[AlertMark("c-1", 1, 1, AT)])

        with pytest.raises(AlreadyExists) as refused:
            update(repo, contract, alerts=[AlertMark("c-1", 1, 15, AT), AlertMark("c-1", 1, 1, AT)])
        assert (refused.value.entity, refused.value.key) == ("alert", "c-1#001#1")

        # Level 15 was not written with the refused transaction, and other years have their own levels
        update(repo, contract, alerts=[AlertMark("c-1", 1, 15, AT), AlertMark("c-1", 2, 1, AT)])
        assert repo.get_contract("c-1").version == 3

    def test_two_operations_on_one_item_in_one_commit_are_refused(self, repo: Repository) -> None:
        contract = active_contract()
        create(repo, contract)
        with pytest.raises(Exception) as refused:
            update(repo, contract, alerts=[AlertMark("c-1", 1, 1, AT), AlertMark("c-1", 1, 1, AT)])
        assert not isinstance(refused.value, (AlreadyExists, ConcurrentUpdate))
        assert contract.version == 1
        assert repo.get_contract("c-1").version == 1
        update(repo, contract, alerts=[AlertMark("c-1", 1, 1, AT)])

    def test_a_token_is_created_once_and_changes_only_from_the_status_read(self, repo: Repository) -> None:
        contract = active_contract()
        create(repo, contract, new_tokens=[token()])
        assert repo.find_token("a" * 64) == token()
        with pytest.raises(AlreadyExists) as duplicate:
            update(repo, contract, new_tokens=[token()])
        assert (duplicate.value.entity, duplicate.value.key) == ("token", "tid-aaaa")

        used = replace(token(), status="used", used_at=AT)
        update(repo, contract, updated_tokens=[(used, "active")])
        # A second signer holding the same link read it while it was still active
        revoked = replace(token(), status="revoked")
        with pytest.raises(ConcurrentUpdate) as refused:
            update(repo, contract, updated_tokens=[(revoked, "active")])
        assert (refused.value.entity, refused.value.key) == ("token", "tid-aaaa")
        assert repo.find_token("a" * 64) == used
        with pytest.raises(ConcurrentUpdate):
            update(repo, contract, updated_tokens=[(token("b" * 64), "active")])  # never created

    # ---- the indexes the workers query ----------------------------------------------------------------
    def test_contracts_to_invoice_are_those_whose_next_invoice_date_has_come(self, repo: Repository) -> None:
        early = active_contract(D("2026-11-22"), contract_id="c-1", contract_no="HT-1")
        late = active_contract(D("2026-12-01"), contract_id="c-2", contract_no="HT-2")
        create(repo, early)
        create(repo, late)
        create(repo, draft_contract("c-3", "HT-3"))  # not in force: never invoiced

        assert ids(repo.contracts_to_invoice(D("2026-11-21"))) == []
        assert ids(repo.contracts_to_invoice(D("2026-11-22"))) == ["c-1"]
        assert ids(repo.contracts_to_invoice(D("2026-12-01"))) == ["c-1", "c-2"]

        # Once year 1 is issued the contract waits for year 2
        early.record_invoice_issued(1)
        update(repo, early, new_invoices=[issue_invoice(early, 1)])
        assert ids(repo.contracts_to_invoice(D("2027-11-21"))) == ["c-2"]
        assert ids(repo.contracts_to_invoice(D("2027-11-22"))) == ["c-2", "c-1"]  # c-2 still owes year 1 (2026-12-01)
        # and a contract whose every year is invoiced leaves the index
        for year in (2, 3):
            early.record_invoice_issued(year)
            update(repo, early, new_invoices=[issue_invoice(early, year)])
        assert ids(repo.contracts_to_invoice(D("2035-01-01"))) == ["c-2"]

    def test_open_invoices_due_before_a_date_by_due_date(self, repo: Repository) -> None:
        # Given three contracts with year-1 invoices due 12-31, 12-22 and 12-01; the last one is paid
        later = active_contract(D("2026-12-01"), contract_id="c-1", contract_no="HT-1")
        sooner = active_contract(D("2026-11-22"), contract_id="c-2", contract_no="HT-2")
        paid = active_contract(D("2026-11-01"), contract_id="c-3", contract_no="HT-3")
        settled = issue_invoice(paid, 1)
        cache_payment(settled, Decimal("120000.00"), "V-1", D("2026-11-05"))
        for contract, invoice in (
            (later, issue_invoice(later, 1)),
            (sooner, issue_invoice(sooner, 1)),
            (paid, settled),
        ):
            contract.record_invoice_issued(1)
            create(repo, contract, new_invoices=[invoice])

        def due_before(day: str) -> list[tuple[str, str]]:
            return [(i.contract_id, i.due_on.isoformat()) for i in repo.open_invoices_due_before(D(day))]

        # Then "due before" is strict, and the paid one is never in the index
        assert due_before("2026-12-22") == []
        assert due_before("2026-12-23") == [("c-2", "2026-12-22")]
        assert due_before("2027-01-01") == [("c-2", "2026-12-22"), ("c-1", "2026-12-31")]
        assert [(i.contract_id, i.status) for i in repo.open_invoices()] == [("c-2", "open"), ("c-1", "open")]
        # When c-2's invoice is paid it leaves the index
        invoice = repo.get_invoices("c-2")[0]
        cache_payment(invoice, Decimal("120000.00"), "V-2", D("2026-12-30"))
        update(repo, sooner, updated_invoices=[(invoice, 1)])
        assert due_before("2027-01-01") == [("c-1", "2026-12-31")]
        assert [i.contract_id for i in repo.open_invoices()] == ["c-1"]

    def test_contracts_for_lifecycle_are_those_whose_next_lifecycle_date_has_come(self, repo: Repository) -> None:
        # Given a 3-year contract in force from 2026-11-22 (ends 2029-11-21; reminders 60 and 30 days before)
        contract = active_contract(D("2026-11-22"))
        create(repo, contract)
        create(repo, draft_contract("c-2", "HT-2"))
        assert ids(repo.contracts_for_lifecycle(D("2029-09-21"))) == []
        assert ids(repo.contracts_for_lifecycle(D("2029-09-22"))) == ["c-1"]
        # When a notice is served on 2027-06-01 with 30 days' notice, the contract is due on 2027-07-01
        contract.serve_notice(
            by="client",
            reason_code="convenience",
            details="",
            notice_date=D("2027-06-01"),
            served_at=AT,
            document_sha256="n" * 64,
        )
        update(repo, contract, "NoticeServed")
        assert ids(repo.contracts_for_lifecycle(D("2027-06-30"))) == []
        assert ids(repo.contracts_for_lifecycle(D("2027-07-01"))) == ["c-1"]
        # and once terminated it is never due again
        contract.due_lifecycle_events(D("2027-07-01"))
        update(repo, contract, "ContractTerminated")
        assert ids(repo.contracts_for_lifecycle(D("2040-01-01"))) == []

    # ---- audit, listing, copies ------------------------------------------------------------------------
    def test_audit_entries_read_back_in_order_and_verify(self, repo: Repository) -> None:
        contract = active_contract()
        staged = create(repo, contract).audit
        for events in (("A",), ("B", "C"), *((f"E{i}",) for i in range(8))):
            staged += update(repo, contract, *events).audit

        entries = repo.get_audit("c-1")

        assert [e.seq for e in entries] == list(range(1, 13))
        assert entries == staged
        assert verify_chain(entries, contract.audit_seq, contract.audit_head) == []

    def test_chains_that_grew_since_a_time_are_found_through_their_audit_entries(self, repo: Repository) -> None:
        first, second = active_contract(), active_contract()
        second.id, second.contract_no = "c-2", "HT-2026-0002"
        create(repo, first)  # at AT
        create(repo, second)
        later = Changes(contract=second, expected_version=second.version)
        stage_events(later, [StandIn("Touched", 1)], "test", "2026-11-25T00:00:00Z")
        repo.commit(later)

        assert sorted(set(repo.contracts_with_audit_since("2026-11-01T00:00:00Z"))) == ["c-1", "c-2"]
        assert list(repo.contracts_with_audit_since("2026-11-23T00:00:00Z")) == ["c-2"]
        assert list(repo.contracts_with_audit_since("2026-11-26T00:00:00Z")) == []

    def test_a_tampered_audit_entry_still_reads_back_so_verification_can_report_it(self, repo: Repository) -> None:
        contract = active_contract()
        create(repo, contract)
        update(repo, contract, "A")
        update(repo, contract, "B")  # a commit of its own: one item each (a commit's entries share one item)
        tamper(repo, "CONTRACT#c-1", "AUDIT#000002", "data", '{"n": 0, "tampered": true}')
        tamper(repo, "CONTRACT#c-1", "AUDIT#000003", "data", "not json {")

        entries = repo.get_audit("c-1")

        assert [e.data for e in entries[1:]] == [{"n": 0, "tampered": True}, {"unreadable": "not json {"}]
        found = verify_chain(entries, contract.audit_seq, contract.audit_head)
        assert [(p.seq, p.problem) for p in found] == [
            (2, "content does not match its hash"),
            (3, "content does not match its hash"),
        ]

    def test_list_contracts_newest_first_with_an_opaque_cursor(self, repo: Repository) -> None:
        for n in range(1, 6):
            at = f"2026-11-2{n}T02:00:00Z"
            make = active_contract if n % 2 else draft_contract
            create(repo, make(contract_id=f"c-{n}", contract_no=f"HT-{n}", created_at=at), document=False)

        first, cursor = repo.list_contracts(None, 2, None)
        assert ids(first) == ["c-5", "c-4"]
        assert cursor is not None
        second, cursor2 = repo.list_contracts(None, 2, cursor)
        assert ids(second) == ["c-3", "c-2"]
        assert cursor2 is not None
        last, end = repo.list_contracts(None, 2, cursor2)
        assert (ids(last), end) == (["c-1"], None)

        assert ids(repo.list_contracts("active", 10, None)[0]) == ["c-5", "c-3", "c-1"]
        assert ids(repo.list_contracts("draft", 10, None)[0]) == ["c-4", "c-2"]
        exact, none = repo.list_contracts("draft", 2, None)
        assert (ids(exact), none) == (["c-4", "c-2"], None)
        assert repo.list_contracts("expired", 10, None) == ([], None)
        # More contracts of one status than a page: the page says there is more
        page, more = repo.list_contracts("active", 2, None)
        assert ids(page) == ["c-5", "c-3"] and more is not None
        rest, end = repo.list_contracts("active", 2, more)
        assert (ids(rest), end) == (["c-1"], None)
        with pytest.raises(ValueError):
            repo.list_contracts(None, 2, "%%% not a cursor %%%")

    def test_reads_are_copies_and_writes_are_snapshots(self, repo: Repository) -> None:
        contract = active_contract()
        invoice = issue_invoice(contract, 1)
        contract.record_invoice_issued(1)
        create(repo, contract, new_invoices=[invoice], new_tokens=[token()])
        # When the caller changes what it committed and what it read
        contract.status = "expired"
        contract.signing.signatures.clear()
        invoice.levels_alerted.append(15)
        read = repo.get_contract("c-1")
        read.notices.clear()
        read.terms_versions.clear()
        read.status = "voided"
        got = repo.get_invoices("c-1")[0]
        got.levels_alerted.append(1)
        got.status = "paid"
        tok = repo.find_token("a" * 64)
        assert tok is not None
        tok.status = "used"
        # Then the stored state is unchanged
        again = repo.get_contract("c-1")
        assert again.status == "active"
        assert sorted(again.signing.signatures) == ["client", "vendor"]
        assert len(again.terms_versions) == 1
        stored = repo.get_invoices("c-1")[0]
        assert invoice_to_dict(stored) == invoice_to_dict(issue_invoice(again, 1)) | {"version": 1}
        stored_token = repo.find_token("a" * 64)
        assert stored_token is not None and stored_token.status == "active"

    def test_api_keys_name_a_person_with_one_role_and_can_be_revoked(self, repo: Repository) -> None:
        assert repo.find_api_key("k" * 64) is None
        repo.add_api_key("k" * 64, StaffKey("key_0000000001", "王芳", "finance", AT))
        repo.add_api_key("j" * 64, StaffKey("key_0000000002", "Li Wei", "operator", AT))
        assert repo.find_api_key("k" * 64) == StaffKey("key_0000000001", "王芳", "finance", AT)
        with pytest.raises(AlreadyExists):
            repo.add_api_key("k" * 64, StaffKey("key_0000000003", "someone else", "operator", AT))
        listed = {k.key_id: k for k in repo.list_api_keys()}
        assert set(listed) == {"key_0000000001", "key_0000000002"}
        assert listed["key_0000000002"].name == "Li Wei" and listed["key_0000000002"].active

        revoked = repo.revoke_api_key("key_0000000002", "2026-11-23T00:00:00Z")
        again = repo.revoke_api_key("key_0000000002", "2026-11-24T00:00:00Z")

        assert revoked.revoked_at == again.revoked_at == "2026-11-23T00:00:00Z"  # the first revocation stands
        found = repo.find_api_key("j" * 64)
        assert found is not None and not found.active
        assert {k.key_id: k.active for k in repo.list_api_keys()} == {"key_0000000001": True, "key_0000000002": False}
        with pytest.raises(NotFound):
            repo.revoke_api_key("key_nope", AT)
