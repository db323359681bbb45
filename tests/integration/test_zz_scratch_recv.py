from datetime import date
from typing import Any
import pytest, re
from tests.integration.test_heldout_termination_notices import contract, notice, pay
pytestmark = pytest.mark.integration

def test_scratch(world: Any) -> None:
    cid = contract(world)
    world.travel(date(2025, 1, 5))
    pay(world, cid, "40000.00", "2025-01-05", "P1")
    world.travel(date(2025, 3, 1))
    print(notice(world, cid, "2025-02-20", by="vendor").json_body)
    r = world.call("GET", f"/contracts/{cid}/document?part=notice:1")
    txt = re.sub(r"<[^>]+>", " ", r.body.decode()); txt = re.sub(r"\s+", " ", txt)
    print(txt[txt.find("解除合同通知书 Notice"):])
