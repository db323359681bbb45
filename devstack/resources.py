"""Creates the local resources from infra/template.yaml itself (tables, topics, queues, KMS keys and their
aliases), so the local stack
and the deployed one cannot drift. Only the intrinsics those resources use are resolved."""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import boto3
import yaml

from devstack.local_secrets import create_secret

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "template.yaml"


def load_template() -> dict[str, Any]:
    """The template as data (the caller's own copy: parsing it is most of what setting up a stack costs, so the
    parse is kept per file version)."""
    stat = TEMPLATE.stat()
    return copy.deepcopy(_parsed(str(TEMPLATE), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=2)
def _parsed(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser where PyYAML was built with it
    data: dict[str, Any] = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe)
    return data


class Resolver:
    def __init__(self, params: dict[str, str], physical: dict[str, str], account: str, region: str) -> None:
        self.values = {
            **params,
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "hetong-local",
        }
        self.physical = physical

    def __call__(self, node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Ref"}:
                name = node["Ref"]
                if name in self.values:
                    return self.values[name]
                return self.physical[name]
            if set(node) == {"Fn::Sub"}:
                text = node["Fn::Sub"]
                return re.sub(
                    r"\$\{([^}]+)\}",
                    lambda m: str(self.values.get(m.group(1), self.physical.get(m.group(1), ""))),
                    text,
                )
            return {k: self(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self(v) for v in node]
        return node


def _queue_attributes(props: dict[str, Any], created: dict[str, Any]) -> dict[str, str]:
    """The queue's attributes as SQS takes them; a redrive policy's target is a queue created before it."""
    attrs: dict[str, str] = {k: str(props[k]) for k in ("VisibilityTimeout", "MessageRetentionPeriod") if k in props}
    redrive = props.get("RedrivePolicy")
    if redrive:
        target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
        attrs["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": created["queues"][target]["arn"], "maxReceiveCount": redrive["maxReceiveCount"]}
        )
    return attrs


def create_resources(
    endpoint: str | None, region: str, stage: str, finance_email: str, sender_email: str
) -> dict[str, Any]:
    """Returns names and ARNs of what was created (written to .local/stack.json)."""
    template = load_template()
    params = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    params.update({"Stage": stage, "SenderEmail": sender_email, "FinanceAlertEmail": finance_email})
    resolve = Resolver(params, {}, "123456789012", region)
    kw: dict[str, Any] = {"endpoint_url": endpoint, "region_name": region}
    ddb = boto3.client("dynamodb", **kw)
    sns = boto3.client("sns", **kw)
    sqs = boto3.client("sqs", **kw)
    kms = boto3.client("kms", **kw)
    secrets = boto3.client("secretsmanager", **kw)
    out: dict[str, Any] = {"tables": {}, "queues": {}, "keys": {}}
    kinds = ("AWS::DynamoDB::Table", "AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::KMS::Key", "AWS::KMS::Alias")
    # Dead-letter queues before the queues whose redrive policy names them.
    ordered = sorted(template["Resources"].items(), key=lambda kv: "RedrivePolicy" in kv[1].get("Properties", {}))
    for logical, res in ordered:
        if res["Type"] == "AWS::SecretsManager::Secret":
            secret = create_secret(secrets, resolve(res.get("Properties", {})))
            resolve.physical[logical] = secret["arn"]
            out.setdefault("secrets", {})[logical] = secret
            continue
        if res["Type"] not in kinds:
            continue  # functions, roles, alarms: Lambda's part is played by devstack's runner
        if res["Type"].startswith("AWS::KMS::"):
            _create_kms(kms, logical, res, resolve, out)
            continue
        props = resolve(res.get("Properties", {}))
        if res["Type"] == "AWS::DynamoDB::Table":
            args: dict[str, Any] = {
                "TableName": props["TableName"],
                "KeySchema": props["KeySchema"],
                "AttributeDefinitions": props["AttributeDefinitions"],
                "BillingMode": "PAY_PER_REQUEST",
            }
            if props.get("GlobalSecondaryIndexes"):
                args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
            if props.get("StreamSpecification"):
                args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
            desc = ddb.create_table(**args)["TableDescription"]
            ttl = props.get("TimeToLiveSpecification")
            if ttl:
                ddb.update_time_to_live(TableName=props["TableName"], TimeToLiveSpecification=ttl)
            resolve.physical[logical] = props["TableName"]
            out["tables"][logical] = {
                "name": props["TableName"],
                "arn": desc["TableArn"],
                "stream_arn": desc.get("LatestStreamArn"),
            }
        elif res["Type"] == "AWS::SNS::Topic":
            arn = sns.create_topic(Name=props["TopicName"])["TopicArn"]
            resolve.physical[logical] = arn
            out.setdefault("topics", {})[logical] = arn
        elif res["Type"] == "AWS::SQS::Queue":
            url = sqs.create_queue(QueueName=props["QueueName"], Attributes=_queue_attributes(props, out))["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            resolve.physical[logical] = url
            out["queues"][logical] = {"url": url, "arn": arn}
    return out


def _create_kms(kms: Any, logical: str, res: dict[str, Any], resolve: Resolver, out: dict[str, Any]) -> None:
    """A key with the template's spec and usage (its key policy names roles that exist only in AWS: moto does not
    enforce key policies, so none is set locally), or an alias of one."""
    props = res.get("Properties", {})
    if res["Type"] == "AWS::KMS::Key":
        meta = kms.create_key(
            KeySpec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            KeyUsage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
            Description=str(props.get("Description", logical)),
        )["KeyMetadata"]
        resolve.physical[logical] = meta["KeyId"]
        out["keys"][logical] = {"id": meta["KeyId"], "arn": meta["Arn"]}
    else:
        name = resolve(props["AliasName"])
        kms.create_alias(AliasName=name, TargetKeyId=resolve(props["TargetKeyId"]))
        out.setdefault("aliases", {})[logical] = name
