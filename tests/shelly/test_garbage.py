"""A device that answers garbage: one regression test per failure class the fuzzer found (issue 13), each with
a minimal payload served over real HTTP by a proxy in front of the emulator. The poll never raises, writes
nothing implausible, keeps its state and its cursor moving, and counts what it rejected."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from collector import schema
from collector.points import Point
from collector.settings import Settings
from collector.sources.shelly import ShellySource
from collector.sources.shelly.emulator import ShellyEmulator
from collector.sources.shelly.state import StateFile
from tests.shelly.conftest import FakeClock, drive
from tests.shelly.conftest import wave as load_wave
from tests.support.fuzzing import Answer, ShellyProxy, Upstream

Edit = Callable[[Any], Any]  # changes a decoded answer (in place or by returning a new one)


class Device:
    """The emulator behind a proxy whose answers the test rewrites per RPC method, for a number of requests."""

    def __init__(self, emulator: ShellyEmulator) -> None:
        self.emulator = emulator
        self.rules: dict[str, list[tuple[Callable[[Upstream], Answer], int]]] = {}
        self.proxy = ShellyProxy(emulator.address, self._rewrite)
        self.sent: list[str] = []

    def answer(self, method: str, make: Callable[[Upstream], Answer], times: int = 10**6) -> None:
        self.rules.setdefault(method, []).append((make, times))

    def edit(self, method: str, edit: Edit, times: int = 10**6) -> None:
        def make(upstream: Upstream) -> Answer:
            answer = upstream()
            body = json.loads(answer.body)
            changed = edit(body)
            answer.body = json.dumps(body if changed is None else changed).encode()
            return answer

        self.answer(method, make, times)

    def _rewrite(self, method: str, upstream: Upstream) -> Answer:
        self.sent.append(method)
        rules = self.rules.get(method)
        if not rules:
            return upstream()
        make, times = rules[0]
        if times <= 1:
            rules.pop(0)
        else:
            rules[0] = (make, times - 1)
        return make(upstream)


@pytest.fixture
def device(make_emulator: Callable[..., ShellyEmulator]) -> Iterator[Device]:
    emulator = make_emulator()
    emulator.set_power(1500.0, 400.0, 100.0)
    device = Device(emulator)
    with device.proxy:
        yield device


def make_source(tmp_path: Path, device: Device, clock: FakeClock, **overrides: object) -> ShellySource:
    values: dict[str, object] = {"shelly_host": device.proxy.address, "shelly_timeout_seconds": 2.0, **overrides}
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", **values)  # type: ignore[arg-type]
    return ShellySource(settings, clock=clock)


def fields(points: list[Point], measurement: str, phase: str) -> dict[str, Any]:
    found = [p for p in points if p.measurement == measurement and ("phase", phase) in p.tags]
    assert len(found) == 1, found
    return dict(found[0].fields)


def outage(source: ShellySource, device: Device, clock: FakeClock, minutes: int = 20) -> None:
    """A good sample, then ``minutes`` the collector missed: the next poll backfills them."""
    assert source.poll()
    drive(clock, device.emulator, minutes * 60)


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda page: page["data"][0]["values"].__setitem__(0, 5), id="record-not-a-list"),
        pytest.param(lambda page: page.__setitem__("keys", "a_total_act_energy"), id="keys-not-a-list"),
        pytest.param(lambda page: page["keys"].__setitem__(0, ["a"]), id="unhashable-key"),
        pytest.param(lambda page: page["keys"].__setitem__(0, 5), id="key-not-a-string"),
    ],
)
def test_unparseable_history_page_is_skipped_and_the_live_sample_kept(tmp_path, device, clock, caplog, spoil) -> None:
    source = make_source(tmp_path, device, clock)
    outage(source, device, clock)
    device.edit("EMData.GetData", spoil)  # stored that way: every answer for it is the same
    with caplog.at_level(logging.WARNING, logger="collector.sources.shelly"):
        points = source.poll()
    assert fields(points, "shelly_power", "total")["power"] == pytest.approx(sum(load_wave(clock.t)))
    assert not [p for p in points if p.measurement == "shelly_energy_minute"]
    assert source.health.state == "ok"
    assert source.rejections.counts["history_skipped"] >= 1
    assert "skipped device history" in caplog.text
    assert source._state.pending == []  # the cursor moved past the page, it never sticks
    source.close()
    assert StateFile(tmp_path / "data").load().pending == []


def test_history_page_answered_with_malformed_json_is_skipped_after_three_polls(tmp_path, device, clock) -> None:
    source = make_source(tmp_path, device, clock)
    outage(source, device, clock, minutes=10)
    device.answer("EMData.GetData", lambda upstream: Answer(200, b'{"data": [{"ts": 17'), times=3)
    for poll in range(3):
        clock.t += 10
        assert source.poll()  # sampling goes on
        assert source.rejections.counts["history_skipped"] == (1 if poll == 2 else 0)
    clock.t += 10
    points = source.poll()
    assert [p for p in points if p.measurement == "shelly_energy_minute"]  # the rest of the gap is filled
    assert source._state.pending == []


def test_values_too_large_for_a_float_reject_only_that_value(tmp_path, device, clock) -> None:
    source = make_source(tmp_path, device, clock)
    assert source.poll()
    clock.t += 10

    def spoil(status: dict[str, Any]) -> None:
        status["em:0"]["a_voltage"] = 10**400
        status["sys"]["uptime"] = 10**400

    device.edit("Shelly.GetStatus", spoil, times=1)
    points = source.poll()
    assert "voltage" not in fields(points, "shelly_power", "a")
    assert fields(points, "shelly_power", "b")["voltage"] == pytest.approx(230.0)
    assert source.rejections.counts["malformed"] == 1
    assert source.health.state == "ok"


def test_deeply_nested_json_is_a_payload_fault(tmp_path, device, clock) -> None:
    source = make_source(tmp_path, device, clock)
    device.answer("Shelly.GetStatus", lambda upstream: Answer(200, b"[" * 100_000 + b"]" * 100_000), times=1)
    assert source.poll() == []
    assert source.health.state == "backoff"
    assert "malformed JSON" in (source.health.last_error or "")
    clock.t += 60
    assert source.poll()


@pytest.mark.parametrize(
    "challenge",
    [
        'Digest realm="shelly", nonce="1", algorithm=FOO',
        'Digest realm="shelly", nonce="1", qop="auth-int", algorithm=SHA-256',
        "Digest realm",
        'Digest realm="shelly", nonce="1", qop="bogus", algorithm=SHA-256',
    ],
)
def test_digest_challenge_httpx_cannot_answer(tmp_path, device, clock, challenge: str) -> None:
    source = make_source(tmp_path, device, clock, shelly_password="secret-pw")
    assert source.poll()
    device.answer("Shelly.GetStatus", lambda upstream: Answer(401, b"", {"WWW-Authenticate": challenge}), times=1)
    clock.t += 10
    assert source.poll() == []
    assert source.health.state in ("auth_failed", "backoff")
    assert "secret-pw" not in (source.health.last_error or "")
    clock.t += 60
    assert source.poll()  # the bad challenge is forgotten, not replayed on every later request
    assert source.health.state == "ok"


def test_minute_records_off_the_minute_or_overlapping_count_once(tmp_path, device, clock) -> None:
    source = make_source(tmp_path, device, clock)
    outage(source, device, clock, minutes=6)

    def spoil(page: dict[str, Any]) -> None:
        block = page["data"][0]
        block["ts"] += 17  # off the minute
        page["data"].append(json.loads(json.dumps(block)))  # and every record a second time

    device.edit("EMData.GetData", spoil)
    points = source.poll()
    minutes = [p for p in points if p.measurement == "shelly_energy_minute" and ("phase", "total") in p.tags]
    stamps = [p.time_ns // 10**9 for p in minutes]
    assert stamps and all(t % 60 == 0 for t in stamps)
    assert len(stamps) == len(set(stamps)) <= 7
    assert source.rejections.counts["duplicate"] == len(stamps)


@pytest.mark.parametrize("device_id", ["", "shelly\npro3em", " ", "x" * 500, 5])
def test_device_id_unusable_as_a_tag(tmp_path, device, clock, device_id: object) -> None:
    source = make_source(tmp_path, device, clock)
    device.edit("Shelly.GetDeviceInfo", lambda info: info.__setitem__("id", device_id), times=1)
    assert source.poll() == []
    assert "device id" in (source.health.last_error or "")
    clock.t += 60
    points = source.poll()
    assert {dict(p.tags)["device"] for p in points} == {device.emulator.device_id}


def test_one_answer_with_another_device_id_keeps_the_pending_backfill(tmp_path, device, clock) -> None:
    source = make_source(tmp_path, device, clock)
    outage(source, device, clock)
    device.answer("EMData.GetData", lambda upstream: Answer(500, b"{}"), times=1)
    assert not [p for p in source.poll() if p.measurement == "shelly_energy_minute"]
    pending = [list(r) for r in source._state.pending]
    assert pending
    device.answer("Shelly.GetStatus", lambda upstream: Answer(500, b"{}"), times=1)
    clock.t += 10
    assert source.poll() == []  # a fault: the source identifies the device again
    device.edit("Shelly.GetDeviceInfo", lambda info: info.__setitem__("id", "shellypro3em-000000000000"), times=1)
    clock.t += 60
    assert source.poll() == []
    assert source._state.pending == pending
    assert source.rejections.counts["device_id"] == 1
    clock.t += 60
    points = source.poll()
    assert [p for p in points if p.measurement == "shelly_energy_minute"]  # the gap is filled after all


def test_a_replaced_device_is_taken_after_consecutive_answers(tmp_path, device, clock) -> None:
    source = make_source(tmp_path, device, clock)
    assert source.poll()
    device.answer("Shelly.GetStatus", lambda upstream: Answer(500, b"{}"), times=1)
    clock.t += 10
    assert source.poll() == []
    device.edit("Shelly.GetDeviceInfo", lambda info: info.__setitem__("id", "shellypro3em-000000000000"))
    results = []
    for _ in range(3):
        clock.t += 60
        results.append(source.poll())
    assert results[0] == results[1] == []
    assert {dict(p.tags)["device"] for p in results[2]} == {"shellypro3em-000000000000"}


def test_implausible_values_are_rejected_one_by_one(tmp_path, device, clock) -> None:
    source = make_source(tmp_path, device, clock)

    def spoil(status: dict[str, Any]) -> None:
        em = status["em:0"]
        em["a_pf"], em["b_current"], em["c_act_power"] = 7.5, -5, 1e12
        em["a_voltage"], em["a_freq"] = 0, 198

    device.edit("Shelly.GetStatus", spoil, times=1)
    points = source.poll()
    a, b, c = (fields(points, "shelly_power", phase) for phase in "abc")
    assert "pf" not in a and "freq" not in a and a["voltage"] == 0
    assert "current" not in b and "power" not in c
    assert b["power"] == pytest.approx(400.0) and c["pf"] == pytest.approx(0.95)
    assert source.rejections.counts["implausible"] == 4
    for p in points:
        for name, value in p.fields:
            bounds = schema.plausible(p.measurement, name)
            assert bounds is None or bounds.admits(float(value)), (p.measurement, name, value)


def test_phase_counters_that_do_not_add_up_reject_the_sample(tmp_path, device, clock) -> None:
    source = make_source(tmp_path, device, clock)
    assert source.poll()
    device.edit("Shelly.GetStatus", lambda status: status["emdata:0"].__setitem__("a_total_act_energy", 198), times=1)
    clock.t += 10
    assert source.poll() == []  # a phase counter falling while the total does not is no counter reset
    clock.t += 60
    assert not [p for p in source.poll() if p.measurement == "shelly_event"]


def test_an_answer_trickled_byte_by_byte_meets_the_deadline(tmp_path, device, clock) -> None:
    source = make_source(tmp_path, device, clock, shelly_timeout_seconds=1.0)
    assert source.poll()
    sent: list[int] = []

    def trickle(upstream: Upstream) -> Answer:
        answer = upstream()
        answer.trickle = 0.02  # each byte well within httpx's per-read timeout
        sent.append(len(answer.body))
        return answer

    device.answer("Shelly.GetStatus", trickle, times=1)
    clock.t += 10
    assert source.poll() == []
    assert "within the timeout" in (source.health.last_error or "")
    assert sent and sent[0] * 0.02 > 10  # the whole answer would have taken ten times the timeout and more
