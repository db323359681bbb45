"""The PynamoDB records and infra/template.yaml describe the same table: keys, attribute types, indexes and
projections. If one changes without the other, this fails before anything is deployed."""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.records import ALL_RECORDS
from devstack.resources import load_template


def _template_table() -> dict[str, Any]:
    return dict(load_template()["Resources"]["MainTable"]["Properties"])


def _keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((k["AttributeName"], k["KeyType"]) for k in schema)


def _projection(p: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return str(p["ProjectionType"]), tuple(sorted(p.get("NonKeyAttributes", ())))


def test_every_record_uses_the_tables_key_schema() -> None:
    table = _template_table()
    for record in ALL_RECORDS:
        assert _keys(record._get_schema()["key_schema"]) == _keys(table["KeySchema"]), record.__name__


def test_indexes_and_projections_are_the_templates() -> None:
    table = _template_table()
    declared = {
        i["IndexName"]: (_keys(i["KeySchema"]), _projection(i["Projection"])) for i in table["GlobalSecondaryIndexes"]
    }
    in_code: dict[str, tuple[list[tuple[str, str]], tuple[str, tuple[str, ...]]]] = {}
    for record in ALL_RECORDS:
        for index in record._get_schema().get("global_secondary_indexes", []):
            shape = (_keys(index["key_schema"]), _projection(index["projection"]))
            # an index used by several records (schedule: contracts and invoices) must look the same in each
            assert in_code.setdefault(index["index_name"], shape) == shape, (record.__name__, index["index_name"])
    assert in_code == declared


def test_attribute_types_agree() -> None:
    table = _template_table()
    declared = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    for record in ALL_RECORDS:
        for a in record._get_schema()["attribute_definitions"]:
            assert declared.get(a["AttributeName"]) == a["AttributeType"], (record.__name__, a)
