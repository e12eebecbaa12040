"""The emulator answers exactly like the captured device responses: same keys, nesting and JSON types."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from collector.sources.shelly import templates
from collector.sources.shelly.emulator import ShellyEmulator
from tests.conftest import FIXTURES
from tests.shelly.conftest import FakeClock

SHELLY = FIXTURES / "shelly"


def shape(value: Any) -> Any:
    """Keys (in order), nesting and JSON types of a value; lists by the shape of their elements."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return type(value).__name__
    return "number"


def fixture(name: str) -> Any:
    return json.loads((SHELLY / name).read_text())


def get(emulator: ShellyEmulator, path: str) -> Any:
    response = httpx.get(f"http://{emulator.address}{path}", timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("profile", "path", "name"),
    [
        ("monophase", "/rpc/Shelly.GetDeviceInfo", "pro3em_Shelly.GetDeviceInfo.json"),
        ("monophase", "/shelly", "pro3em_Shelly.GetDeviceInfo.json"),
        ("triphase", "/rpc/EM.GetStatus?id=0", "pro3em_EM.GetStatus.json"),
        ("triphase", "/rpc/EMData.GetStatus?id=0", "pro3em_EMData.GetStatus.json"),
        ("triphase", "/rpc/EMData.GetData?id=0&ts=0", "pro3em_EMData.GetData.json"),
        ("monophase", "/rpc/Shelly.GetStatus", "pro3em_monophase_Shelly.GetStatus.json"),
    ],
)
def test_response_has_the_shape_of_the_capture(
    make_emulator, clock: FakeClock, profile: str, path: str, name: str
) -> None:
    emulator = make_emulator(profile=profile)
    emulator.set_power(2367.6, 149.7, 13.7)
    clock.t += 20 * 60  # enough history for a full page with a next page
    answer, captured = get(emulator, path), fixture(name)
    assert shape(answer) == shape(captured)
    if "GetData" in path:
        assert answer["keys"] == captured["keys"]
        assert len(answer["data"][0]["values"]) == len(captured["data"][0]["values"]) == templates.PAGE_RECORDS


def test_triphase_status_has_the_monophase_capture_with_the_triphase_components(make_emulator) -> None:
    status = get(make_emulator(profile="triphase"), "/rpc/Shelly.GetStatus")
    mono = fixture("pro3em_monophase_Shelly.GetStatus.json")
    keys = list(mono)
    first, last = keys.index("em1:0"), keys.index("em1data:2")
    assert list(status) == [*keys[:first], "em:0", "emdata:0", *keys[last + 1 :]]
    assert shape(status["em:0"]) == shape(fixture("pro3em_EM.GetStatus.json"))
    assert shape(status["emdata:0"]) == shape(fixture("pro3em_EMData.GetStatus.json"))
    assert {k: v for k, v in shape(status).items() if not k.startswith("em")} == {
        k: v for k, v in shape(mono).items() if not k.startswith("em")
    }


def test_monophase_history_keys_are_the_triphase_ones_without_phase_prefix_and_fund(make_emulator, clock) -> None:
    emulator = make_emulator(profile="monophase")
    clock.t += 600
    page = get(emulator, "/rpc/EM1Data.GetData?id=2&ts=0")
    phase_a = [key[2:] for key in fixture("pro3em_EMData.GetData.json")["keys"] if key.startswith("a_")]
    assert page["keys"] == [key for key in phase_a if "fund" not in key]
    assert {len(row) for block in page["data"] for row in block["values"]} == {len(page["keys"])}


def test_wrong_profile_components_and_unknown_methods_answer_404(make_emulator) -> None:
    emulator = make_emulator(profile="monophase")
    for path in ("/rpc/EM.GetStatus?id=0", "/rpc/EM1.GetStatus?id=3", "/rpc/Nope.Nothing"):
        response = httpx.get(f"http://{emulator.address}{path}", timeout=5)
        assert response.status_code == 404
        assert response.json()["message"].startswith("No handler for")


def test_post_with_json_params_answers_like_get(make_emulator) -> None:
    emulator = make_emulator(profile="monophase")
    emulator.set_power(10.0, 20.0, 30.0)
    response = httpx.post(f"http://{emulator.address}/rpc/EM1.GetStatus", json={"id": 1}, timeout=5)
    assert response.json()["act_power"] == 20.0
    assert response.json() == get(emulator, "/rpc/EM1.GetStatus?id=1")
