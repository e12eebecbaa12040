"""Twin of influxdb/tasks/rollup_1m.flux and rollup_1h.flux, and the Flux filters both tasks get from the
contract (every field marked STATS or LAST in collector/schema.py, nothing else)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from collector import schema
from collector.metrics.series import NS, derived
from collector.points import Point
from collector.schema import Rollup

INTERVAL_NS = {"1m": 60 * NS, "1h": 3600 * NS}
LOOKBACK_NS = {"1m": 3600 * NS, "1h": 6 * 3600 * NS}  # rewritten before the current interval
AGGREGATES = {
    Rollup.STATS: {"mean": lambda v: sum(v) / len(v), "min": lambda v: float(min(v)), "max": lambda v: float(max(v))},
    Rollup.LAST: {"last": lambda v: v[-1]},
}


def flux_filter(kind: Rollup) -> str:
    """A Flux predicate selecting exactly the (measurement, field) pairs rolled up with ``kind``."""
    terms = []
    for raw in schema.RAW_MEASUREMENTS:
        names = [spec.name for spec in raw.fields if spec.rollup is kind]
        if names:
            fields = ", ".join(f'"{name}"' for name in names)
            terms.append(f'(r._measurement == "{raw.name}" and contains(value: r._field, set: [{fields}]))')
    return " or ".join(terms)


def rollup(points: Sequence[Point], now: int, interval: str) -> list[Point]:
    """Windows from the lookback start to the last complete interval, stamped at the window start."""
    step = INTERVAL_NS[interval]
    stop = now - now % step
    start = now - now % (3600 * NS) - LOOKBACK_NS[interval]
    groups: dict[tuple[str, tuple[tuple[str, str], ...], str, int], list[tuple[int, object]]] = defaultdict(list)
    for p in points:
        if p.bucket is not schema.Bucket.RAW or not start <= p.time_ns < stop:
            continue
        spec = schema.measurement(p.measurement)
        for name, value in p.fields:
            if spec.field(name).rollup is not Rollup.NONE:
                groups[(p.measurement, p.tags, name, p.time_ns - p.time_ns % step)].append((p.time_ns, value))
    out = []
    for (measurement, tags, name, window), values in groups.items():
        kind = schema.measurement(measurement).field(name).rollup
        ordered = [v for _, v in sorted(values, key=lambda item: item[0])]
        for agg, fn in AGGREGATES[kind].items():
            out.append(derived(f"{measurement}_{interval}", {**dict(tags), "agg": agg}, {name: fn(ordered)}, window))
    return out
