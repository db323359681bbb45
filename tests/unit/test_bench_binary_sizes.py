"""The bench sizes a compressed (Binary) attribute by its raw byte length, as DynamoDB bills it, whether the item
comes as moto holds it (bytes), as a response parses it (bytes) or base64 text: the compressed contract item's
write units in figure 3 are not understated or inflated by an encoding."""

from __future__ import annotations

import base64

from bench import sizes
from chalicelib.adapters.packing import pack


def test_a_binary_attribute_counts_its_raw_bytes() -> None:
    blob = pack('{"合同":"正文"}' * 200)
    assert sizes.value_size({"B": blob}) == len(blob)
    assert sizes.value_size({"B": base64.b64encode(blob).decode()}) == len(blob)
    item = {"pk": {"S": "CONTRACT#c-1"}, "body_z": {"B": blob}}
    assert sizes.item_size(item) == len("pk") + len("CONTRACT#c-1") + len("body_z") + len(blob)
