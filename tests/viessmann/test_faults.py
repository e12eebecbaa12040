"""API faults through PyViCare's real error handling: rate limit, server errors, offline, token expiry, staleness."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from collector.sources.viessmann.offline import Fault
from tests.viessmann.dumps import DEVICE, FakeClock, dump, ledger_path, manager, set_feature, source

START = 1.8e9
NAME = "Vitocal252A.json"


class LiveDump:
    """A 252-A dump whose features the test changes between polls (a fresh copy per API call)."""

    def __init__(self) -> None:
        self.data = dump(NAME)

    def __call__(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.data))


def features_calls(api) -> int:
    return sum(1 for path in api.calls if path.endswith("/features/"))


def test_rate_limit_means_no_call_until_the_reset_even_after_a_restart(settings, caplog) -> None:
    api, clock = manager(NAME), FakeClock(START)
    src = source(settings, api, clock)
    assert src.poll()
    reset = START + 3 * 3600
    api.fail_next(Fault.RATE_LIMIT, limit_reset_ms=int(reset * 1000))
    clock.advance(src.poll_seconds)
    with caplog.at_level(logging.WARNING):
        assert src.poll() == []
    assert src.health.state == "rate_limited"
    assert "no call until" in caplog.text
    made = len(api.calls)
    while clock.advance(10) < reset - 10:
        assert not src.due(clock.now)
    assert src.poll() == []  # even a poll forced by hand sends nothing
    src.close()
    restarted = source(settings, api, clock)
    assert not restarted.due(clock.now)
    assert restarted.poll() == []
    assert len(api.calls) == made
    clock.advance(20)
    assert restarted.due(clock.now)
    restarted.poll()
    assert restarted.health.state in ("ok", "stale")
    assert len(api.calls) > made


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault.SERVER_ERROR, "PyViCareInternalServerError"),
        (Fault.BAD_GATEWAY, "PyViCareInternalServerError"),
        (Fault.NETWORK, "PyViCareInternalServerError"),
        (Fault.DEVICE_OFFLINE, "offline:DEVICE_OFFLINE"),
        (Fault.GATEWAY_OFFLINE, "offline:GATEWAY_OFFLINE"),
    ],
)
def test_faults_back_off_log_once_and_never_replay_the_cache(settings, caplog, fault: Fault, kind: str) -> None:
    live, clock = LiveDump(), FakeClock(START)
    api = manager(NAME, live)
    src = source(settings, api, clock)
    first = src.poll()
    assert first
    api.fail_next(fault, count=3)
    delays = []
    with caplog.at_level(logging.WARNING, logger="collector.sources"):
        for _ in range(3):
            while not src.due(clock.now):
                clock.advance(1)
            before = clock.now
            assert src.poll() == []  # PyViCare would answer from its stale cache: we cleared it
            delays.append(src._next_attempt - before)
    assert src.health.state == "backoff"
    assert src.health.consecutive_failures == 3
    assert src._episodes.kind == kind
    assert delays == pytest.approx([src.poll_seconds, 2 * src.poll_seconds, 4 * src.poll_seconds])
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING and "nothing new" not in r.getMessage()]) == 1
    # recovery: unchanged features are not written again; an advanced one is, at its own timestamp
    set_feature(live.data, "heating.sensors.temperature.outside", "2027-01-15T08:05:00.000Z", value=2.9)
    clock.advance(4 * src.poll_seconds)
    recovered = src.poll()
    assert [p.to_line() for p in recovered] == [
        f"hp_temperature,device={DEVICE},sensor=outside value=2.9 1800000300000000000"
    ]
    assert src.health.consecutive_failures == 0


def test_a_value_whose_timestamp_did_not_advance_is_written_once(settings) -> None:
    live, clock = LiveDump(), FakeClock(START)
    src = source(settings, manager(NAME, live), clock)
    assert len(src.poll()) == 50  # every point of the 252-A dump
    clock.advance(src.poll_seconds)
    assert src.poll() == []
    # the gateway reports a new speed: only that field, stamped with the feature's time, not the poll's
    set_feature(live.data, "heating.compressors.0.speed.current", "2027-01-15T07:59:00.000Z", value=41.0)
    clock.advance(src.poll_seconds)
    assert [p.to_line() for p in src.poll()] == [
        f"hp_compressor,compressor=0,device={DEVICE} speed=41.0 1799999940000000000"
    ]
    # a timestamp going backwards (a replayed old response) is never written
    set_feature(live.data, "heating.compressors.0.speed.current", "2027-01-15T07:58:00.000Z", value=12.0)
    clock.advance(src.poll_seconds)
    assert src.poll() == []


def test_expired_token_is_renewed_transparently(settings) -> None:
    api, clock = manager(NAME), FakeClock(START)
    src = source(settings, api, clock)
    src.poll()
    api.fail_next(Fault.EXPIRED_TOKEN)
    set_feature(api.features, "heating.sensors.temperature.outside", "2027-01-15T08:00:00.000Z", value=1.0)
    clock.advance(src.poll_seconds)
    points = src.poll()
    assert api.renewals == 1
    assert [p.fields for p in points] == [(("value", 1.0),)]
    assert src.health.state == "ok"
    assert src.budget_status()["calls_24h"] == 5  # installations, detection, poll, refused token + retry


def test_features_consumer_gets_the_raw_features_and_cannot_break_the_poll(settings, caplog) -> None:
    received: list[tuple[str, int, float]] = []

    def consumer(device: str, features: list[dict], fetched_at: float) -> None:
        received.append((device, len(features), fetched_at))
        raise RuntimeError("consumer bug")

    api, clock = manager(NAME), FakeClock(START)
    src = source(settings, api, clock, on_features=consumer)
    with caplog.at_level(logging.ERROR):
        assert src.poll()
    api.fail_next(Fault.SERVER_ERROR)
    clock.advance(src.poll_seconds)
    src.poll()
    assert received == [(DEVICE, len(dump(NAME)["data"]), START)]
    assert "features consumer failed" in caplog.text


def test_budget_share_is_never_exceeded(settings) -> None:
    tight = settings.model_copy(update={"viessmann_calls_per_day": 20, "viessmann_poll_seconds": 60.0})
    api, clock = manager(NAME), FakeClock(START)
    src = source(tight, api, clock)
    for _ in range(6 * 60 * 3):  # three hours in 20 s steps
        if src.due(clock.now):
            src.poll()
        clock.advance(20)
    assert len(api.calls) == 10  # 50 % of 20
    assert src.budget_status() == {"calls_24h": 10, "calls_10min": 0, "budget_24h": 10, "budget_10min": 60}
    assert src._next_attempt == pytest.approx(START + 86400, abs=1)  # when the first call leaves the window
    assert ledger_path(tight.data_dir).exists()
