"""Where anchors live and how they are signed: a table of their own (pk CONTRACT#<id>, sk ANCHOR#<entries:06d>),
written only by the anchor function's role, and an asymmetric KMS key (ECC_NIST_P256, ECDSA_SHA_256) that only
that role may Sign with; the API only reads anchors and calls kms:Verify."""

from __future__ import annotations

import base64
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.domain.anchor import Anchor
from chalicelib.domain.errors import Unavailable

ALGORITHM = "ECDSA_SHA_256"
THROTTLED = frozenset({"ThrottlingException", "KMSInternalException", "DependencyTimeoutException"})


class DynamoAnchorStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._ddb = dynamodb
        self._table = table_name

    def latest(self, contract_id: str) -> Anchor | None:
        page = self._ddb.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
            ExpressionAttributeValues={":pk": {"S": f"CONTRACT#{contract_id}"}, ":a": {"S": "ANCHOR#"}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = page.get("Items", [])
        if not items:
            return None
        i = items[0]
        return Anchor(
            contract_id=contract_id,
            entries=int(i["entries"]["N"]),
            head=i["head"]["S"],
            as_of=i["as_of"]["S"],
            at=i["at"]["S"],
            key_id=i["key_id"]["S"],
            algorithm=i["algorithm"]["S"],
            signature=i["signature"]["S"],
            message=i["message"]["S"],
        )

    def put(self, anchor: Anchor) -> bool:
        item = {
            "pk": {"S": f"CONTRACT#{anchor.contract_id}"},
            "sk": {"S": f"ANCHOR#{anchor.entries:06d}"},
            "entries": {"N": str(anchor.entries)},
            "head": {"S": anchor.head},
            "as_of": {"S": anchor.as_of},
            "at": {"S": anchor.at},
            "key_id": {"S": anchor.key_id},
            "algorithm": {"S": anchor.algorithm},
            "signature": {"S": anchor.signature},
            "message": {"S": anchor.message},
        }
        try:
            self._ddb.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


class KmsSigner:
    """Signs and verifies with the anchoring key. The message is signed RAW (KMS hashes it with SHA-256), which
    moto does the same way; verification always names the configured key, never one an anchor item claims."""

    algorithm = ALGORITHM

    def __init__(self, kms: Any, key_id: str) -> None:
        self._kms = kms
        self.key_id = key_id

    def sign(self, message: bytes) -> str:
        try:
            reply = self._kms.sign(KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=ALGORITHM)
        except ClientError as exc:
            raise _translate(exc) from None
        return base64.b64encode(reply["Signature"]).decode()

    def verify(self, message: bytes, signature: str) -> bool:
        try:
            raw = base64.b64decode(signature.encode(), validate=True)
        except ValueError:
            return False
        try:
            reply = self._kms.verify(
                KeyId=self.key_id, Message=message, MessageType="RAW", Signature=raw, SigningAlgorithm=ALGORITHM
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "KMSInvalidSignatureException":
                return False  # what KMS answers for a signature that does not verify
            raise _translate(exc) from None
        return bool(reply.get("SignatureValid"))


def _translate(exc: ClientError) -> Exception:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in THROTTLED:
        return Unavailable(f"KMS is unavailable ({code}); retry shortly")
    unchanged: Exception = exc
    return unchanged
