"""The tasks in dependency order with their twins, run both ways and compared point by point."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from collector import recompute, schema
from collector.metrics.cop import cop
from collector.metrics.energy import device_crosscheck, energy_daily, energy_minute, energy_monthly
from collector.metrics.jaz import jaz
from collector.metrics.params import Params
from collector.metrics.rollup import rollup
from collector.points import Point
from tests.flux.harness import Key, TaskBench, assert_same, keyed

Twin = Callable[[Sequence[Point], int, Params], list[Point]]
TWINS: dict[str, tuple[Twin, tuple[str, ...]]] = {
    "hpm-rollup-1m": (lambda p, now, _: rollup(p, now, "1m"), tuple(s.name for s in schema.ROLLUPS)),
    "hpm-rollup-1h": (lambda p, now, _: rollup(p, now, "1h"), ()),
    "hpm-energy-minute": (energy_minute, ("energy_minute",)),
    "hpm-energy-daily": (energy_daily, ("energy_daily",)),
    "hpm-cop": (cop, ("cop_30m", "cop_daily")),
    "hpm-energy-monthly": (energy_monthly, ("energy_monthly",)),
    "hpm-jaz": (jaz, ("jaz", "jaz_forecast")),
    "hpm-device-crosscheck": (device_crosscheck, ("device_crosscheck",)),
}
# Insight tasks have no point-by-point twin: tests/insights checks them against the simulator's truth, and
# tests/flux/test_carnot.py the Carnot task against the model's physics and hand-computed windows.
WITHOUT_TWIN = frozenset({"hpm-defrost", "hpm-performance-map", "hpm-cycling", "hpm-carnot"})
# the dependency order `collector recompute` uses: the tasks of a stage read only what earlier stages wrote
STAGES = tuple({name: TWINS[name] for name in stage if name not in WITHOUT_TWIN} for stage in recompute.STAGES)
assert {name for stage in recompute.STAGES for name in stage} == TWINS.keys() | WITHOUT_TWIN
MEASUREMENTS = tuple(m for stage in STAGES for _, names in stage.values() for m in names)


# what the rollup bucket should hold: (measurement, tags, time, field names) -> point
State = dict[tuple[str, tuple[tuple[str, str], ...], int, tuple[str, ...]], Point]


def remember(state: State, points: Sequence[Point]) -> None:
    for p in points:
        state[(p.measurement, tuple(sorted(p.tags)), p.time_ns, tuple(name for name, _ in p.fields))] = p


def run_all(bench: TaskBench, raw: Sequence[Point], now: int, state: State) -> None:
    """Force every task at ``now`` stage by stage and apply the twins to the same inputs (raw points plus the
    derived points so far); a point of the same series and time overwrites, as in InfluxDB."""
    params = Params.from_settings(bench.settings)
    for stage in STAGES:
        bench.run(stage, now)
        inputs = [*raw, *state.values()]
        for twin, _ in stage.values():
            remember(state, twin(inputs, now, params))


def assert_server_matches(bench: TaskBench, state: State) -> dict[Key, float | str]:
    """Every point on the server equals the twin's (1e-6 relative), and no point is missing or extra."""
    server = bench.read(MEASUREMENTS)
    assert_same(server, keyed(state.values()))
    return server
