"""Named keys through the API and the key command: the audit names the person, a revoked key gets 401, and an
Idempotency-Key is the caller's own."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any
from unittest import mock

import pytest

from chalicelib.services.auth import create_api_key
from chalicelib.services.base import Deps
from tests.factories import contract_body


def _call(api: Any, method: str, path: str, key: str, body: Any = None, **headers: str) -> Any:
    h = {"Content-Type": "application/json", "Authorization": f"Bearer {key}", **headers}
    kwargs: dict[str, Any] = {"headers": h}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    return getattr(api.http, method.lower())(path, **kwargs)


def _key_id(deps: Deps, name: str) -> str:
    [key] = [k for k in deps.repo.list_api_keys() if k.name == name]
    return key.key_id


def test_the_audit_names_the_person_not_only_the_role(api: Any, deps: Deps) -> None:
    li = create_api_key(deps, "operator", "Li Wei")
    zhao = create_api_key(deps, "operator", "赵敏")
    # Given Li drafts the contract and Zhao sends it
    cid = _call(api, "POST", "/contracts", li, contract_body()).json_body["id"]
    assert _call(api, "POST", f"/contracts/{cid}/send", zhao).status_code == 200

    audit = _call(api, "GET", f"/contracts/{cid}/audit", zhao).json_body

    # Then each entry says who, by key id and name, and the chain still verifies
    drafted, sent = audit["entries"][0], audit["entries"][1]
    li_id, zhao_id = _key_id(deps, "Li Wei"), _key_id(deps, "赵敏")
    assert drafted["actor"] == f"staff:operator:{li_id}:Li Wei"
    assert drafted["by"] == {"kind": "staff", "role": "operator", "key_id": li_id, "name": "Li Wei"}
    assert sent["actor"] == f"staff:operator:{zhao_id}:赵敏"
    assert audit["verified"] is True


def test_a_revoked_key_gets_401_at_once(api: Any, deps: Deps) -> None:
    key = create_api_key(deps, "finance", "王芳")
    assert _call(api, "GET", "/contracts", key).status_code == 200

    deps.repo.revoke_api_key(_key_id(deps, "王芳"), deps.now_iso())

    resp = _call(api, "GET", "/contracts", key)
    assert resp.status_code == 401
    assert "revoked" in resp.json_body["error"]["message"]


def test_an_idempotency_key_is_scoped_to_the_caller(api: Any, deps: Deps) -> None:
    first = create_api_key(deps, "operator", "Li Wei")
    second = create_api_key(deps, "operator", "Zhao Min")
    body = contract_body()

    # Given Li drafted with an Idempotency-Key
    mine = _call(api, "POST", "/contracts", first, body, **{"Idempotency-Key": "draft-0001"}).json_body
    # When Zhao sends the same key and body
    theirs = _call(api, "POST", "/contracts", second, body, **{"Idempotency-Key": "draft-0001"})
    # Then Zhao does not get Li's reply: the call is Zhao's own (a new contract, drafted by Zhao)
    assert theirs.status_code == 201
    assert theirs.json_body["id"] != mine["id"]
    audit = _call(api, "GET", f"/contracts/{theirs.json_body['id']}/audit", second).json_body
    assert audit["entries"][0]["by"]["name"] == "Zhao Min"
    # And Li's retry still gets Li's first reply
    again = _call(api, "POST", "/contracts", first, body, **{"Idempotency-Key": "draft-0001"}).json_body
    assert again["id"] == mine["id"]
    listed = _call(api, "GET", "/contracts", first).json_body["items"]
    assert sorted(c["id"] for c in listed) == sorted([mine["id"], theirs.json_body["id"]])


def _keys_command(*args: str) -> Any:
    from devstack.__main__ import main

    with pytest.raises(SystemExit) as done, mock.patch.object(sys, "argv", ["python -m devstack", "keys", *args]):
        main()
    return done.value.code


def test_the_keys_command_creates_lists_and_revokes_on_a_named_table(
    api: Any, aws: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    table = aws["tables"]["MainTable"]["name"]
    where = ["--table", table, "--region", "us-east-1", "--json"]

    assert _keys_command("create", "--role", "operator", "--name", "Li Wei", *where) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["key"].startswith("ht_ope_") and created["name"] == "Li Wei"
    assert _call(api, "GET", "/contracts", created["key"]).status_code == 200

    assert _keys_command("list", *where) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(k["id"], k["name"], k["role"], k["revoked_at"]) for k in listed] == [
        (created["id"], "Li Wei", "operator", None)
    ]
    assert created["key"] not in json.dumps(listed)

    assert _keys_command("revoke", created["id"], *where) == 0
    assert json.loads(capsys.readouterr().out)["revoked_at"]
    assert _call(api, "GET", "/contracts", created["key"]).status_code == 401

    assert _keys_command("revoke", "key_0000000000", *where) == 1
    assert "not found" in capsys.readouterr().err
    assert _keys_command("list", "--table", "hetong-nowhere-main", "--region", "us-east-1") == 2
    assert "hetong-nowhere-main" in capsys.readouterr().err


def test_without_a_local_stack_or_a_stage_the_command_refuses(tmp_path: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "keys", "list", "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "no local stack" in result.stderr and "--stage" in result.stderr
