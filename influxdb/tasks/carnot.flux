// Practical efficiency (methodology §6) per complete 30-minute COP window (carnot_30m) and per local day
// (carnot_daily, today so far) for local yesterday and today: every cop_30m window (per heat source and category)
// that has a mean supply (flow) and outside temperature gets the Carnot COP of those means,
//   COP_Carnot = (T_flow + 2 + 273) / ((T_flow + 2) - (T_outside - 6)),
// and its ideal heat = electricity x COP_Carnot. Dashboards read % of Carnot over any range as
// 100 x Σheat / Σideal of these rows, a ratio of sums; windows without both temperatures or with a Carnot COP <= 0
// (flow more than 8 K below outside) are in neither sum. Runs after hpm-cop, which writes the windows it reads.
import "array"
import "date"
import "join"
import "timezone"

option task = {name: "hpm-carnot", every: 15m, offset: 6m}
option location = timezone.location(name: "${TIMEZONE}")

start = date.sub(d: 1d, from: date.truncate(t: now(), unit: 1d))
stop = date.truncate(t: now(), unit: 30m)
placeholderTime = date.sub(d: 1h, from: start)

// Mean outside and supply temperature per UTC 30-minute window (the cop_30m windows). Placeholder rows before the
// range make both columns exist and keep both sides of the join non-empty (join.inner fails on an empty side); the
// placeholder window has no category and is dropped after the join.
means =
    from(bucket: "${BUCKET_RAW}")
        |> range(start: start, stop: stop)
        |> filter(fn: (r) => r._measurement == "hp_temperature" and r._field == "value")
        |> filter(fn: (r) => r.sensor == "outside" or r.sensor == "supply")
        |> group(columns: ["sensor"])
        |> aggregateWindow(every: 30m, fn: mean, createEmpty: false, timeSrc: "_start", location: timezone.utc)
        |> keep(columns: ["_time", "sensor", "_value"])
carnotCops =
    union(
        tables: [
            means,
            array.from(
                rows: [
                    {_time: placeholderTime, sensor: "outside", _value: 0.0},
                    {_time: placeholderTime, sensor: "supply", _value: 0.0},
                ],
            ),
        ],
    )
        |> group()
        |> pivot(rowKey: ["_time"], columnKey: ["sensor"], valueColumn: "_value")
        |> filter(fn: (r) => exists r.outside and exists r.supply)
        |> map(fn: (r) => ({_time: r._time, carnot: (r.supply + 2.0 + 273.0) / (r.supply + 2.0 - (r.outside - 6.0))}))
        |> filter(fn: (r) => r.carnot > 0.0)
cop30m =
    from(bucket: "${BUCKET_ROLLUP}")
        |> range(start: start, stop: stop)
        |> filter(fn: (r) => r._measurement == "cop_30m")
        |> filter(fn: (r) => r._field == "heat_kwh" or r._field == "electric_kwh")
        |> group()
        |> pivot(rowKey: ["_time", "category", "source", "boundary"], columnKey: ["_field"], valueColumn: "_value")
        |> drop(columns: ["_start", "_stop"])  // join.inner pairs nothing when these differ between the sides
windows =
    union(
        tables: [
            cop30m,
            array.from(
                rows: [
                    {_time: placeholderTime, category: "", source: "", boundary: "", heat_kwh: 0.0, electric_kwh: 0.0},
                ],
            ),
        ],
    )
        |> group()
ideal =
    join.inner(
        left: windows,
        right: carnotCops,
        on: (l, r) => l._time == r._time,
        as: (l, r) =>
            ({
                _time: l._time,
                category: l.category,
                source: l.source,
                boundary: l.boundary,
                heat_kwh: l.heat_kwh,
                electric_kwh: l.electric_kwh,
                ideal_kwh: l.electric_kwh * r.carnot,
            }),
    )
        |> filter(fn: (r) => r.category != "")
        |> group(columns: ["category", "source", "boundary"])
daily =
    ideal
        |> window(every: 1d, location: location, createEmpty: false)
        |> reduce(
            identity: {heat_kwh: 0.0, electric_kwh: 0.0, ideal_kwh: 0.0},
            fn: (r, accumulator) =>
                ({
                    heat_kwh: accumulator.heat_kwh + r.heat_kwh,
                    electric_kwh: accumulator.electric_kwh + r.electric_kwh,
                    ideal_kwh: accumulator.ideal_kwh + r.ideal_kwh,
                }),
        )
        |> map(fn: (r) => ({r with _time: r._start, _measurement: "carnot_daily"}))
        |> drop(columns: ["_start", "_stop"])

union(tables: [ideal |> map(fn: (r) => ({r with _measurement: "carnot_30m"})), daily])
    // Tags re-appended one by one in sorted order before to(): one series key, the same as line protocol's (see
    // cop.flux).
    |> rename(columns: {boundary: "_tag_boundary", category: "_tag_category", source: "_tag_source"})
    |> map(fn: (r) => ({r with boundary: r._tag_boundary}))
    |> map(fn: (r) => ({r with category: r._tag_category}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["boundary", "category", "source"],
        fieldFn: (r) => ({"heat_kwh": r.heat_kwh, "electric_kwh": r.electric_kwh, "ideal_kwh": r.ideal_kwh}),
    )
