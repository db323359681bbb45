"""Signing-link material stays where it is needed: the audit (both roles read it), finance alerts and the
functions' environment never hold a token, token id or the link secret; the secret comes from Secrets Manager."""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

import boto3
import pytest

from chalicelib.adapters.outbox_codec import events_from_image
from chalicelib.domain.links import signing_token
from chalicelib.settings import SettingsError, load_settings
from tests.support import finance_messages, signing_link, token_of

pytestmark = pytest.mark.integration


def _table_items(aws: dict[str, Any]) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(aws["tables"]["MainTable"]["name"])
    return list(table.scan()["Items"])


def _token_ids(aws: dict[str, Any]) -> set[str]:
    return {str(item["token_id"]) for item in _table_items(aws) if "token_id" in item}


def test_no_token_id_token_or_link_reaches_the_audit_or_finance(world: Any, aws: dict[str, Any]) -> None:
    # Given a contract sent, one link reissued, signed by both, then an amendment sent for signature
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.ok("POST", f"/contracts/{cid}/resend", {"party": "client"})
    world.deliver()
    tokens = {token_of(signing_link(f"{who}@example.com")) for who in ("client", "vendor")}
    for token in tokens:
        world.ok("POST", f"/sign/{token}", {"signer_name": "张伟", "consent": True}, role=None, status=201)
    world.ok("POST", f"/contracts/{cid}/amendments", {"changes": {"extend_years": 1}, "reason": "续期"}, status=201)
    world.run("invoicing", date(2026, 11, 22))
    tokens |= {token_of(signing_link(f"{who}@example.com")) for who in ("client", "vendor")}
    ids = _token_ids(aws)
    assert len(ids) == 5  # 2 sent + 1 reissued + 2 for the amendment
    # When either role reads the audit
    for role in ("operator", "finance"):
        audit = world.ok("GET", f"/contracts/{cid}/audit", role=role)
        text = json.dumps(audit)
        # Then it still verifies, names the link events, and holds no link material
        assert audit["verified"] is True, audit["problems"]
        types = [e["type"] for e in audit["entries"]]
        assert {"ContractSent", "SigningLinkReissued", "AmendmentSent"} <= set(types)
        assert not any(token_id in text for token_id in ids)
        assert not any(token in text for token in tokens)
        assert "/sign/" not in text
        for entry in audit["entries"]:
            assert not {"token_id", "revoked_token_id", "token"} & set(json.dumps(entry["data"]).split('"'))
        sent = next(e for e in audit["entries"] if e["type"] == "ContractSent")["data"]
        assert set(sent["links"]["client"]) == {"email", "expires_at"}  # who was sent a link, and until when
    # and neither does anything on the finance topic
    alerts = json.dumps(finance_messages(aws))
    assert alerts != "[]" and not any(token_id in alerts for token_id in ids)


def test_the_link_secret_is_read_from_secrets_manager_not_the_environment(world: Any) -> None:
    # Given the secret devstack.resources created from the template (a random value)
    secret = boto3.client("secretsmanager", region_name="us-east-1").get_secret_value(
        SecretId=os.environ["HETONG_LINK_SECRET_ID"]
    )["SecretString"]
    assert len(secret) >= 32
    assert not any(secret in value for value in os.environ.values())
    # When a contract is sent, the emailed link is that secret's HMAC of the token id the table stores
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    token = token_of(signing_link("client@example.com"))
    outbox = [ev for i in _table_items(world.aws) if i.get("kind") == "outbox" for ev in events_from_image(i)]
    [sent] = [ev.payload for ev in outbox if ev.type == "ContractSent"]
    # (the link carries the contract id before that HMAC: domain/links.signing_token)
    assert token == signing_token(secret, cid, sent["links"]["client"]["token_id"])


def test_a_secret_value_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HETONG_LINK_SECRET", "x" * 40)
    with pytest.raises(SettingsError, match="Secrets Manager"):
        load_settings()


def test_workers_run_without_access_to_the_secret(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scheduled workers are not given the secret's id (nor IAM access to it) and never need it."""
    from chalicelib.bootstrap import get_deps, reset
    from chalicelib.settings import reset_settings

    cid = world.active_contract()
    monkeypatch.delenv("HETONG_LINK_SECRET_ID")
    reset_settings()
    reset()
    get_deps().clock = world.clock
    for worker in ("invoicing", "overdue", "lifecycle"):
        world.run(worker, date(2026, 11, 22))
    assert world.invoices(cid)[0]["year"] == 1
    with pytest.raises(SettingsError, match="HETONG_LINK_SECRET_ID"):
        get_deps().link_secret()


def test_the_secret_is_read_once_per_container(world: Any) -> None:
    from chalicelib.adapters.aws import client
    from chalicelib.bootstrap import get_deps

    calls: list[str] = []
    sm = client("secretsmanager", get_deps().settings)
    sm.meta.events.register("before-call.secrets-manager.GetSecretValue", lambda **_: calls.append("read"))
    for _ in range(3):
        world.ok("POST", f"/contracts/{world.draft()}/send")
    world.deliver()
    assert len(calls) == 2  # once for the API's deps, once for the notifier's, whatever the traffic
    assert len(signing_link("client@example.com")) > 40


def test_an_unhandled_error_on_a_signing_route_logs_no_token(
    world: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from chalicelib.services import signing as signing_service

    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    token = token_of(signing_link("client@example.com"))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the table went away")

    monkeypatch.setattr(signing_service, "sign", broken)
    with caplog.at_level("DEBUG"):
        resp = world.call("POST", f"/sign/{token}", {"signer_name": "李雷", "consent": True}, role=None)
    assert resp.status_code == 500
    assert "the table went away" in caplog.text  # logged with its stack ...
    assert token not in caplog.text  # ... and without the link
