// Performance map of the current heating season (performance_map): every complete 30-minute COP window (cop_30m,
// per heat source and category) is put into the bin of its mean outside temperature (1 K) and mean supply
// temperature (5 K, and flow_bin "all"); per bin cop = Σheat / Σelectricity over its windows (never a mean of the
// windows' COPs) and hours = windows x 0.5. The whole season is recomputed on every run, so late data and
// recomputed COP windows land in their bins; points are stamped at the season's first local midnight.
import "array"
import "date"
import "join"
import "math"
import "strings"
import "timezone"

option task = {name: "hpm-performance-map", every: 1h, offset: 20m}
option location = timezone.location(name: "${TIMEZONE}")

today = date.truncate(t: now(), unit: 1d)
seasonThisYear = date.add(d: ${SEASON_OFFSET_MONTHS}mo, to: date.truncate(t: now(), unit: 1y))
seasonStart = if seasonThisYear > today then date.sub(d: 1y, from: seasonThisYear) else seasonThisYear
firstYear = date.year(t: seasonStart)
season =
    if ${SEASON_OFFSET_MONTHS} == 0 then
        string(v: firstYear)
    else
        string(v: firstYear) + "/" + strings.substring(v: string(v: firstYear + 1), start: 2, end: 4)
stop = date.truncate(t: now(), unit: 30m)

// Mean outside and supply temperature per UTC 30-minute window (the cop_30m windows), one row per window. Two
// placeholder rows before the season make both columns exist when a unit reports no supply temperature; they
// and a placeholder window at the same instant keep both sides of the join non-empty early in a season (join.inner
// fails on an empty side); that window has no electricity, so no bin keeps it.
placeholders =
    array.from(
        rows: [
            {_time: date.sub(d: 1h, from: seasonStart), sensor: "outside", _value: 0.0},
            {_time: date.sub(d: 1h, from: seasonStart), sensor: "supply", _value: 0.0},
        ],
    )
means =
    from(bucket: "${BUCKET_RAW}")
        |> range(start: seasonStart, stop: stop)
        |> filter(fn: (r) => r._measurement == "hp_temperature" and r._field == "value")
        |> filter(fn: (r) => r.sensor == "outside" or r.sensor == "supply")
        |> group(columns: ["sensor"])
        |> aggregateWindow(every: 30m, fn: mean, createEmpty: false, timeSrc: "_start", location: timezone.utc)
        |> keep(columns: ["_time", "sensor", "_value"])
temperatures =
    union(tables: [means, placeholders])
        |> group()
        |> pivot(rowKey: ["_time"], columnKey: ["sensor"], valueColumn: "_value")
        |> filter(fn: (r) => exists r.outside)
placeholderWindow =
    array.from(
        rows: [
            {
                _time: date.sub(d: 1h, from: seasonStart),
                category: "",
                source: "",
                boundary: "",
                heat_kwh: 0.0,
                electric_kwh: 0.0,
            },
        ],
    )
cop30m =
    from(bucket: "${BUCKET_ROLLUP}")
        |> range(start: seasonStart, stop: stop)
        |> filter(fn: (r) => r._measurement == "cop_30m")
        |> filter(fn: (r) => r._field == "heat_kwh" or r._field == "electric_kwh")
        |> group()
        |> pivot(rowKey: ["_time", "category", "source", "boundary"], columnKey: ["_field"], valueColumn: "_value")
        |> drop(columns: ["_start", "_stop"])  // join.inner pairs nothing when these differ between the sides
windows = union(tables: [cop30m, placeholderWindow]) |> group()
binned =
    join.inner(
        left: windows,
        right: temperatures,
        on: (l, r) => l._time == r._time,
        as: (l, r) =>
            ({
                category: l.category,
                source: l.source,
                boundary: l.boundary,
                heat: l.heat_kwh,
                electric: l.electric_kwh,
                outside: r.outside,
                supply: r.supply,
            }),
    )
bins = (tables=<-, flow) =>
    tables
        |> map(
            fn: (r) =>
                ({
                    category: r.category,
                    source: r.source,
                    boundary: r.boundary,
                    heat: r.heat,
                    electric: r.electric,
                    // heat-weighted flow temperature: windows that delivered heat and have a supply value
                    flow_heat: if exists r.supply and r.heat > 0.0 then r.heat else 0.0,
                    flow_sum: if exists r.supply and r.heat > 0.0 then r.heat * r.supply else 0.0,
                    outside_bin: string(v: int(v: math.floor(x: r.outside))),
                    flow_bin:
                        if not flow then
                            "all"
                        else if exists r.supply then
                            string(v: int(v: math.floor(x: r.supply / 5.0)) * 5)
                        else
                            "",
                }),
        )

result =
    union(tables: [binned |> bins(flow: true), binned |> bins(flow: false)])
    |> filter(fn: (r) => r.flow_bin != "")
    |> group(columns: ["category", "source", "boundary", "outside_bin", "flow_bin"])
    |> reduce(
        identity: {heat_kwh: 0.0, electric_kwh: 0.0, windows: 0, flow_heat: 0.0, flow_sum: 0.0},
        fn: (r, accumulator) =>
            ({
                heat_kwh: accumulator.heat_kwh + r.heat,
                electric_kwh: accumulator.electric_kwh + r.electric,
                windows: accumulator.windows + 1,
                flow_heat: accumulator.flow_heat + r.flow_heat,
                flow_sum: accumulator.flow_sum + r.flow_sum,
            }),
    )
    |> filter(fn: (r) => r.electric_kwh > 0.0)
    |> map(
        fn: (r) =>
            ({r with _time: seasonStart, season: season, cop: r.heat_kwh / r.electric_kwh, hours: float(v: r.windows) * 0.5}),
    )
    |> set(key: "_measurement", value: "performance_map")

// Tags re-appended one by one in sorted order before each to(): one series key, the same as line protocol's (see
// cop.flux). The flow temperature is written only where windows reported a supply temperature.
result
    |> rename(columns: {boundary: "_tag_boundary", category: "_tag_category", flow_bin: "_tag_flow_bin", outside_bin: "_tag_outside_bin", season: "_tag_season", source: "_tag_source"})
    |> map(fn: (r) => ({r with boundary: r._tag_boundary}))
    |> map(fn: (r) => ({r with category: r._tag_category}))
    |> map(fn: (r) => ({r with flow_bin: r._tag_flow_bin}))
    |> map(fn: (r) => ({r with outside_bin: r._tag_outside_bin}))
    |> map(fn: (r) => ({r with season: r._tag_season}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["boundary", "category", "flow_bin", "outside_bin", "season", "source"],
        fieldFn: (r) =>
            ({"cop": r.cop, "heat_kwh": r.heat_kwh, "electric_kwh": r.electric_kwh, "hours": r.hours}),
    )
result
    |> filter(fn: (r) => r.flow_heat > 0.0)
    |> rename(columns: {boundary: "_tag_boundary", category: "_tag_category", flow_bin: "_tag_flow_bin", outside_bin: "_tag_outside_bin", season: "_tag_season", source: "_tag_source"})
    |> map(fn: (r) => ({r with boundary: r._tag_boundary}))
    |> map(fn: (r) => ({r with category: r._tag_category}))
    |> map(fn: (r) => ({r with flow_bin: r._tag_flow_bin}))
    |> map(fn: (r) => ({r with outside_bin: r._tag_outside_bin}))
    |> map(fn: (r) => ({r with season: r._tag_season}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["boundary", "category", "flow_bin", "outside_bin", "season", "source"],
        fieldFn: (r) => ({"flow_c": r.flow_sum / r.flow_heat}),
    )
