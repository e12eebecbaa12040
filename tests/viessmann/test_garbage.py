"""A Viessmann API that answers garbage: one regression test per failure class the fuzzer found (issue 13), each
a real device dump with one minimal change, read through PyViCare's own classes. One bad value costs that
value, never the poll; nothing implausible, mislabelled or out of time is written."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from collector.points import Point
from collector.sources.viessmann.budget import RATE_LIMIT_FALLBACK
from collector.sources.viessmann.offline import JSON, Fault, OfflineOAuthManager, OfflineResponse
from tests.viessmann.dumps import MODELS, SERIAL, FakeClock, dump, manager, source

START = 1.8e9  # 2027-01-15
E3, LEGACY = "Vitocal252A.json", "Vitocal333G.json"


class Live:
    """A dump whose features the test edits between polls; every feature stamped ``stamp`` (default: now)."""

    def __init__(self, name: str, clock: FakeClock) -> None:
        self.data, self.clock = dump(name), clock
        self.edits: dict[str, Any] = {}

    def feature(self, name: str) -> dict[str, Any]:
        return next(f for f in self.data["data"] if f["feature"] == name)

    def __call__(self) -> dict[str, Any]:
        body = json.loads(json.dumps(self.data))
        for feature in body["data"]:
            feature.setdefault("timestamp", "")
            if not feature.get("keep_timestamp"):
                feature["timestamp"] = datetime.fromtimestamp(self.clock.now, UTC).isoformat()
            feature.pop("keep_timestamp", None)
        return body


def setup(settings, name: str = E3):
    clock = FakeClock(START)
    live = Live(name, clock)
    api = manager(name, live)
    return live, api, clock, source(settings, api, clock)


def field(points: list[Point], measurement: str, name: str, **tags: str) -> Any:
    values = [
        dict(p.fields)[name]
        for p in points
        if p.measurement == measurement and name in dict(p.fields) and all((k, v) in p.tags for k, v in tags.items())
    ]
    assert len(values) <= 1, values
    return values[0] if values else None


def test_a_huge_integer_costs_that_value_only(settings) -> None:
    live, _, _, src = setup(settings)
    live.feature("heating.compressors.0.statistics")["properties"]["hours"]["value"] = 10**400
    points = src.poll()
    assert field(points, "hp_compressor", "hours") is None
    assert field(points, "hp_compressor", "starts") is not None
    assert field(points, "hp_temperature", "value", sensor="outside") is not None
    assert src.health.state == "ok"
    assert src.rejections.counts["malformed"] == 1


def test_error_entry_without_error_code(settings) -> None:
    live, _, _, src = setup(settings, LEGACY)
    live.feature("device.messages.errors.raw")["properties"]["entries"]["value"] = [
        {"priority": "criticalError"},
        {"errorCode": "F.1100", "priority": "criticalError"},
    ]
    points = src.poll()
    assert src.health.state == "ok"
    assert field(points, "hp_errors", "count") == 1
    assert field(points, "hp_error", "active", code="F.1100") == 1
    assert field(points, "hp_temperature", "value", sensor="outside") is not None
    assert src.rejections.counts["malformed"] == 1


@pytest.mark.parametrize("stamp", ["2099-01-01T00:00:00.000Z", "9999-12-31T23:59:59.000Z"])
def test_a_timestamp_from_the_future_is_rejected_and_blocks_nothing(settings, stamp: str) -> None:
    live, _, clock, src = setup(settings)
    outside = live.feature("heating.sensors.temperature.outside")
    outside["timestamp"], outside["keep_timestamp"] = stamp, True
    points = src.poll()
    assert field(points, "hp_temperature", "value", sensor="outside") is None
    assert field(points, "hp_temperature", "value", sensor="return") is not None
    assert src.rejections.counts["timestamp"] == 1
    assert src.health.state == "ok"
    del outside["keep_timestamp"]  # the gateway's clock is right again
    clock.advance(src.poll_seconds)
    assert field(src.poll(), "hp_temperature", "value", sensor="outside") is not None


def test_kilowatt_to_watt_overflow_loses_neither_the_poll_nor_the_value_later(settings) -> None:
    live, _, clock, src = setup(settings)
    power = live.feature("heating.inverters.0.sensors.power.output")["properties"]["value"]
    power["unit"], power["value"] = "kilowatt", 1e308  # x 1000 is infinite
    points = src.poll()
    assert field(points, "hp_inverter", "power") is None
    assert field(points, "hp_temperature", "value", sensor="outside") is not None
    assert src.rejections.counts["malformed"] == 1
    power["value"] = 1.5
    clock.advance(src.poll_seconds)
    assert field(src.poll(), "hp_inverter", "power") == 1500.0  # the watermark did not advance over the bad one


@pytest.mark.parametrize(
    ("feature", "prop", "value", "measurement", "name"),
    [
        ("heating.circuits.0.operating.modes.active", "value", {"mode": "heating"}, "hp_circuit", "operating_mode"),
        ("heating.circuits.0.operating.modes.active", "value", "heating\nnow", "hp_circuit", "operating_mode"),
        ("heating.compressors.0", "phase", 7, "hp_compressor", "phase"),
        ("heating.compressors.0", "active", "maybe", "hp_compressor", "active"),
        ("heating.compressors.0", "active", {"on": True}, "hp_compressor", "active"),
    ],
)
def test_text_and_flag_fields_take_only_their_type(settings, feature, prop, value, measurement, name) -> None:
    live, _, _, src = setup(settings)
    live.feature(feature)["properties"][prop]["value"] = value
    points = src.poll()
    assert field(points, measurement, name) is None
    assert src.rejections.counts["malformed"] == 1
    assert src.health.state == "ok"


def test_a_missing_unit_label_is_not_read_as_the_target_unit(settings) -> None:
    live, _, clock, src = setup(settings)
    hours = live.feature("heating.compressors.0.statistics")["properties"]["hours"]
    del hours["unit"]
    points = src.poll()
    assert field(points, "hp_compressor", "hours") is None
    assert src.rejections.counts["unit"] == 1
    hours["unit"], hours["value"] = "seconds", 7200
    clock.advance(src.poll_seconds)
    assert field(src.poll(), "hp_compressor", "hours") == 2.0


class TooMany(OfflineOAuthManager):
    """Answers the next features call with a 429 whose body has no usable reset time."""

    def __init__(self, name: str, body: dict[str, Any]) -> None:
        model_id, roles = MODELS[name]
        super().__init__(dump(name), model_id=model_id, roles=roles, gateway_serial=SERIAL)
        self.body, self.armed = body, False

    def answer(self, path: str) -> OfflineResponse:
        if self.armed and path == self.features_path:
            self.calls.append(path)
            return OfflineResponse(429, self.body, JSON)
        return super().answer(path)


@pytest.mark.parametrize(
    "body",
    [
        {"statusCode": 429, "errorType": "RATE_LIMIT_EXCEEDED"},
        {"extendedPayload": {"name": "ViCare day limit", "requestCountLimit": 1450, "limitReset": "soon"}},
        {"extendedPayload": {"name": "ViCare day limit", "requestCountLimit": 1450, "limitReset": 10**30}},
    ],
)
def test_a_429_without_usable_reset_still_stops_the_calls(settings, body: dict[str, Any]) -> None:
    clock = FakeClock(START)
    api = TooMany(E3, body)
    src = source(settings, api, clock)
    assert src.poll()
    api.armed = True
    clock.advance(src.poll_seconds)
    assert src.poll() == []
    assert src.health.state == "rate_limited"
    assert src.ledger.blocked_until(clock.now) == pytest.approx(clock.now + RATE_LIMIT_FALLBACK)
    made = len(api.calls)
    while clock.advance(60) < START + RATE_LIMIT_FALLBACK:
        assert not src.due(clock.now)
    assert len(api.calls) == made


def test_a_server_error_is_logged_with_the_api_message(settings, caplog) -> None:
    _, api, clock, src = setup(settings)
    assert src.poll()
    api.fail_next(Fault.SERVER_ERROR)
    clock.advance(src.poll_seconds)
    with caplog.at_level(logging.WARNING, logger="collector.sources.viessmann"):
        assert src.poll() == []
    assert 'status code 500 and message "Internal server error"' in caplog.text
    assert "(<PyViCare" not in caplog.text and "PyViCareInternalServerError(" not in caplog.text


def test_cumulative_counters_neither_fall_nor_jump(settings) -> None:
    live, _, clock, src = setup(settings)
    starts = live.feature("heating.compressors.0.statistics")["properties"]["starts"]
    first = starts["value"]
    assert field(src.poll(), "hp_compressor", "starts") == first
    written = []
    for value in (first - 100, first + 5000, first + 1):  # a corrupted drop, an impossible jump, a real start
        starts["value"] = value
        clock.advance(src.poll_seconds)
        written.append(field(src.poll(), "hp_compressor", "starts"))
    assert written == [None, None, first + 1]
    assert src.rejections.counts["implausible"] == 2
    for _ in range(3):  # a replaced controller board: its counters start again, answer after answer
        starts["value"] = 3
        clock.advance(src.poll_seconds)
        written.append(field(src.poll(), "hp_compressor", "starts"))
    assert written[3:] == [None, None, 3]
