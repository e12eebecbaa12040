// COP per 30-minute window (cop_30m, complete windows only) and per local day (cop_daily, today so far) for local
// yesterday and today, from energy_minute, separately for each heat source (sources are never mixed):
// cop = sum(heat) / sum(electricity) over the minutes that have both, never a mean of ratios. A reversible unit's
// cooling minutes have no heat row (energy_minute), so neither their heat nor their electricity counts here.
// - combined: every such minute; running: those whose mean electric power >= ${STARTING_POWER_W} W.
// - coverage = seconds both inputs cover / window seconds, %; a COP is written only with coverage
//   >= ${MIN_COVERAGE} % and electricity >= ${MIN_ELECTRIC_KWH} kWh (no division by ~zero).
import "date"
import "math"
import "timezone"

option task = {name: "hpm-cop", every: 15m, offset: 3m}
option location = timezone.location(name: "${TIMEZONE}")

stop = date.truncate(t: now(), unit: 1m)
start = date.sub(d: 1d, from: date.truncate(t: now(), unit: 1d))
minutes =
    from(bucket: "${BUCKET_ROLLUP}")
        |> range(start: start, stop: stop)
        |> filter(fn: (r) => r._measurement == "energy_minute")
// One row per minute and heat source: electric_wh, electric_seconds, heat_wh, heat_seconds (null when absent).
paired = (source) =>
    minutes
        |> filter(fn: (r) => r.kind == "electric" or r.kind == "heat" and r.source == source)
        |> map(fn: (r) => ({_time: r._time, _value: r._value, _field: r.kind + "_" + r._field, source: source}))
        |> group(columns: ["source"])
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
// Sub-day windows use UTC: Flux's zone-aware 30m windows merge the repeated hour of the autumn DST change.
sums = (tables=<-, every, location) =>
    tables
        |> window(every: every, createEmpty: false, location: location)
        |> reduce(
            identity: {ewh: 0.0, hwh: 0.0, covered: 0.0, rewh: 0.0, rhwh: 0.0},
            fn: (r, accumulator) => {
                both = exists r.electric_wh and exists r.heat_wh
                ewh = if both then r.electric_wh else 0.0
                hwh = if both then r.heat_wh else 0.0
                running = both and r.electric_seconds > 0.0 and r.electric_wh * 3600.0 / r.electric_seconds
                    >=
                    ${STARTING_POWER_W}

                return {
                    ewh: accumulator.ewh + ewh,
                    hwh: accumulator.hwh + hwh,
                    covered:
                        accumulator.covered
                            +
                            (if both then math.mMin(x: r.electric_seconds, y: r.heat_seconds) else 0.0),
                    rewh: accumulator.rewh + (if running then ewh else 0.0),
                    rhwh: accumulator.rhwh + (if running then hwh else 0.0),
                }
            },
        )
        |> map(
            fn: (r) =>
                ({r with window_s: float(v: int(v: r._stop) - int(v: r._start)) / 1000000000.0}),
        )
cops = (tables=<-, measurement) =>
    union(
        tables: [
            tables |> map(fn: (r) => ({r with category: "combined", heat: r.hwh, electric: r.ewh})),
            tables |> map(fn: (r) => ({r with category: "running", heat: r.rhwh, electric: r.rewh})),
        ],
    )
        |> map(
            fn: (r) =>
                ({
                    _time: r._start,
                    _measurement: measurement,
                    category: r.category,
                    source: r.source,
                    boundary: "${BOUNDARY}",
                    heat_kwh: r.heat / 1000.0,
                    electric_kwh: r.electric / 1000.0,
                    coverage: math.mMin(x: 100.0, y: r.covered / r.window_s * 100.0),
                }),
        )
        |> filter(fn: (r) => r.coverage >= ${MIN_COVERAGE} and r.electric_kwh >= ${MIN_ELECTRIC_KWH})
        |> map(fn: (r) => ({r with cop: r.heat_kwh / r.electric_kwh}))
all = union(tables: [paired(source: "device"), paired(source: "dt_flow"), paired(source: "estimate")])

union(
    tables: [
        all |> sums(every: 30m, location: timezone.utc) |> filter(fn: (r) => r.window_s == 1800.0) |> cops(measurement: "cop_30m"),
        all |> sums(every: 1d, location: location) |> cops(measurement: "cop_daily"),
    ],
)
    // to() writes tags in the table's column order and InfluxDB takes that order as the series key; a record
    // literal's column order varies between runs, which would split one series in two. Re-append the tags one by one
    // in sorted order: one series key, the same as line protocol's.
    |> rename(columns: {boundary: "_tag_boundary", category: "_tag_category", source: "_tag_source"})
    |> map(fn: (r) => ({r with boundary: r._tag_boundary}))
    |> map(fn: (r) => ({r with category: r._tag_category}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["category", "source", "boundary"],
        fieldFn: (r) =>
            ({"cop": r.cop, "heat_kwh": r.heat_kwh, "electric_kwh": r.electric_kwh, "coverage": r.coverage}),
    )
