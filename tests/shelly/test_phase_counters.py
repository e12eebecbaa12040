"""A phase counter that falls while the total still rises is a counter reset too (issue 12: events compared only
the totals)."""

from __future__ import annotations

from collector.sources.shelly import ShellySource
from tests.shelly.conftest import Recorder, shelly_settings


def test_a_phase_counter_drop_under_a_rising_total_is_an_event(tmp_path, emulator, clock) -> None:
    source = ShellySource(shelly_settings(tmp_path, emulator), clock=clock)
    recorder = Recorder(clock, emulator)
    recorder.run(source, 120)
    state = emulator.counter_state()
    state[1][0] -= 500.0  # phase b falls by 500 Wh ...
    state[0][0] += 600.0  # ... while a rises by more: the total goes up
    emulator.restore_counters(state)
    recorder.run(source, 120)
    events = [p for p in recorder.points if p.measurement == "shelly_event"]
    assert [dict(p.tags)["kind"] for p in events] == ["counter_reset"]
    message = dict(events[0].fields)["message"]
    assert "phase" in message and "b from" in message and " a " not in message


def test_phase_counters_that_only_rise_raise_no_event(tmp_path, emulator, clock) -> None:
    source = ShellySource(shelly_settings(tmp_path, emulator), clock=clock)
    recorder = Recorder(clock, emulator)
    recorder.run(source, 600)
    assert not [p for p in recorder.points if p.measurement == "shelly_event"]
