"""The contract read every signing and state change starts with: one GetItem on the process's one DynamoDB client
(the factory's, shared with the staff keys and idempotency), read back whole by the record class; a throttled read
is a 503 and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from chalicelib.adapters.aws import client
from chalicelib.adapters.records import ALL_RECORDS
from chalicelib.bootstrap import get_deps
from chalicelib.settings import get_settings
from tests.support import signing_link, token_of

pytestmark = pytest.mark.integration


def test_the_repository_uses_the_factorys_one_dynamodb_client(world: Any) -> None:
    cid = world.draft()
    shared = client("dynamodb", get_settings())
    repo: Any = get_deps().repo
    assert repo._conn().client is shared
    assert all(record._get_connection().connection.client is shared for record in ALL_RECORDS)
    # DynamoDB's requests are built from typed records: no client-side validation (SES's still has it)
    assert type(shared._serializer).__name__ != "ParamValidationDecorator"
    with pytest.raises(ParamValidationError):
        client("sesv2", get_settings()).send_email(Destination=[], Content={})
    # and the read gives the whole aggregate at its version
    contract = repo.get_contract(cid)
    assert (contract.id, contract.version, contract.status) == (cid, 1, "draft")


def test_a_throttled_contract_read_is_a_503_and_writes_nothing(
    world: Any, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a contract sent for signature
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    token = token_of(signing_link("client@example.com"))
    before = world.ok("GET", f"/contracts/{cid}")
    shared = client("dynamodb", get_settings())
    reads = {"n": 0}

    def throttled(**_: Any) -> Any:
        reads["n"] += 1
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "GetItem")

    # When DynamoDB throttles the read (past the client's own retries) on an instance that has no copy of the
    # contract yet (adapters/recent.py: this one's GET above left it one, which a signing would start from)
    get_deps().repo.forget_recent_contracts()  # type: ignore[attr-defined]
    monkeypatch.setattr(shared, "get_item", throttled)
    resp = world.call("POST", f"/sign/{token}", {"signer_name": "张伟", "consent": True}, role=None)
    monkeypatch.undo()
    # Then the signer is told to retry, and nothing was signed
    assert reads["n"] == 1
    assert resp.status_code == 503 and resp.json_body["error"]["code"] == "unavailable"
    assert world.ok("GET", f"/contracts/{cid}") == before
    world.ok("POST", f"/sign/{token}", {"signer_name": "张伟", "consent": True}, role=None, status=201)
