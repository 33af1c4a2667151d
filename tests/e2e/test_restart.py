"""`make run` a second time: the data is kept and the demo is not loaded twice."""

import pytest
import requests

from tests.support.stack import Stack

pytestmark = pytest.mark.e2e


def test_running_again_keeps_data_and_never_loads_the_demo_twice():
    stack = Stack(demo=True).start()
    try:
        office = {"Authorization": f"Bearer {stack.token('office')}"}
        created = requests.post(
            f"{stack.url}/api/v1/proposals",
            headers=office,
            timeout=30,
            json={
                "year": 2026,
                "title": "重启后仍在",
                "rationale": "持久化",
                "concern_source": "public",
            },
        )
        assert created.status_code == 201, created.text
        before = requests.get(f"{stack.url}/api/v1/proposals", headers=office, timeout=30).json()
        assert stack.stop(cleanup=False) == 0, stack.log()[-3000:]

        stack.start()
        office = {"Authorization": f"Bearer {stack.token('office')}"}
        after = requests.get(f"{stack.url}/api/v1/proposals", headers=office, timeout=30).json()
        assert after["total"] == before["total"]
        assert created.json()["id"] in {p["id"] for p in after["items"]}
        plan = requests.get(f"{stack.url}/api/v1/plans/2025", headers=office, timeout=30).json()
        assert len(plan["items"]) == 5
        assert "演示数据已存在" in stack.log()
    finally:
        stack.stop()
