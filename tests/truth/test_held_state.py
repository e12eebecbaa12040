"""The held device state (a circuit's cooling program, a hybrid's burner firing) over arbitrary sequences of polls
and program changes, against an independent statement of the rule:

    a minute is in the state when a sample inside it says so (it was, at some moment of the minute); a minute
    without a sample is in the state the latest sample before it says (within the 30-day look-back).

The Python rule (collector/metrics/heat.held_minutes) over many sequences; the Flux task (energy_minute: its
cooling minutes under a steady negative flow x dT) over a few, on the real server.
"""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from collector.metrics.heat import STATE_LOOKBACK_NS, held_minutes
from collector.metrics.series import NS
from collector.points import point
from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.flux.scenario import SHELLY, VIESSMANN, at

TZ = ZoneInfo("Europe/Berlin")
MINUTE = 60 * NS
START = at(TZ, 2025, 7, 15, 0)  # local midnight: the task window's start (yesterday at the run below)
RUN = at(TZ, 2025, 7, 16, 0, 20)
FLOW_FROM, FLOW_MINUTES = at(TZ, 2025, 7, 15, 10), 120  # a steady cooling flow x dT, one sample a minute
PROGRAMS = ("normalCooling", "reducedCooling", "comfortCooling", "normalHeating", "reducedHeating", "standby")


def by_the_rule(changes: list[tuple[int, bool]], minutes: range) -> set[int]:
    """The independent statement: minute by minute, what the samples inside it or the latest before it say."""
    times = [t for t, _ in changes]
    on = set()
    for minute in minutes:
        first, after = bisect_left(times, minute), bisect_left(times, minute + MINUTE)
        inside = [state for _, state in changes[first:after]]
        latest = changes[first - 1] if first > 0 else None
        if any(inside) or (not inside and latest is not None and latest[0] >= minute - STATE_LOOKBACK_NS and latest[1]):
            on.add(minute)
    return on


# polls at arbitrary instants (several in one minute, long silences), from a day before the window into it
polls = st.dictionaries(
    st.integers(min_value=-36 * 60 * 60, max_value=12 * 60 * 60).map(lambda s: FLOW_FROM + s * NS),
    st.sampled_from(PROGRAMS),
    max_size=30,
)
# dense changes around the flow: two or three polls inside one minute with different programs
bursts = st.lists(
    st.tuples(st.integers(min_value=-5, max_value=FLOW_MINUTES + 5), st.lists(st.sampled_from(PROGRAMS), max_size=3)),
    max_size=8,
)


def sequence(spread: dict[int, str], burst: list[tuple[int, list[str]]]) -> list[tuple[int, str]]:
    found = dict(spread)
    for minute, programs in burst:
        for n, program in enumerate(programs):
            found[FLOW_FROM + minute * MINUTE + (5 + 20 * n) * NS] = program
    return sorted(found.items())


@settings(max_examples=300, deadline=None)
@given(spread=polls, burst=bursts)
def test_the_python_rule_holds_the_state_as_stated(spread: dict[int, str], burst: list[tuple[int, list[str]]]) -> None:
    changes = [(t, "Cooling" in program) for t, program in sequence(spread, burst)]
    window = range(START, START + 86400 * NS, MINUTE)
    states = [(t, 1.0 if state else 0.0) for t, state in changes]
    assert held_minutes(states, window.start, window.stop) == by_the_rule(changes, window)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spread=polls, burst=bursts)
# found by the Python test: cooling, then heating in the same minute, then silence held the cooling
@example(spread={}, burst=[(10, ["normalCooling", "normalHeating"])])
def test_the_flux_task_holds_the_cooling_program_as_stated(
    spread: dict[int, str], burst: list[tuple[int, list[str]]], influx: InfluxEnv, tmp_path_factory
) -> None:
    program = sequence(spread, burst)
    raw = [point("hp_circuit", {**VIESSMANN, "circuit": "0"}, {"program": p}, t / NS) for t, p in program]
    for i in range(FLOW_MINUTES):
        t = (FLOW_FROM + i * MINUTE) / NS
        raw += [
            point("hp_temperature", {**VIESSMANN, "sensor": "supply"}, {"value": 18.0}, t),
            point("hp_temperature", {**VIESSMANN, "sensor": "return"}, {"value": 20.0}, t),
            point("hp_hydraulics", VIESSMANN, {"volumetric_flow": 1000.0}, t),
        ]
    raw += [
        point("shelly_energy", SHELLY, {"imported": 1000.0 + 5 * i}, (FLOW_FROM / NS) + 10 * i)
        for i in range(6 * FLOW_MINUTES)
    ]
    bench = TaskBench.create(influx, Path(tmp_path_factory.mktemp("held")))
    bench.write(raw)
    bench.run(["hpm-energy-minute"], RUN)
    cooling = {t for (m, tags, f, t) in bench.read(["energy_minute"]) if ("kind", "cooling") in tags and f == "wh"}
    # flow x dT books the minutes up to the last sample's (which has no successor)
    flowing = range(FLOW_FROM, FLOW_FROM + (FLOW_MINUTES - 1) * MINUTE, MINUTE)
    assert cooling == by_the_rule([(t, "Cooling" in p) for t, p in program], flowing)
