// Cycling of the current heating season by outside temperature (cycling_map): from the Shelly's minutes
// (energy_minute, kind=electric) a minute runs when its mean power is >= ${STARTING_POWER_W} W and a start is a
// running minute after one that did not (methodology §7: the denominator is every hour with data, not run hours);
// each UTC hour goes into the 1 K bin of its mean outside temperature. The whole season is recomputed each run.
import "array"
import "date"
import "join"
import "math"
import "strings"
import "timezone"

option task = {name: "hpm-cycling", every: 1h, offset: 22m}
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
stop = date.truncate(t: now(), unit: 1h)

hours =
    from(bucket: "${BUCKET_ROLLUP}")
        |> range(start: seasonStart, stop: stop)
        |> filter(fn: (r) => r._measurement == "energy_minute" and r.kind == "electric" and r.source == "shelly")
        |> filter(fn: (r) => r._field == "wh" or r._field == "seconds")
        |> group()
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> filter(fn: (r) => r.seconds > 0.0)
        |> sort(columns: ["_time"])
        |> map(
            fn: (r) =>
                ({_time: r._time, on: if r.wh * 3600.0 / r.seconds >= ${STARTING_POWER_W} then 1 else 0}),
        )
        |> duplicate(column: "on", as: "edge")
        |> difference(columns: ["edge"], keepFirst: true)
        |> window(every: 1h, location: timezone.utc, createEmpty: false)
        |> reduce(
            identity: {minutes: 0.0, running: 0.0, starts: 0.0},
            fn: (r, accumulator) =>
                ({
                    minutes: accumulator.minutes + 1.0,
                    running: accumulator.running + float(v: r.on),
                    starts: accumulator.starts + (if exists r.edge and r.edge == 1 then 1.0 else 0.0),
                }),
        )
        |> map(fn: (r) => ({_time: r._start, minutes: r.minutes, running: r.running, starts: r.starts}))
        |> group()
// A placeholder hour before the season on both sides keeps the join's sides non-empty early in a season (join.inner
// fails on an empty side); it has no minutes, so no bin keeps it.
placeholderAt = date.sub(d: 1h, from: seasonStart)
placeholderHour = array.from(rows: [{_time: placeholderAt, minutes: 0.0, running: 0.0, starts: 0.0}])
placeholderOutside = array.from(rows: [{_time: placeholderAt, _value: 0.0}])
outsideMeans =
    from(bucket: "${BUCKET_RAW}")
        |> range(start: seasonStart, stop: stop)
        |> filter(fn: (r) => r._measurement == "hp_temperature" and r._field == "value" and r.sensor == "outside")
        |> group()
        |> aggregateWindow(every: 1h, fn: mean, createEmpty: false, timeSrc: "_start", location: timezone.utc)
        |> keep(columns: ["_time", "_value"])
outside = union(tables: [outsideMeans, placeholderOutside]) |> group()

join.inner(
    left: union(tables: [hours, placeholderHour]) |> group(),
    right: outside,
    on: (l, r) => l._time == r._time,
    as: (l, r) =>
        ({
            minutes: l.minutes,
            running: l.running,
            starts: l.starts,
            outside_bin: string(v: int(v: math.floor(x: r._value))),
        }),
)
    |> group(columns: ["outside_bin"])
    |> reduce(
        identity: {minutes: 0.0, running: 0.0, starts: 0.0},
        fn: (r, accumulator) =>
            ({
                minutes: accumulator.minutes + r.minutes,
                running: accumulator.running + r.running,
                starts: accumulator.starts + r.starts,
            }),
    )
    |> filter(fn: (r) => r.minutes > 0.0)
    |> map(fn: (r) => ({r with _time: seasonStart, season: season, boundary: "${BOUNDARY}"}))
    |> set(key: "_measurement", value: "cycling_map")
    // Tags re-appended one by one in sorted order: one series key, the same as line protocol's (see cop.flux).
    |> rename(columns: {boundary: "_tag_boundary", outside_bin: "_tag_outside_bin", season: "_tag_season"})
    |> map(fn: (r) => ({r with boundary: r._tag_boundary}))
    |> map(fn: (r) => ({r with outside_bin: r._tag_outside_bin}))
    |> map(fn: (r) => ({r with season: r._tag_season}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["boundary", "outside_bin", "season"],
        fieldFn: (r) => ({"hours": r.minutes / 60.0, "starts": r.starts, "run_hours": r.running / 60.0}),
    )
