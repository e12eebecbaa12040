"""Twin of the heat part of influxdb/tasks/energy_minute.flux: heat per minute from each available source,
best first (methodology §8): device (compressor or whole-unit heat output) > dt_flow (flow x dT x c_p) > estimate
(modulation x rated power, display only). dt_flow skips a hybrid's minutes with its gas burner firing: the
secondary circuit's flow x dT then carries the burner's heat, which is not heat-pump heat. A reversible unit's
cooling minutes (a circuit in a cooling program and negative flow x dT) are cooling, not negative heat: no source
books heat in them (methodology §2)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from collector.metrics.params import WATER_WH_PER_L_K, Params
from collector.metrics.series import MINUTE_NS, NS, Sample, in_range, intervals, minute_of, samples, sum_by
from collector.points import Point

RATED_LOOKBACK_NS = 30 * 86400 * NS
STATE_LOOKBACK_NS = 30 * 86400 * NS
PAUSED_BY_BURNER = ("dt_flow",)
Inputs = dict[str, float]  # one minute's mean of each input present

SOURCES: dict[str, Callable[[Inputs, float | None], float | None]] = {
    "device": lambda m, _: m.get("heat_production"),
    "dt_flow": lambda m, _: (
        m["volumetric_flow"] * (m["supply"] - m["return"]) * WATER_WH_PER_L_K
        if {"volumetric_flow", "supply", "return"} <= m.keys()
        else None
    ),
    "estimate": lambda m, rated: m["modulation"] * rated * 10.0 if "modulation" in m and rated is not None else None,
}


def minute_inputs(points: Sequence[Point], start: int, stop: int) -> dict[int, Inputs]:
    """1-minute means of the heat inputs, stamped at the minute start."""
    series: dict[str, list[Sample]] = {
        # the compressor's heat output, or the whole unit's where the model reports no compressor figure (200-A)
        "heat_production": sorted(
            samples(points, "hp_compressor", "heat_production") + samples(points, "hp_power", "heat_production")
        ),
        "modulation": samples(points, "hp_compressor", "modulation"),
        "supply": samples(points, "hp_temperature", "value", sensor="supply"),
        "return": samples(points, "hp_temperature", "value", sensor="return"),
        "volumetric_flow": samples(points, "hp_hydraulics", "volumetric_flow"),
    }
    minutes: dict[int, Inputs] = {}
    for name, values in series.items():
        inside = in_range(values, start, stop)
        sums = sum_by(inside, minute_of)
        counts = sum_by(((t, 1.0) for t, _ in inside), minute_of)
        for t, total in sums.items():
            minutes.setdefault(t, {})[name] = total / counts[t]
    return minutes


def rated_kw(points: Sequence[Point], now: int) -> float | None:
    found = in_range(samples(points, "hp_compressor", "rated_power"), now - RATED_LOOKBACK_NS, now)
    return found[-1][1] if found else None


def held_minutes(states: Sequence[Sample], start: int, stop: int) -> set[int]:
    """Minutes (start of minute) in [start, stop) with a state > 0: the highest state seen in the minute (it was on
    at some moment of it), else the last one before it (held: a state holds until the next sample says otherwise;
    after a minute with a change that is its last sample, not its highest)."""
    before = in_range(states, start - STATE_LOOKBACK_NS, start)
    per_minute: dict[int, tuple[float, float]] = {}  # minute -> (highest, last)
    for t, value in in_range(states, start, stop):
        highest, _ = per_minute.get(minute_of(t), (value, value))
        per_minute[minute_of(t)] = (max(highest, value), value)
    state = before[-1][1] if before else 0.0
    on = set()
    for minute in range(start, stop, MINUTE_NS):
        highest, state = per_minute.get(minute, (state, state))
        if highest > 0:
            on.add(minute)
    return on


def cooling_program(points: Sequence[Point]) -> list[Sample]:
    """1 while a circuit runs a cooling program (normalCooling, reducedCooling, ...), else 0."""
    return sorted(
        (p.time_ns, 1.0 if "Cooling" in str(value) else 0.0)
        for p in points
        if p.measurement == "hp_circuit"
        for name, value in p.fields
        if name == "program"
    )


Minutes = dict[int, tuple[float, float]]  # minute start -> (Wh, seconds)


def heat_minutes(
    points: Sequence[Point], start: int, stop: int, now: int, params: Params
) -> tuple[dict[str, Minutes], Minutes, set[int]]:
    """Per source: minute start -> (Wh, seconds) for every minute a held value covers: each minute's mean power
    holds until the next minute with a value if that comes within the gap rule; the cooling minutes apart
    (heat taken out of the circuit, positive Wh), which no source's heat includes; and the minutes of a cooling
    program without flow x dT, whose electricity cannot be split into cooling and heating."""
    inputs = minute_inputs(points, start - params.max_gap_s * NS, stop)
    rated = rated_kw(points, now)
    firing = held_minutes(samples(points, "hp_burner", "active"), start, stop)
    held = {}
    for source, power in SOURCES.items():
        series = [(t, p) for t in sorted(inputs) if (p := power(inputs[t], rated)) is not None]
        held[source] = {
            minute: (p * 60.0 / 3600.0, 60.0)
            for t, p, _, seconds in intervals(series, start - params.max_gap_s * NS, lambda s: s < params.max_gap_s)
            for minute in range(t, t + seconds * NS, MINUTE_NS)
            if start <= minute < stop and not (source in PAUSED_BY_BURNER and minute in firing)
        }
    program = held_minutes(cooling_program(points), start, stop)
    cooling = {t: (-wh, s) for t, (wh, s) in held["dt_flow"].items() if t in program and wh < 0}
    heat = {source: {t: value for t, value in minutes.items() if t not in cooling} for source, minutes in held.items()}
    # not in the window's last gap-rule span, which a poll may still cover (a written point is never taken back)
    unsplit = {t for t in program - held["dt_flow"].keys() if t < stop - params.max_gap_s * NS}
    return {source: minutes for source, minutes in heat.items() if minutes}, cooling, unsplit
