"""The local stack's moto server gives a stream reader only committed writes, as DynamoDB Streams does: a
transaction cancelled between a reader's GetShardIterator and its GetRecords leaves nothing in the stream (it
once did, and the local notifier sent a losing overdue run's 催款函 a second time)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from devstack.moto_server import SerializedMotoServer

TABLE = "stream-check"


@pytest.fixture(scope="module")
def server() -> Iterator[SerializedMotoServer]:
    running = SerializedMotoServer().start()
    yield running
    running.stop()


def _clients(server: SerializedMotoServer) -> tuple[Any, Any]:
    kw: dict[str, Any] = {
        "endpoint_url": server.url,
        "region_name": "ap-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    return boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw)


def _put(pk: str) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": {"pk": {"S": pk}}}}


def _keys(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]


def test_a_cancelled_transaction_never_reaches_an_iterator_handed_out_before_it(server: SerializedMotoServer) -> None:
    ddb, streams = _clients(server)
    arn = ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "committed"}})
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"
    ]

    # Given a transaction whose first item is applied by moto before its second fails its condition
    with pytest.raises(ClientError, match="TransactionCanceled"):
        ddb.transact_write_items(
            TransactItems=[
                _put("cancelled"),
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "committed"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )

    # Then neither the table nor the iterator handed out before it holds the cancelled write
    assert "Item" not in ddb.get_item(TableName=TABLE, Key={"pk": {"S": "cancelled"}})
    first = streams.get_records(ShardIterator=iterator)
    assert _keys(first["Records"]) == [("INSERT", "committed")]

    # And the shard that iterator reads goes on growing with what is committed after
    ddb.transact_write_items(TransactItems=[_put("after")])
    later = streams.get_records(ShardIterator=first["NextShardIterator"])
    assert _keys(later["Records"]) == [("INSERT", "after")]
    fresh = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    everything = streams.get_records(ShardIterator=fresh["ShardIterator"])["Records"]
    assert _keys(everything) == [("INSERT", "committed"), ("INSERT", "after")]
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in everything]
    assert sequence[1] == sequence[0] + 1
