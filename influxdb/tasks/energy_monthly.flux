// Energy per local month (energy_monthly, stamped at the month's first local midnight) for the previous and the
// current month so far: sums of energy_daily per kind/usage/source. coverage = covered hours / elapsed hours, %.
import "date"
import "math"
import "timezone"

option task = {name: "hpm-energy-monthly", every: 1h, offset: 5m}
option location = timezone.location(name: "${TIMEZONE}")

stop = date.truncate(t: now(), unit: 1m)
start = date.sub(d: 1mo, from: date.truncate(t: now(), unit: 1mo))

from(bucket: "${BUCKET_ROLLUP}")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "energy_daily" and (r._field == "kwh" or r._field == "hours"))
    |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
    |> window(every: 1mo, createEmpty: false)
    |> reduce(
        identity: {kwh: 0.0, hours: 0.0},
        fn: (r, accumulator) => ({kwh: accumulator.kwh + r.kwh, hours: accumulator.hours + r.hours}),
    )
    |> map(
        fn: (r) =>
            ({r with
                _time: r._start,
                _measurement: "energy_monthly",
                coverage:
                    math.mMin(
                        x: 100.0,
                        y: r.hours * 3600.0 / (float(v: int(v: r._stop) - int(v: r._start)) / 1000000000.0) * 100.0,
                    ),
            }),
    )
    // to() writes tags in the table's column order and InfluxDB takes that order as the series key; a record
    // literal's column order varies between runs, which would split one series in two. Re-append the tags one by one
    // in sorted order: one series key, the same as line protocol's.
    |> rename(columns: {kind: "_tag_kind", source: "_tag_source", usage: "_tag_usage"})
    |> map(fn: (r) => ({r with kind: r._tag_kind}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> map(fn: (r) => ({r with usage: r._tag_usage}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["kind", "usage", "source"],
        fieldFn: (r) => ({"kwh": r.kwh, "coverage": r.coverage, "hours": r.hours}),
    )
