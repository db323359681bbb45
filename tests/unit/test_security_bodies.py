"""Request bodies that mean two things are refused: a JSON object with a key twice (a proxy may read the first,
json.loads keeps the last)."""

from __future__ import annotations

import pytest

from chalicelib.http import BadRequest, parse_json_body


def test_a_body_with_a_key_twice_is_refused_naming_the_key() -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json_body(b'{"amount": "1.00", "voucher_no": "V", "amount": "1000.00"}', "application/json")
    assert refused.value.field == "amount" and refused.value.status == 400
    with pytest.raises(BadRequest) as nested:
        parse_json_body(b'{"terms": {"annual_fee": "1", "annual_fee": "2"}}', "application/json")
    assert nested.value.field == "annual_fee"
    assert parse_json_body(b'{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}', None) == {
        "a": {"a": 1},
        "b": [{"a": 1}, {"a": 2}],
    }
