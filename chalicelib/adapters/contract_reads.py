"""The contract item as the aggregate reads it: one strongly consistent GetItem of its body (`body_z`, or `body`
on an item written before compression) and `version`, on every signing and state change. Straight on the shared
botocore client: PynamoDB's Model.get adds a request id, its signals and a ReturnConsumedCapacity nobody reads
(~0.07 ms a read); the record class still decodes the item."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.errors import Unavailable

THROTTLING_CODES = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "ThrottlingError"}
)


def contract_item(client: Any, table: str, pk: str) -> dict[str, Any] | None:
    """The item's body (compressed or plain) and `version` in DynamoDB's wire shape, or None; throttling (after the
    client's own retries) is Unavailable, like a throttled commit."""
    try:
        found: dict[str, Any] | None = client.get_item(
            TableName=table,
            Key={"pk": {"S": pk}, "sk": {"S": "META"}},
            ConsistentRead=True,
            # Only what the aggregate is made of: the index and listing attributes are derived from it.
            ProjectionExpression="#z, #b, #v",
            ExpressionAttributeNames={"#z": "body_z", "#b": "body", "#v": "version"},
        ).get("Item")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in THROTTLING_CODES:
            raise Unavailable(f"DynamoDB is throttling ({code}); retry shortly") from None
        raise
    return found or None
