"""Every sample in events/ is accepted by the function or route it is for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devstack.lambda_shim import LocalContext
from tests.support import sent_emails

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).resolve().parents[2] / "events"


def load(name: str) -> Any:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("worker", ["invoicing", "overdue", "lifecycle"])
def test_scheduled_workers_accept_the_schedule_event(aws: dict[str, Any], worker: str) -> None:
    import importlib

    module = importlib.import_module(f"functions.{worker}")
    result = module.handler(load(f"{worker}-schedule.json"), LocalContext(f"hetong-{worker}"))
    assert "as_of" in result
    replay = module.handler(load("invoicing-replay.json"), LocalContext(f"hetong-{worker}"))
    assert replay["as_of"] == "2027-11-22"


def test_notifier_sample_sends_the_payment_notice_and_alert(aws: dict[str, Any]) -> None:
    from functions import notifier

    event = load("notifier-stream.json")
    assert notifier.handler(event, LocalContext("hetong-notifier")) == {"batchItemFailures": []}
    assert notifier.handler(event, LocalContext("hetong-notifier")) == {"batchItemFailures": []}
    notices = [m for m in sent_emails() if "付款通知书" in m["subject"]]
    assert len(notices) == 1 and "人民币壹拾贰万元整" in notices[0]["body"]


def test_api_samples(world: Any) -> None:
    body = load("api/draft-contract.json")
    cid = world.ok("POST", "/contracts", body, status=201)["id"]
    world.ok("POST", f"/contracts/{cid}/send")
    world.ok("POST", f"/contracts/{cid}/resend", load("api/resend.json"))
    world.ok("POST", f"/contracts/{cid}/void", load("api/void.json"))
    active = world.active_contract()
    world.run("invoicing", world.today)
    world.ok("POST", f"/contracts/{active}/payments", load("api/payment.json"), role="finance", status=201)
    world.ok("POST", f"/contracts/{active}/amendments", load("api/amendment.json"), status=201)
    world.ok("POST", f"/contracts/{active}/amendments/1/void", load("api/void.json"))
    world.ok("POST", f"/contracts/{active}/termination", load("api/termination.json"), status=201)
    world.ok("POST", f"/contracts/{active}/termination/withdraw", load("api/withdraw-notice.json"))
    for name in ("sign.json", "decline.json"):
        assert isinstance(load(f"api/{name}"), dict)


def test_the_verify_sample_is_api_gateways_base64_pdf(world: Any) -> None:
    from app import app

    response = app(load("api/verify-pdf.json"), LocalContext("hetong-api"))
    assert response["statusCode"] == 200, response
    verdict = json.loads(response["body"])
    assert verdict["genuine"] is False and verdict["problems"] == ["the file carries no Hetong seal"]
