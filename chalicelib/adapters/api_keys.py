"""Staff keys in the main table: item pk APIKEY#<sha256 of the key>, sk APIKEY (what authorization reads), listed
through the by_status index under the partition APIKEYS (its projected `listing` holds id, name, role, created and
revoked; never the key or its hash). Plain boto3, so the key-management command can run it with the caller's own
credentials against a deployed stage's table, without the rest of the app's settings."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import AlreadyExists, NotFound
from chalicelib.services.keys import StaffKey

LISTING_PARTITION = "APIKEYS"
BY_STATUS = "by_status"


def _listing(key: StaffKey) -> str:
    return json.dumps(key.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _from_listing(raw: str) -> StaffKey:
    d = json.loads(raw)
    return StaffKey(d["id"], d["name"], d["role"], d["created_at"], d.get("revoked_at"))


class DynamoKeyStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._ddb = dynamodb
        self._table = table_name

    def find_api_key(self, key_hash: str) -> StaffKey | None:
        item = self._ddb.get_item(
            TableName=self._table, Key={"pk": {"S": f"APIKEY#{key_hash}"}, "sk": {"S": "APIKEY"}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        revoked = item.get("revoked_at", {}).get("S")
        # Keys stored before named keys had no id: they are known by their hash's first characters.
        key_id = item.get("key_id", {}).get("S") or f"key_{key_hash[:10]}"
        return StaffKey(key_id, item["name"]["S"], item["role"]["S"], item["created_at"]["S"], revoked)

    def add_api_key(self, key_hash: str, key: StaffKey) -> None:
        item = {
            "pk": {"S": f"APIKEY#{key_hash}"},
            "sk": {"S": "APIKEY"},
            "kind": {"S": "apikey"},
            "key_id": {"S": key.key_id},
            "role": {"S": key.role},
            "name": {"S": key.name},
            "created_at": {"S": key.created_at},
            "gsi1pk": {"S": LISTING_PARTITION},
            "gsi1sk": {"S": f"{key.created_at}#{key.key_id}"},
            "listing": {"S": _listing(key)},
        }
        try:
            self._ddb.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise AlreadyExists("apikey", key.key_id) from None
            raise

    def _listed(self) -> list[tuple[str, StaffKey]]:
        found: list[tuple[str, StaffKey]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_STATUS,
            "KeyConditionExpression": "gsi1pk = :p",
            "ExpressionAttributeValues": {":p": {"S": LISTING_PARTITION}},
        }
        while True:
            page = self._ddb.query(**kwargs)
            found += [(i["pk"]["S"], _from_listing(i["listing"]["S"])) for i in page.get("Items", [])]
            if not page.get("LastEvaluatedKey"):
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def list_api_keys(self) -> list[StaffKey]:
        return [key for _, key in self._listed()]

    def revoke_api_key(self, key_id: str, at: str) -> StaffKey:
        match = [(pk, key) for pk, key in self._listed() if key.key_id == key_id]
        if not match:
            raise NotFound("key", key_id)
        pk, key = match[0]
        revoked = StaffKey(key.key_id, key.name, key.role, key.created_at, at)
        try:
            self._ddb.update_item(
                TableName=self._table,
                Key={"pk": {"S": pk}, "sk": {"S": "APIKEY"}},
                UpdateExpression="SET revoked_at = :at, listing = :l",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                ExpressionAttributeValues={":at": {"S": at}, ":l": {"S": _listing(revoked)}},
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            current = self.find_api_key(pk.removeprefix("APIKEY#"))
            if current is None:
                raise NotFound("key", key_id) from None
            return current  # revoked before (or concurrently): the first revocation stands
        return revoked
