"""Named staff keys: a key belongs to a person with one role, is stored only as its hash, and a revoked key is
refused. Runs the services on the in-memory repository (test_repository_contract checks the real one agrees)."""

from __future__ import annotations

import pytest

from chalicelib.domain.actors import describe_actor
from chalicelib.domain.errors import NotFound, ValidationError
from chalicelib.services import keys
from chalicelib.services.auth import Caller, Forbidden, Unauthorized, authorize
from tests.unit.conftest import Office

NOW = "2026-11-20T02:00:00Z"


def test_a_key_names_its_holder_and_the_caller_carries_id_name_and_role() -> None:
    office = Office()
    key, secret = keys.create_key(office.repo, "finance", "  王芳 ", NOW)

    caller = authorize(office.deps, f"Bearer {secret}", ("finance",))

    assert caller == Caller(key.key_id, "王芳", "finance")
    assert caller.actor == f"staff:finance:{key.key_id}:王芳"
    assert describe_actor(caller.actor) == {"kind": "staff", "role": "finance", "key_id": key.key_id, "name": "王芳"}


def test_only_the_hash_is_stored() -> None:
    office = Office()
    _, secret = keys.create_key(office.repo, "operator", "Li Wei", NOW)
    stored = repr(office.repo.snapshot())
    assert secret not in stored
    assert keys.key_hash(secret) in stored


def test_a_revoked_key_is_refused_and_the_others_still_work() -> None:
    office = Office()
    gone, gone_secret = keys.create_key(office.repo, "operator", "Li Wei", NOW)
    _, kept_secret = keys.create_key(office.repo, "operator", "Zhao Min", NOW)

    revoked = keys.revoke_key(office.repo, gone.key_id, "2026-11-21T00:00:00Z")

    assert revoked.revoked_at == "2026-11-21T00:00:00Z"
    with pytest.raises(Unauthorized, match="revoked"):
        authorize(office.deps, f"Bearer {gone_secret}", ("operator",))
    assert authorize(office.deps, f"Bearer {kept_secret}", ("operator",)).name == "Zhao Min"
    listed = {k.key_id: k.to_dict() for k in keys.list_keys(office.repo)}
    assert listed[gone.key_id]["revoked_at"] == "2026-11-21T00:00:00Z"
    assert all("key" not in row and "hash" not in row for row in listed.values())


def test_the_role_still_decides_what_a_key_may_do() -> None:
    office = Office()
    _, secret = keys.create_key(office.repo, "finance", "王芳", NOW)
    with pytest.raises(Forbidden):
        authorize(office.deps, f"Bearer {secret}", ("operator",))
    with pytest.raises(Unauthorized):
        authorize(office.deps, "Bearer ht_fin_not-a-key", ("finance",))


@pytest.mark.parametrize(
    ("role", "name", "field"),
    [
        ("admin", "Li Wei", "role"),
        ("operator", "", "name"),
        ("operator", "x" * 81, "name"),
        ("finance", "a\x1bb", "name"),
    ],
)
def test_bad_role_or_name_is_refused_and_nothing_is_stored(role: str, name: str, field: str) -> None:
    office = Office()
    with pytest.raises(ValidationError) as err:
        keys.create_key(office.repo, role, name, NOW)
    assert err.value.field == field
    assert office.repo.snapshot() == {}


def test_revoking_an_unknown_id_says_so() -> None:
    office = Office()
    with pytest.raises(NotFound):
        keys.revoke_key(office.repo, "key_0123456789", NOW)
    with pytest.raises(ValidationError):
        keys.revoke_key(office.repo, "ht_ope_a-key-not-an-id", NOW)


def test_old_entries_still_read_as_the_role_alone() -> None:
    assert describe_actor("staff:operator") == {"kind": "staff", "role": "operator", "key_id": None, "name": None}
    assert describe_actor("signer:client:a@example.com") == {
        "kind": "signer",
        "party": "client",
        "email": "a@example.com",
    }
    assert describe_actor("system:migration") == {"kind": "system", "name": "migration"}
