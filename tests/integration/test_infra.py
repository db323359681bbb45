"""The deployable template and the build that packages it (infra/), checked offline.

The build runs once per session with ``--no-deps`` (no PyPI: it is the template being checked here).
Its SAM template is linted with cfn-lint, translated to plain CloudFormation with aws-sam-translator
(what CloudFormation's SAM transform does), and deployed into moto's CloudFormation; the deployed
resources are then read back through the AWS APIs. What moto's CloudFormation ignores or does not
support is asserted on the translated template instead, and each such test says so.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml

from infra import build as infra_build

REPO = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ARTIFACT_BUCKET = "hetong-test-artifacts"
STACK = "hetong-test"
PARAMS = {
    "Stage": "test",
    "SenderEmail": "noreply@example.com",
    "ReplyToEmail": "contracts@example.com",
    "FinanceAlertEmail": "finance@example.com",
    "OperatorEmail": "ops@example.com",
    "PublicBaseUrl": "",
    "LogLevel": "INFO",
}
COMMON_ENV = {
    "HETONG_STAGE",
    "HETONG_TABLE",
    "HETONG_IDEMPOTENCY_TABLE",
    "HETONG_FINANCE_TOPIC_ARN",
    "HETONG_SENDER_EMAIL",
    "HETONG_REPLY_TO_EMAIL",
    "HETONG_FINANCE_EMAIL",
    "HETONG_OPERATOR_EMAIL",
    "HETONG_PUBLIC_BASE_URL",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
}
WORKERS = {
    # logical id: (handler, schedule, function name suffix)
    "InvoicingFunction": ("functions.invoicing.handler", "cron(5 16 * * ? *)", "invoicing"),
    "OverdueFunction": ("functions.overdue.handler", "cron(15 16 * * ? *)", "overdue"),
    "LifecycleFunction": ("functions.lifecycle.handler", "cron(25 16 * * ? *)", "lifecycle"),
    "ObligationsFunction": ("functions.obligations.handler", "cron(35 16 * * ? *)", "obligations"),
    "AnchorFunction": ("functions.anchor.handler", "cron(45 16 * * ? *)", "anchor"),
}
SHARD_WORKER = {"ShardWorkerFunction": "shard-worker"}  # the daily runs' fan-out (SQS), not scheduled
FUNCTIONS = {"APIHandler": "api", "NotifierFunction": "notifier"} | {k: v[2] for k, v in WORKERS.items()} | SHARD_WORKER
# The API and the notifier build signing links; the obligations job (whole, or fanned out to the shard worker)
# mints submit links.
LINK_SECRET_READERS = {"APIHandler", "NotifierFunction", "ObligationsFunction", "ShardWorkerFunction"}
OUTBOX_FILTER = {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["outbox"]}}}}
IAM_POLICY_RESOURCE_TYPES = {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"}
RESTRICTED_SERVICES = ("dynamodb", "ses", "sns")
XRAY_POLICY = {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"}
# Workers that write contracts (the anchor worker writes only anchors, in their own table).
CONTRACT_WORKERS = ("InvoicingFunction", "OverdueFunction", "LifecycleFunction")


@dataclass(frozen=True)
class Packaged:
    sam_path: Path
    zip_path: Path
    sam: dict[str, Any]


STUB_APP = """\
from chalice import Chalice

app = Chalice(app_name="hetong")


@app.route("/contracts")
def list_contracts():
    return {"contracts": []}
"""


def _stub_project(root: Path) -> Path:
    """A throwaway project of the real one's shape, for while app.py is not written yet."""
    (root / "chalicelib").mkdir()
    (root / "chalicelib" / "__init__.py").write_text("")
    (root / "functions").mkdir()
    (root / "functions" / "__init__.py").write_text("")
    for name in ("invoicing", "overdue", "lifecycle", "obligations", "notifier"):
        (root / "functions" / f"{name}.py").write_text("def handler(event, context):\n    return {}\n")
    (root / ".chalice").mkdir()
    (root / ".chalice" / "config.json").write_text((REPO / ".chalice" / "config.json").read_text())
    (root / "app.py").write_text(STUB_APP)
    return root


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    project = REPO
    if not (REPO / "app.py").is_file():
        warnings.warn("app.py does not exist yet: infra is checked against a stub app", stacklevel=1)
        project = _stub_project(tmp_path_factory.mktemp("stub-project"))
    out = tmp_path_factory.mktemp("package")
    sam_path = infra_build.build(
        stage="dev", out=out, project=project, template_path=REPO / "infra" / "template.yaml", with_deps=False
    )
    return Packaged(sam_path, out / "deployment.zip", infra_build.load_template(sam_path))


class _NoManagedPolicies:
    """The translator only needs IAM's managed-policy list for `Policies:` names; the template has none."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="session")
def translated(packaged: Packaged) -> dict[str, Any]:
    """The packaged template as CloudFormation runs it: CodeUri uploaded (as `aws cloudformation package`
    does), then the SAM transform applied."""
    from samtranslator.translator.transform import transform

    sam = copy.deepcopy(packaged.sam)
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{ARTIFACT_BUCKET}/deployment.zip"
    with mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": REGION}):
        result: dict[str, Any] = transform(sam, PARAMS, _NoManagedPolicies())  # type: ignore[arg-type]
    return result


def _resources_of(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


@pytest.fixture(scope="session")
def deployed(packaged: Packaged, translated: dict[str, Any]) -> dict[str, Any]:
    """Deploy into moto and read everything back: a snapshot, so the mock (and the stack's resources,
    named like the other integration tests' ones) ends inside this fixture."""
    import boto3
    from moto import mock_aws

    cfn = copy.deepcopy(translated)
    # moto's CloudFormation ignores a RestApi's Body (the routes Chalice generated), so the API
    # Gateway Deployment would have no methods and fail; the API's stage is checked on the template.
    for name in list(_resources_of(cfn, "AWS::ApiGateway::Deployment")) + list(
        _resources_of(cfn, "AWS::ApiGateway::Stage")
    ):
        del cfn["Resources"][name]

    with mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": REGION}), mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # moto warns about every resource type it does not model
        session = boto3.Session(region_name=REGION)
        s3 = session.client("s3")
        s3.create_bucket(Bucket=ARTIFACT_BUCKET)
        s3.upload_file(str(packaged.zip_path), ARTIFACT_BUCKET, "deployment.zip")
        cf = session.client("cloudformation")
        cf.create_stack(
            StackName=STACK,
            TemplateBody=json.dumps(cfn),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMS.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        stack = cf.describe_stacks(StackName=STACK)["Stacks"][0]
        physical = {
            r["LogicalResourceId"]: r.get("PhysicalResourceId")
            for r in cf.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
        }
        ddb = session.client("dynamodb")
        table_names = ddb.list_tables()["TableNames"]
        tables = {name: ddb.describe_table(TableName=name)["Table"] for name in table_names}
        lam = session.client("lambda")
        functions = {f["FunctionName"]: f for f in lam.list_functions()["Functions"]}
        mappings = lam.list_event_source_mappings()["EventSourceMappings"]
        events = session.client("events")
        rules = {
            r["Name"]: {**r, "Targets": events.list_targets_by_rule(Rule=r["Name"])["Targets"]}
            for r in events.list_rules()["Rules"]
        }
        sqs = session.client("sqs")
        queues = {
            url.rsplit("/", 1)[1]: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
            for url in sqs.list_queues()["QueueUrls"]
        }
        queues = {name: attributes["Attributes"] for name, attributes in queues.items()}
        topics = [t["TopicArn"] for t in session.client("sns").list_topics()["Topics"]]
        iam = session.client("iam")
        role_policies = {}
        for role in iam.list_roles()["Roles"]:
            for policy_name in iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]:
                policy = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=policy_name)
                document = policy["PolicyDocument"]
                if isinstance(document, str):  # moto's CloudFormation stores the dict's repr()
                    document = ast.literal_eval(document)
                # A role may have several inline policies (the seal's is a separate AWS::IAM::Policy): all
                # their statements count.
                merged = role_policies.setdefault(role["Arn"], {"Statement": []})
                statements = document["Statement"]
                merged["Statement"] += statements if isinstance(statements, list) else [statements]
        log_groups = {g["logGroupName"]: g for g in session.client("logs").describe_log_groups()["logGroups"]}
    return {
        "stack": stack,
        "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        "physical": physical,
        "tables": tables,
        "functions": functions,
        "mappings": mappings,
        "rules": rules,
        "queues": queues,
        "topics": topics,
        "role_policies": role_policies,
        "log_groups": log_groups,
    }


# ----------------------------------------------------------------------------- fast: no build


def test_template_reads_as_plain_yaml() -> None:
    """Long-form intrinsics only, so the local stack (and anyone) can yaml.safe_load it."""
    template = yaml.safe_load((REPO / "infra" / "template.yaml").read_text(encoding="utf-8"))
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert {
        "Stage",
        "SenderEmail",
        "ReplyToEmail",
        "FinanceAlertEmail",
        "OperatorEmail",
        "PublicBaseUrl",
        "LogLevel",
    } <= set(template["Parameters"])
    assert template["Parameters"]["Stage"]["Default"] == "dev"
    assert template["Parameters"]["PublicBaseUrl"]["Default"] == ""
    # No secret is a template parameter (it would sit in the stack's parameters and deploy commands).
    assert not {name for name in template["Parameters"] if "secret" in name.lower()}
    assert template["Resources"]["LinkSecret"]["Type"] == "AWS::SecretsManager::Secret"


def test_chalice_config_leaves_the_role_to_the_template() -> None:
    config = json.loads((REPO / ".chalice" / "config.json").read_text(encoding="utf-8"))
    assert config["app_name"] == "hetong"
    assert {"dev", "prod"} <= set(config["stages"])
    assert config["autogen_policy"] is False
    assert config["manage_iam_role"] is False  # the merged template sets APIHandler's Role


def _fake_dist(site: Path, name: str, requires: list[str], top: str) -> None:
    dist_info = site / f"{name}-1.0.dist-info"
    dist_info.mkdir(parents=True)
    body = "".join(f"Requires-Dist: {r}\n" for r in requires)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{body}\n")
    (site / top).mkdir()
    (site / top / "__init__.py").write_text("")
    (dist_info / "RECORD").write_text(f"{top}/__init__.py,,\n{dist_info.name}/METADATA,,\n")


def test_prune_drops_what_the_runtime_provides_and_only_it_needs(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _fake_dist(site, "pynamodb", ["botocore>=1.12"], "pynamodb")
    _fake_dist(
        site,
        "aws-lambda-powertools",
        ["jmespath", "typing-extensions", "aws-xray-sdk; extra == 'tracer'"],
        "p",
    )
    _fake_dist(site, "botocore", ["jmespath", "urllib3", "python-dateutil"], "botocore")
    _fake_dist(site, "urllib3", [], "urllib3")
    _fake_dist(site, "python-dateutil", ["six"], "dateutil")
    _fake_dist(site, "six", [], "six")
    _fake_dist(site, "jmespath", [], "jmespath")
    _fake_dist(site, "typing_extensions", [], "typing_extensions")
    _fake_dist(site, "tomli", [], "tomli")  # only for python < 3.11 below
    _fake_dist(site, "cn2an", ["proces", "tomli; python_version < '3.11'"], "cn2an")
    _fake_dist(site, "proces", [], "proces")
    (site / "example").mkdir()  # junk some wheels ship
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# runtime\npynamodb>=6\naws-lambda-powertools\ncn2an  # amounts in words\n")

    removed = infra_build.prune_site(site, infra_build.read_requirements(requirements), "3.12", "arm64")

    assert removed == ["botocore", "python-dateutil", "six", "tomli", "urllib3"]
    left = {p.name for p in site.iterdir()}
    assert {"pynamodb", "p", "jmespath", "typing_extensions", "cn2an", "proces"} <= left
    assert not left & {"botocore", "urllib3", "dateutil", "six", "tomli", "example"}


def test_check_zip_flags_forbidden_content(tmp_path: Path) -> None:
    archive = tmp_path / "deployment.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("app.py", "chalicelib/__init__.py", "functions/__init__.py", "functions/notifier.py"):
            zf.writestr(name, "")
        zf.writestr("boto3/__init__.py", "")
        zf.writestr("tests/test_x.py", "")
        zf.writestr("chalicelib/__pycache__/x.cpython-311.pyc", "")
    template = {
        "Resources": {
            "N": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Handler": "functions.notifier.handler"},
            },
            "I": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Handler": "functions.invoicing.handler"},
            },
        }
    }
    problems = infra_build.check_zip(archive, template)
    assert "I: handler module functions.invoicing is missing" in problems
    assert "boto3/__init__.py must not be shipped" in problems
    assert "tests/test_x.py must not be shipped" in problems
    assert "chalicelib/__pycache__/x.cpython-311.pyc is a compiled file" in problems
    assert not any("notifier" in p for p in problems)


# ----------------------------------------------------------------------------- the packaged template


@pytest.mark.integration
def test_packaged_template_passes_cfn_lint(packaged: Packaged) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cfnlint.runner import main; sys.exit(main())",
            str(packaged.sam_path),
        ],
        cwd=REPO,  # picks up .cfnlintrc.yaml (regions)
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
def test_artifact_holds_app_chalicelib_and_functions(packaged: Packaged) -> None:
    with zipfile.ZipFile(packaged.zip_path) as zf:
        names = set(zf.namelist())
    assert {"app.py", "chalicelib/__init__.py", "functions/__init__.py", "chalice/app.py"} <= names
    for handler, _, _ in WORKERS.values():
        assert f"{handler.rsplit('.', 1)[0].replace('.', '/')}.py" in names
    assert "functions/notifier.py" in names
    assert not any(n.split("/")[0] in {"tests", "boto3", "botocore", "s3transfer"} for n in names)
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert infra_build.check_zip(packaged.zip_path, packaged.sam) == []


@pytest.mark.integration
def test_api_function_is_chalices_with_our_role_runtime_and_environment(
    packaged: Packaged, translated: dict[str, Any]
) -> None:
    api = packaged.sam["Resources"]["APIHandler"]["Properties"]
    assert api["Handler"] == "app.app"
    assert api["Role"] == {"Fn::GetAtt": ["ApiRole", "Arn"]}
    assert api["Runtime"] == "python3.12"
    assert packaged.sam["Resources"]["RestAPI"]["Type"] == "AWS::Serverless::Api"
    assert "DefinitionBody" in packaged.sam["Resources"]["RestAPI"]["Properties"]  # Chalice's routes
    # No role of Chalice's own (manage_iam_role false).
    roles = _resources_of(packaged.sam, "AWS::IAM::Role")
    assert set(roles) == {
        "ApiRole",
        "InvoicingRole",
        "OverdueRole",
        "LifecycleRole",
        "NotifierRole",
        "ObligationsRole",
        "AnchorRole",
        "ShardWorkerRole",
        "ApiGatewayLogsRole",  # API Gateway's own, for access logs
    }
    # Globals reached the Chalice function after the SAM transform.
    env = translated["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert set(env) >= COMMON_ENV
    assert env["HETONG_TABLE"] == {"Ref": "MainTable"}
    stage = _resources_of(translated, "AWS::ApiGateway::Stage")
    assert [s["Properties"]["StageName"] for s in stage.values()] == ["api"]
    assert translated["Outputs"]["ApiUrl"]["Value"] == {
        "Fn::Sub": "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/"
    }


def _statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = []
        if resource["Type"] == "AWS::IAM::Role":
            documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
        elif resource["Type"] in IAM_POLICY_RESOURCE_TYPES:
            documents = [props["PolicyDocument"]]
        for document in documents:
            statements = document["Statement"]
            for statement in statements if isinstance(statements, list) else [statements]:
                yield name, statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.integration
def test_every_iam_statement_is_least_privilege(packaged: Packaged, translated: dict[str, Any]) -> None:
    for template in (packaged.sam, translated):
        statements = list(_statements(template))
        assert statements
        for name, statement in statements:
            actions = _as_list(statement.get("Action", []))
            assert "NotAction" not in statement and "NotResource" not in statement, name
            assert "*" not in actions, (name, statement)
            for service in RESTRICTED_SERVICES:
                assert f"{service}:*" not in actions, (name, statement)
            if any(str(a).split(":")[0] in RESTRICTED_SERVICES for a in actions):
                assert "*" not in _as_list(statement["Resource"]), (name, statement)
            if "ses:SendEmail" in actions:
                assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "SenderEmail"}}}
    # Managed policies: only the X-Ray daemon's (API Gateway's logging role has none).
    for name, role in _resources_of(translated, "AWS::IAM::Role").items():
        arns = role["Properties"].get("ManagedPolicyArns", [])
        expected = [] if name == "ApiGatewayLogsRole" else [XRAY_POLICY]
        assert arns == expected, name


@pytest.mark.integration
def test_one_role_per_function_and_the_grants_each_needs(translated: dict[str, Any]) -> None:
    functions = _resources_of(translated, "AWS::Lambda::Function")
    assert set(functions) == set(FUNCTIONS)
    roles = {name: f["Properties"]["Role"]["Fn::GetAtt"][0] for name, f in functions.items()}
    assert len(set(roles.values())) == len(roles)

    def grants(role: str) -> set[str]:
        return {
            action
            for name, statement in _statements(translated)
            if name == role
            for action in _as_list(statement["Action"])
            if statement["Effect"] == "Allow"
        }

    # Transactions are Puts with conditions (no ConditionCheckItem, no UpdateItem), plus reads.
    writes = {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"}
    assert writes <= grants(roles["APIHandler"])
    for worker in CONTRACT_WORKERS:
        assert writes | {"sqs:SendMessage"} <= grants(roles[worker])
    for worker in WORKERS:
        assert not grants(roles[worker]) & {"ses:SendEmail", "sns:Publish"}
    notifier = grants(roles["NotifierFunction"])
    assert {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "ses:SendEmail",
        "sns:Publish",
        "sqs:SendMessage",
    } <= notifier
    assert not notifier & {"dynamodb:PutItem", "dynamodb:UpdateItem"} - {
        # its only writes are to the idempotency table
        a
        for name, s in _statements(translated)
        if name == roles["NotifierFunction"] and s.get("Sid") == "IdempotencyTable"
        for a in _as_list(s["Action"])
    }
    # The API emails one-time codes itself (never queued in plain form); it publishes nothing to SNS.
    assert "ses:SendEmail" in grants(roles["APIHandler"])
    assert not grants(roles["APIHandler"]) & {"sns:Publish"}


@pytest.mark.integration
def test_settings_moto_does_not_model(translated: dict[str, Any]) -> None:
    """moto's CloudFormation ignores TTL, PITR, SSE and retention policies of tables, and does not
    support AWS::Lambda::EventInvokeConfig, AWS::CloudWatch::Alarm or AWS::SNS::Subscription:
    these are checked on the translated template."""
    resources = translated["Resources"]
    main, idem = resources["MainTable"], resources["IdempotencyTable"]
    for table in (main, idem):
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
        assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True}
    assert main["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert main["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert idem["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}

    invoke_configs = {
        v["Properties"]["FunctionName"]["Ref"]: v["Properties"]
        for v in _resources_of(translated, "AWS::Lambda::EventInvokeConfig").values()
    }
    assert set(invoke_configs) == set(WORKERS)
    for config in invoke_configs.values():
        assert config["MaximumRetryAttempts"] == 2
        assert config["MaximumEventAgeInSeconds"] == 3600
        on_failure = config["DestinationConfig"]["OnFailure"]
        assert on_failure["Destination"] == {"Fn::GetAtt": ["WorkersDLQ", "Arn"]}

    subscriptions = _resources_of(translated, "AWS::SNS::Subscription")
    assert {
        (s["Properties"]["TopicArn"]["Ref"], s["Properties"]["Endpoint"]["Ref"], s["Condition"])
        for s in subscriptions.values()
    } == {
        ("FinanceTopic", "FinanceAlertEmail", "HasFinanceAlertEmail"),
        ("OpsTopic", "OperatorEmail", "HasOperatorEmail"),
    }

    alarms = [a["Properties"] for a in _resources_of(translated, "AWS::CloudWatch::Alarm").values()]
    on_lambda = [a for a in alarms if a["Namespace"] == "AWS/Lambda"]
    lambda_alarms = {(a["Dimensions"][0]["Value"]["Ref"], a["MetricName"]) for a in on_lambda}
    assert lambda_alarms == {(f, m) for f in FUNCTIONS for m in ("Errors", "Throttles")}
    queue_alarms = {
        a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in alarms
        if a["MetricName"] == "ApproximateNumberOfMessagesVisible"
    }
    assert queue_alarms == {"NotifierDLQ", "WorkersDLQ", "ShardDLQ"}
    for alarm in alarms:
        assert alarm["Period"] == 300 and alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["AlarmActions"] == [{"Ref": "OpsTopic"}]

    for name in FUNCTIONS:
        props = resources[name]["Properties"]
        assert props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}


@pytest.mark.integration
def test_link_secret_moto_does_not_model(translated: dict[str, Any]) -> None:
    """moto's CloudFormation does not create AWS::SecretsManager::Secret (and drops what refers to it): the link
    secret, who learns its ARN and who may read it are checked on the translated template."""
    resources = translated["Resources"]
    secret = resources["LinkSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert "SecretString" not in secret["Properties"]  # generated, never written into the template
    functions = _resources_of(translated, "AWS::Lambda::Function")
    roles = {name: f["Properties"]["Role"]["Fn::GetAtt"][0] for name, f in functions.items()}
    for name, function in functions.items():
        env = function["Properties"]["Environment"]["Variables"]
        assert "HETONG_LINK_SECRET" not in env, name
        if name in LINK_SECRET_READERS:
            assert env["HETONG_LINK_SECRET_ID"] == {"Ref": "LinkSecret"}, name  # its ARN, not its value
        else:
            assert "HETONG_LINK_SECRET_ID" not in env, name
    readers = {role for role, statement in _statements(translated) if "secretsmanager" in json.dumps(statement)}
    assert readers == {roles[name] for name in LINK_SECRET_READERS}
    for role, statement in _statements(translated):
        if role in readers and "secretsmanager" in json.dumps(statement):
            assert statement["Action"] == "secretsmanager:GetSecretValue", role
            assert statement["Resource"] == {"Ref": "LinkSecret"}, role


@pytest.mark.integration
def test_the_api_stage_records_no_request_urls_in_traces(translated: dict[str, Any]) -> None:
    """API Gateway X-Ray segments record each request's full URL (/sign/<token>): the stage is not traced."""
    for stage in _resources_of(translated, "AWS::ApiGateway::Stage").values():
        assert not stage["Properties"].get("TracingEnabled", False)


@pytest.mark.integration
def test_api_gateways_own_replies_carry_the_security_headers(translated: dict[str, Any]) -> None:
    """A 403 for a path with no route, a 413, a 429 come from API Gateway, not the app's middleware."""
    [api] = _resources_of(translated, "AWS::ApiGateway::RestApi").values()
    responses = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        headers = responses[kind]["responseParameters"]
        assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"
        assert headers["gatewayresponse.header.Cache-Control"] == "'no-store'"
        assert headers["gatewayresponse.header.Referrer-Policy"] == "'no-referrer'"


# ----------------------------------------------------------------------------- deployed into moto


@pytest.mark.integration
def test_stack_deploys(deployed: dict[str, Any]) -> None:
    assert deployed["stack"]["StackStatus"] == "CREATE_COMPLETE"
    outputs = deployed["outputs"]
    assert outputs["MainTableName"] == "hetong-test-main"
    assert outputs["IdempotencyTableName"] == "hetong-test-idempotency"
    assert outputs["FinanceTopicArn"].endswith(":hetong-test-finance")
    assert outputs["NotifierDLQUrl"].endswith("/hetong-test-notifier-dlq")
    assert outputs["WorkersDLQUrl"].endswith("/hetong-test-workers-dlq")
    api_id = deployed["physical"]["RestAPI"]
    assert outputs["ApiUrl"] == f"https://{api_id}.execute-api.{REGION}.amazonaws.com/api/"


def _keys(schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in schema]


@pytest.mark.integration
def test_tables(deployed: dict[str, Any]) -> None:
    main = deployed["tables"]["hetong-test-main"]
    assert _keys(main["KeySchema"]) == [("pk", "HASH"), ("sk", "RANGE")]
    assert main["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert main["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    indexes = {i["IndexName"]: i for i in main["GlobalSecondaryIndexes"]}
    assert {name: _keys(i["KeySchema"]) for name, i in indexes.items()} == {
        "by_status": [("gsi1pk", "HASH"), ("gsi1sk", "RANGE")],
        "schedule": [("s1pk", "HASH"), ("s1sk", "RANGE")],
        "lifecycle": [("s2pk", "HASH"), ("s2sk", "RANGE")],
        "receivables": [("r1pk", "HASH"), ("r1sk", "RANGE")],
    }
    assert {name: i["Projection"] for name, i in indexes.items()} == {
        "by_status": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["listing"]},
        "schedule": {"ProjectionType": "ALL"},
        "lifecycle": {"ProjectionType": "KEYS_ONLY"},
        "receivables": {"ProjectionType": "KEYS_ONLY"},
    }
    assert {a["AttributeType"] for a in main["AttributeDefinitions"]} == {"S"}

    idem = deployed["tables"]["hetong-test-idempotency"]
    assert _keys(idem["KeySchema"]) == [("id", "HASH")]
    assert idem["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.integration
def test_topics_and_queues(deployed: dict[str, Any]) -> None:
    assert {t.rsplit(":", 1)[1] for t in deployed["topics"]} == {"hetong-test-finance", "hetong-test-ops"}
    assert set(deployed["queues"]) == {
        "hetong-test-notifier-dlq",
        "hetong-test-workers-dlq",
        "hetong-test-shards",
        "hetong-test-shards-dlq",
    }
    for name, attributes in deployed["queues"].items():
        if name.endswith("-dlq"):
            assert attributes["MessageRetentionPeriod"] == str(14 * 24 * 3600)
        assert attributes["SqsManagedSseEnabled"] == "true"


@pytest.mark.integration
def test_functions(deployed: dict[str, Any]) -> None:
    functions = deployed["functions"]
    assert set(functions) == {f"hetong-test-{suffix}" for suffix in FUNCTIONS.values()}
    outputs = deployed["outputs"]
    for logical, suffix in FUNCTIONS.items():
        function = functions[f"hetong-test-{suffix}"]
        assert function["Runtime"] == "python3.12"
        assert function["MemorySize"] == 512
        env = function["Environment"]["Variables"]
        assert set(env) >= COMMON_ENV, logical
        assert env["HETONG_STAGE"] == "test"
        assert env["HETONG_TABLE"] == "hetong-test-main"
        assert env["HETONG_IDEMPOTENCY_TABLE"] == "hetong-test-idempotency"
        assert env["HETONG_FINANCE_TOPIC_ARN"] == outputs["FinanceTopicArn"]
        assert env["HETONG_SENDER_EMAIL"] == "noreply@example.com"
        assert env["HETONG_REPLY_TO_EMAIL"] == "contracts@example.com"
        assert env["HETONG_FINANCE_EMAIL"] == "finance@example.com"
        assert env["HETONG_OPERATOR_EMAIL"] == "ops@example.com"
        assert "HETONG_LINK_SECRET" not in env, logical  # the secret's value is never an environment variable
        assert env["POWERTOOLS_SERVICE_NAME"] == "hetong"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Hetong"
        assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"
        # PublicBaseUrl empty: the workers get the API's own URL; the API uses the request's (the anchor
        # worker sends no links).
        expected_base = "" if logical in ("APIHandler", "AnchorFunction") else outputs["ApiUrl"].rstrip("/")
        assert env["HETONG_PUBLIC_BASE_URL"] == expected_base, logical
        assert f"/aws/lambda/hetong-test-{suffix}" in deployed["log_groups"]
    assert functions["hetong-test-api"]["Handler"] == "app.app"
    notifier = functions["hetong-test-notifier"]
    assert notifier["Handler"] == "functions.notifier.handler"
    assert notifier["Environment"]["Variables"]["HETONG_NOTIFIER_DLQ_URL"] == outputs["NotifierDLQUrl"]
    for handler, _, suffix in WORKERS.values():
        assert functions[f"hetong-test-{suffix}"]["Handler"] == handler


@pytest.mark.integration
def test_schedules(deployed: dict[str, Any]) -> None:
    rules = deployed["rules"]
    for handler, schedule, suffix in WORKERS.values():
        rule = rules[f"hetong-test-{suffix}-daily"]
        assert rule["ScheduleExpression"] == schedule, handler
        assert rule["State"] == "ENABLED"
        [target] = rule["Targets"]
        assert target["Arn"].endswith(f":function:hetong-test-{suffix}")
        assert "Input" not in target  # the worker uses today in Asia/Shanghai


@pytest.mark.integration
def test_stream_mapping(deployed: dict[str, Any]) -> None:
    [mapping] = [m for m in deployed["mappings"] if m["FunctionArn"].endswith(":function:hetong-test-notifier")]
    assert mapping["EventSourceArn"] == deployed["outputs"]["MainTableStreamArn"]
    assert mapping["BatchSize"] == 10
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["MaximumRetryAttempts"] == 5
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRecordAgeInSeconds"] >= 3600
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == deployed["outputs"]["NotifierDLQArn"]
    [pattern] = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == OUTBOX_FILTER


@pytest.mark.integration
def test_shard_queue_mapping(deployed: dict[str, Any]) -> None:
    [mapping] = [m for m in deployed["mappings"] if m["FunctionArn"].endswith(":function:hetong-test-shard-worker")]
    assert mapping["EventSourceArn"].endswith(":hetong-test-shards")
    assert mapping["BatchSize"] == 1
    assert deployed["functions"]["hetong-test-shard-worker"]["Handler"] == "functions.shard_worker.handler"
    queue = deployed["queues"]["hetong-test-shards"]
    assert int(queue["VisibilityTimeout"]) >= 6 * 300
    assert json.loads(queue["RedrivePolicy"])["maxReceiveCount"] == 5


@pytest.mark.integration
def test_deployed_policies_point_at_the_deployed_resources(deployed: dict[str, Any]) -> None:
    outputs = deployed["outputs"]
    notifier_role = deployed["functions"]["hetong-test-notifier"]["Role"]
    statements = {s["Sid"]: s for s in deployed["role_policies"][notifier_role]["Statement"]}
    assert statements["ReadStream"]["Resource"] == outputs["MainTableStreamArn"]
    assert statements["FinanceTopic"]["Resource"] == outputs["FinanceTopicArn"]
    assert statements["OnFailureDestination"]["Resource"] == outputs["NotifierDLQArn"]
    assert statements["SendMailAsSenderOnly"]["Condition"] == {
        "StringEquals": {"ses:FromAddress": "noreply@example.com"}
    }
    assert statements["SendMailAsSenderOnly"]["Resource"] == f"arn:aws:ses:{REGION}:123456789012:identity/*"
    api_role = deployed["functions"]["hetong-test-api"]["Role"]
    api = {s["Sid"]: s for s in deployed["role_policies"][api_role]["Statement"]}
    assert api["MainTableRead"]["Resource"] == [outputs["MainTableArn"], outputs["MainTableArn"] + "/index/*"]
    assert api["MainTableWrite"]["Resource"] == outputs["MainTableArn"]
    assert api["IdempotencyTable"]["Resource"] == [outputs["IdempotencyTableArn"]]
    for _, _, suffix in WORKERS.values():
        role = deployed["functions"][f"hetong-test-{suffix}"]["Role"]
        worker = {s["Sid"]: s for s in deployed["role_policies"][role]["Statement"]}
        assert worker["OnFailureDestination"]["Resource"] == outputs["WorkersDLQArn"]
        if suffix in ("invoicing", "overdue", "lifecycle", "obligations"):  # the jobs that fan out over the shards
            assert worker["DispatchShards"]["Action"] == "sqs:SendMessage"
            assert worker["DispatchShards"]["Resource"].endswith(":hetong-test-shards")
    shard_role = deployed["functions"]["hetong-test-shard-worker"]["Role"]
    shard = {s["Sid"]: s for s in deployed["role_policies"][shard_role]["Statement"]}
    assert shard["ContinueShard"]["Resource"].endswith(":hetong-test-shards")
    assert shard["MainTableWrite"]["Action"] == "dynamodb:PutItem"


@pytest.mark.integration
def test_only_the_sealing_functions_may_sign_with_the_seal_key(
    translated: dict[str, Any], deployed: dict[str, Any]
) -> None:
    key = translated["Resources"]["SealKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    statements = key["KeyPolicy"]["Statement"]
    actions = [a for s in statements for a in _as_list(s["Action"])]
    assert "kms:*" not in actions and actions.count("kms:Sign") == 1  # no delegation to IAM, one signer grant
    [signers] = [s for s in statements if "kms:Sign" in _as_list(s["Action"])]
    assert sorted(p["Fn::GetAtt"][0] for p in signers["Principal"]["AWS"]) == ["ApiRole", "NotifierRole"]
    # Every function is told the key's and the certificates' names, never key material
    env = translated["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["HETONG_SEAL_KEY_ID"] == {"Fn::GetAtt": ["SealKey", "Arn"]}
    assert env["HETONG_SEAL_PARAMETERS"] == {"Fn::Sub": "/hetong/${Stage}/seal"}
    # Deployed: the two sealing roles read the seal's parameters, the workers do not
    parameter = f"arn:aws:ssm:{REGION}:123456789012:parameter/hetong/test/seal/*"
    for function in ("hetong-test-api", "hetong-test-notifier"):
        role = deployed["functions"][function]["Role"]
        granted = {s["Sid"]: s for s in deployed["role_policies"][role]["Statement"]}
        assert granted["SealCertificates"]["Resource"] == parameter, function
    for _, _, suffix in WORKERS.values():
        role = deployed["functions"][f"hetong-test-{suffix}"]["Role"]
        assert "SealCertificates" not in {s.get("Sid") for s in deployed["role_policies"][role]["Statement"]}


@pytest.mark.integration
def test_the_api_treats_every_media_type_as_binary_so_a_browser_gets_the_pdf(packaged: Packaged) -> None:
    """API Gateway converts a flagged base64 body to bytes by the request's first Accept type; browsers put
    text/html first, so only */* gives them the PDF (the function still flags only what Chalice encodes)."""
    body = packaged.sam["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert body["x-amazon-apigateway-binary-media-types"] == ["*/*"]
    assert body["paths"]  # Chalice's routes are still there after the merge
