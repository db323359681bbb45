"""The template's security settings, read from the packaged and translated template (what CloudFormation runs):
least privilege per role (no DeleteItem where nothing deletes, key items only the API's to read, never a
function's to write), the anchor key Sign-able by the anchor role alone, the stack's own KMS key on the topics,
queues and log groups, API Gateway throttling and access logs without signing tokens, and reserved concurrency.
The code side is checked too: which DynamoDB calls the code makes, so a new delete or update needs a grant."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_infra import WORKERS, _as_list, _resources_of, _statements

# the session fixtures (re-exported names, so pytest finds them here)
from tests.integration.test_infra import packaged as packaged
from tests.integration.test_infra import translated as translated

REPO = Path(__file__).resolve().parents[2]
FUNCTION_ROLES = {
    "APIHandler": "ApiRole",
    "InvoicingFunction": "InvoicingRole",
    "OverdueFunction": "OverdueRole",
    "LifecycleFunction": "LifecycleRole",
    "ObligationsFunction": "ObligationsRole",
    "NotifierFunction": "NotifierRole",
    "AnchorFunction": "AnchorRole",
    "ShardWorkerFunction": "ShardWorkerRole",
}
MAIN_TABLE_ARNS = ({"Fn::GetAtt": ["MainTable", "Arn"]}, {"Fn::Sub": "${MainTable.Arn}/index/*"})


def _allowed(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [s for name, s in _statements(template) if name == role and s["Effect"] == "Allow"]


def _denied(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [s for name, s in _statements(template) if name == role and s["Effect"] == "Deny"]


def _on_main_table(statement: dict[str, Any]) -> bool:
    """The statement grants on the main table's items or indexes (its stream is another resource)."""
    resources = _as_list(statement["Resource"])
    return any(r in MAIN_TABLE_ARNS or ("MainTable" in str(r) and "tream" not in str(r)) for r in resources)


@pytest.mark.integration
def test_nothing_may_delete_from_the_main_table_or_update_it_in_place(translated: dict[str, Any]) -> None:
    """Commits Put whole items with conditions; only the TTL removes outbox items. DeleteItem and UpdateItem are
    granted only on the idempotency table (Powertools deletes a failed call's record so a retry can run)."""
    for role in FUNCTION_ROLES.values():
        for statement in _allowed(translated, role):
            actions = set(_as_list(statement["Action"]))
            if actions & {"dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:*"}:
                assert statement["Resource"] in (
                    {"Fn::GetAtt": ["IdempotencyTable", "Arn"]},
                    [{"Fn::GetAtt": ["IdempotencyTable", "Arn"]}],
                ), (role, statement)
            if _on_main_table(statement):
                assert actions <= {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"}, (role, statement)


@pytest.mark.integration
def test_key_items_are_the_apis_to_read_and_no_functions_to_write(translated: dict[str, Any]) -> None:
    key_items = {"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": ["APIKEY*"]}}
    api_denied = _denied(translated, "ApiRole")
    assert any(
        s["Condition"] == key_items and {"dynamodb:PutItem", "dynamodb:UpdateItem"} <= set(s["Action"])
        for s in api_denied
    )
    for role in ("InvoicingRole", "OverdueRole", "LifecycleRole", "ObligationsRole", "NotifierRole", "ShardWorkerRole"):
        [deny] = _denied(translated, role)
        assert deny["Condition"] == key_items, role
        assert {"dynamodb:GetItem", "dynamodb:Query"} <= set(deny["Action"]), role
    # The anchor role reads only contracts' items, the chains-that-grew index entries and the status listing.
    reads = [s for s in _allowed(translated, "AnchorRole") if _on_main_table(s)]
    assert reads and all("Condition" in s for s in reads)
    prefixes = {p for s in reads for p in s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]}
    assert prefixes == {"CONTRACT#*", "AUDITED#*", "STATUS#*"}
    assert not any("PutItem" in str(s["Action"]) for s in reads)


@pytest.mark.integration
def test_only_the_anchor_role_can_sign_with_the_anchor_key(translated: dict[str, Any]) -> None:
    key = translated["Resources"]["AnchorKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    statements = key["KeyPolicy"]["Statement"]
    sign_allowed = [s for s in statements if s["Effect"] == "Allow" and _grants(s, "kms:Sign")]
    assert [s["Principal"] for s in sign_allowed] == [{"AWS": {"Fn::GetAtt": ["AnchorRole", "Arn"]}}]
    [deny] = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Action"] == "kms:Sign" and deny["Principal"] == {"AWS": "*"}
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["AnchorRole", "Arn"]}}}
    # The account itself (so any IAM policy) gets no crypto operation on it, and no IAM policy names kms:Sign.
    root = next(s for s in statements if "root" in str(s["Principal"]))
    assert not any(_grants({"Action": a}, op) for a in root["Action"] for op in ("kms:Sign", "kms:Verify"))
    for name, statement in _statements(translated):
        assert not _grants(statement, "kms:Sign"), name
    verifiers = next(s for s in statements if "kms:Verify" in _as_list(s["Action"]))
    assert {p["Fn::GetAtt"][0] for p in verifiers["Principal"]["AWS"]} == {"ApiRole", "AnchorRole"}


def _grants(statement: dict[str, Any], action: str) -> bool:
    """Whether the statement's actions (with wildcards) cover `action`."""
    patterns = _as_list(statement.get("Action", []))
    return any(re.fullmatch(str(p).replace("*", ".*"), action) for p in patterns)


@pytest.mark.integration
def test_topics_queues_and_log_groups_use_the_stacks_own_key(translated: dict[str, Any]) -> None:
    for name, topic in _resources_of(translated, "AWS::SNS::Topic").items():
        assert topic["Properties"]["KmsMasterKeyId"] == {"Ref": "DataKey"}, name
    for name, queue in _resources_of(translated, "AWS::SQS::Queue").items():
        assert queue["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name
    groups = _resources_of(translated, "AWS::Logs::LogGroup")
    assert len(groups) == len(FUNCTION_ROLES) + 1  # one per function, and the API's access log
    for name, group in groups.items():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}, name
    data_key = translated["Resources"]["DataKey"]["Properties"]
    assert data_key["EnableKeyRotation"] is True
    services = {str(p) for s in data_key["KeyPolicy"]["Statement"] for p in _as_list(s["Principal"].get("Service", []))}
    assert {"cloudwatch.amazonaws.com", "sns.amazonaws.com"} <= services
    assert any("logs." in s for s in services)
    # Whoever sends to an encrypted queue or topic may use the key for it.
    for role in (
        "InvoicingRole",
        "OverdueRole",
        "LifecycleRole",
        "ObligationsRole",
        "NotifierRole",
        "AnchorRole",
        "ShardWorkerRole",
    ):
        assert any(
            s["Resource"] == {"Fn::GetAtt": ["DataKey", "Arn"]} and "kms:GenerateDataKey" in s["Action"]
            for s in _allowed(translated, role)
        ), role


@pytest.mark.integration
def test_the_api_is_throttled_and_access_logged_without_signing_tokens(translated: dict[str, Any]) -> None:
    [stage] = _resources_of(translated, "AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    [throttle] = props["MethodSettings"]
    assert (throttle["ResourcePath"], throttle["HttpMethod"]) == ("/*", "*")
    assert 0 < throttle["ThrottlingRateLimit"] <= throttle["ThrottlingBurstLimit"] <= 500
    access = props["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fmt = access["Format"]
    assert "$context.resourcePath" in fmt and "$context.requestId" in fmt
    # $context.path is /sign/<token>; nothing else in the format carries the URL or the query string.
    assert "$context.path" not in fmt and "requestOverride" not in fmt and "querystring" not in fmt.lower()
    account = _resources_of(translated, "AWS::ApiGateway::Account")
    assert [a["Properties"]["CloudWatchRoleArn"] for a in account.values()] == [
        {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}
    ]


@pytest.mark.integration
def test_workers_have_reserved_concurrency(translated: dict[str, Any]) -> None:
    functions = translated["Resources"]
    for name in [*WORKERS, "NotifierFunction"]:
        reserved = functions[name]["Properties"]["ReservedConcurrentExecutions"]
        assert 1 <= reserved <= 10, name
    assert functions["AnchorFunction"]["Properties"]["ReservedConcurrentExecutions"] == 1


@pytest.mark.integration
def test_the_anchor_function_is_scheduled_retried_and_parked_like_the_others(translated: dict[str, Any]) -> None:
    env = translated["Resources"]["AnchorFunction"]["Properties"]["Environment"]["Variables"]
    assert env["HETONG_ANCHOR_TABLE"] == {"Ref": "AnchorTable"}
    assert env["HETONG_ANCHOR_KEY_ID"] == {"Fn::GetAtt": ["AnchorKey", "Arn"]}
    api_env = translated["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert api_env["HETONG_ANCHOR_KEY_ID"] == {"Fn::GetAtt": ["AnchorKey", "Arn"]}  # the key itself, not an alias
    anchors = translated["Resources"]["AnchorTable"]
    assert anchors["DeletionPolicy"] == "Retain"
    writers = {
        name
        for name, s in _statements(translated)
        if s["Effect"] == "Allow"
        and s["Resource"] == {"Fn::GetAtt": ["AnchorTable", "Arn"]}
        and set(_as_list(s["Action"])) - {"dynamodb:Query", "dynamodb:GetItem"}
    }
    assert writers == {"AnchorRole"}
    alarms = {a["Properties"]["MetricName"] for a in _resources_of(translated, "AWS::CloudWatch::Alarm").values()}
    assert "BrokenChains" in alarms


# ---- the code: which DynamoDB writes it makes -------------------------------------------------------------------
DELETE_CALLS = re.compile(r"\.delete\(|delete_item\(|\bDelete\(|tx\.delete|batch_write")
UPDATE_CALLS = re.compile(r"\.update\(\s*actions=|update_item\(")
# Updates in place run only with a person's or the deploy's credentials, never in a function.
UPDATE_ALLOWED = {"chalicelib/adapters/migration_reads.py", "chalicelib/adapters/api_keys.py"}


def _code() -> dict[str, str]:
    files = [*(REPO / "chalicelib").rglob("*.py"), *(REPO / "functions").rglob("*.py")]
    return {str(p.relative_to(REPO)): p.read_text(encoding="utf-8") for p in files}


# The migration step (run with the deploy's credentials, never in a function) deletes the receivables items of the
# old shape once their mark is on the contract item.
DELETE_ALLOWED = {"chalicelib/adapters/migration_reads.py"}


def test_no_code_deletes_items_so_no_role_needs_delete() -> None:
    found = {path for path, text in _code().items() if DELETE_CALLS.search(text)} - DELETE_ALLOWED
    assert not found, (
        f"{found} delete items: grant dynamodb:DeleteItem to the role that runs them (infra/template.yaml)"
    )


def test_in_place_updates_run_only_outside_the_functions() -> None:
    found = {path for path, text in _code().items() if UPDATE_CALLS.search(text)}
    assert found <= UPDATE_ALLOWED, (
        f"{found - UPDATE_ALLOWED} update items in place: the functions' roles grant only PutItem on the main table"
    )
