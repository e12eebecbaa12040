"""Weather-normalised before/after of the Changelog dashboard: for the chosen change, the two weeks before
against the two weeks after at equal outside temperature (the Flux twin of collector.insights.performance.compare).

Each 30-minute COP window goes into the 1 K bin of its mean outside temperature. Bins with at least
``MIN_WINDOWS`` windows on both sides count; the before period's bins are weighted by the after period's
windows, so both are seen under the after period's weather. COP stays Σheat / Σelectricity (weighted sums);
heat demand is the weighted mean heat output. The 95 % uncertainty of the COP change is the ratio estimator's
linearised standard error from each bin's spread (sums of squares, so one pass), windows taken as independent.
"""

from __future__ import annotations

from collector.insights.performance import MIN_WINDOWS, WINDOW_H, Z_95
from grafana.generator import queries
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

PERIOD = "14d"
OUTSIDE = sel("hp_temperature", "value", sensor="outside")
COP_FIELDS = ("heat_kwh", "electric_kwh")
MOMENTS = ("n", "h", "e", "hh", "ee", "he")
# per source and boundary, summed over the common bins (see _common)
TOTALS = ("N", "HB", "EB", "HA", "EA", "Bhh", "Bhe", "Bee", "Ahh", "Ahe", "Aee", "hoursB", "hoursA", "bins")


def _sum_fields(names: tuple[str, ...], values: dict[str, str]) -> str:
    identity = ", ".join(f"{n}: 0.0" for n in names)
    body = ", ".join(f"{n}: accumulator.{n} + {values[n]}" for n in names)
    return f"reduce(identity: {{{identity}}}, fn: (r, accumulator) => ({{{body}}}))"


def _common() -> str:
    """Per common bin: after-weighted before sums, after sums and the centred second moments times the bin's
    weight² / n / (n − 1) (weights as after-window counts: every ratio below is scale-free)."""
    parts = {
        "N": "r.an",
        "HB": "r.an * r.bh / r.bn",
        "EB": "r.an * r.be / r.bn",
        "HA": "r.ah",
        "EA": "r.ae",
        "hoursB": f"r.bn * {WINDOW_H}",
        "hoursA": f"r.an * {WINDOW_H}",
        "bins": "1.0",
    }
    for side, weight in (("B", "r.an * r.an / r.bn / (r.bn - 1.0)"), ("A", "r.an / (r.an - 1.0)")):
        s = side.lower()
        parts[f"{side}hh"] = f"{weight} * (r.{s}hh - r.{s}h * r.{s}h / r.{s}n)"
        parts[f"{side}he"] = f"{weight} * (r.{s}he - r.{s}h * r.{s}e / r.{s}n)"
        parts[f"{side}ee"] = f"{weight} * (r.{s}ee - r.{s}e * r.{s}e / r.{s}n)"
    return ", ".join(f"{name}: {parts[name]}" for name in TOTALS)


def before_after_normalised(change_var: str) -> Shown:
    """One row per heat source and boundary for the change whose unix time is the variable ``change_var``."""
    for f in COP_FIELDS:
        sel("cop_30m", f, category="combined")
    cop_where = queries.where("cop_30m", COP_FIELDS, (("category", "combined"),))
    temp_where = queries.where(OUTSIDE.measurement, (OUTSIDE.field,), OUTSIDE.tags)
    moments = {"n": "1.0", "h": "r.h", "e": "r.e", "hh": "r.h * r.h", "ee": "r.e * r.e", "he": "r.h * r.e"}
    side_columns = ", ".join(f"{prefix}{m}: {side}.{m}" for prefix, side in (("b", "l"), ("a", "r")) for m in MOMENTS)
    query = f"""import "date"
import "join"
import "math"

change = time(v: ${{{change_var}}} * 1000000000)
windows = (start, stop) => {{
    outside = from(bucket: v.defaultBucket)
        |> range(start: start, stop: stop)
        |> {temp_where}
        // windowed per series by storage first (a group() before it reads every sample), then merged: one
        // outside sensor keeps its window means, two are averaged
        |> aggregateWindow(every: 30m, fn: mean, createEmpty: false, timeSrc: "_start")
        |> group()
        |> aggregateWindow(every: 30m, fn: mean, createEmpty: false, timeSrc: "_start")
        |> keep(columns: ["_time", "_value"])
    cop = from(bucket: {queries.bucket_of(sel("cop_30m", "cop").spec)})
        |> range(start: start, stop: stop)
        |> {cop_where}
        |> group()
        |> pivot(rowKey: ["_time", "source", "boundary"], columnKey: ["_field"], valueColumn: "_value")
        |> drop(columns: ["_start", "_stop"])
    return join.inner(
        left: cop,
        right: outside,
        on: (l, r) => l._time == r._time,
        as: (l, r) => ({{source: l.source, boundary: l.boundary, h: l.heat_kwh, e: l.electric_kwh,
            bin: math.floor(x: r._value)}}),
    )
}}
bins = (tables=<-) => tables
    |> group(columns: ["source", "boundary", "bin"])
    |> {_sum_fields(MOMENTS, moments)}
    |> group()
before = windows(start: date.sub(d: {PERIOD}, from: change), stop: change)
after = windows(start: change, stop: date.add(d: {PERIOD}, to: change))
raw = (tables=<-) => tables
    |> group(columns: ["source", "boundary"])
    |> {_sum_fields(("h", "e"), {"h": "r.h", "e": "r.e"})}
    |> group()
    |> map(fn: (r) => ({{source: r.source, boundary: r.boundary, cop: r.h / r.e}}))
raws = join.inner(
    left: before |> raw(),
    right: after |> raw(),
    on: (l, r) => l.source == r.source and l.boundary == r.boundary,
    as: (l, r) => ({{source: l.source, boundary: l.boundary, raw: (r.cop / l.cop - 1.0) * 100.0}}),
)
common = join.inner(
    left: before |> bins(),
    right: after |> bins(),
    on: (l, r) => l.source == r.source and l.boundary == r.boundary and l.bin == r.bin,
    as: (l, r) => ({{source: l.source, boundary: l.boundary, {side_columns}}}),
)
    |> filter(fn: (r) => r.bn >= {float(MIN_WINDOWS)} and r.an >= {float(MIN_WINDOWS)})
    |> map(fn: (r) => ({{source: r.source, boundary: r.boundary, {_common()}}}))
    |> group(columns: ["source", "boundary"])
    |> {_sum_fields(TOTALS, {name: f"r.{name}" for name in TOTALS})}
    |> group()
    |> map(fn: (r) => {{
        rb = r.HB / r.EB
        ra = r.HA / r.EA
        vb = (r.Bhh - 2.0 * rb * r.Bhe + rb * rb * r.Bee) / (r.EB * r.EB)
        va = (r.Ahh - 2.0 * ra * r.Ahe + ra * ra * r.Aee) / (r.EA * r.EA)
        return {{
            source: r.source,
            boundary: r.boundary,
            cop_before: rb,
            cop_after: ra,
            cop_change_pct: (ra / rb - 1.0) * 100.0,
            cop_uncertainty_pct: {Z_95} * math.sqrt(x: va / (ra * ra) + vb / (rb * rb)) * ra / rb * 100.0,
            heat_before_kw: r.HB / r.N / {WINDOW_H},
            heat_after_kw: r.HA / r.N / {WINDOW_H},
            heat_change_pct: (r.HA / r.HB - 1.0) * 100.0,
            hours_before: r.hoursB,
            hours_after: r.hoursA,
            bins: r.bins,
        }}
    }})
join.inner(
    left: common,
    right: raws,
    on: (l, r) => l.source == r.source and l.boundary == r.boundary,
    as: (l, r) => ({{l with raw_cop_change_pct: r.raw}}),
)
    |> sort(columns: ["source"])"""
    cop_unit = sel("cop_30m", "cop").unit
    units = {
        "cop_before": cop_unit,
        "cop_after": cop_unit,
        "cop_change_pct": queries.PERCENT_UNIT,
        "cop_uncertainty_pct": queries.PERCENT_UNIT,
        "heat_before_kw": "kwatt",
        "heat_after_kw": "kwatt",
        "heat_change_pct": queries.PERCENT_UNIT,
        "hours_before": "h",
        "hours_after": "h",
        "bins": "none",
        "raw_cop_change_pct": queries.PERCENT_UNIT,
    }
    display = {
        "cop_before": "COP before (at after's weather)",
        "cop_after": "COP after",
        "cop_change_pct": "COP change",
        "cop_uncertainty_pct": "± (95 %)",
        "heat_before_kw": "heat demand before",
        "heat_after_kw": "heat demand after",
        "heat_change_pct": "heat demand change",
        "hours_before": "hours before",
        "hours_after": "hours after",
        "bins": "1 K bins compared",
        "raw_cop_change_pct": "raw COP change (not normalised)",
    }
    return Shown(query, units, display)
