// Raw -> 1-hour rollups: mean/min/max of gauges, last value of counters and states (tag agg).
// Rewrites the last six hours up to the last complete hour, so late points are included.
import "date"

option task = {name: "hpm-rollup-1h", every: 1h, offset: 1m}

stop = date.truncate(t: now(), unit: 1h)
start = date.sub(d: 6h, from: date.truncate(t: now(), unit: 1h))
data = from(bucket: "${BUCKET_RAW}") |> range(start: start, stop: stop)
// floats: mean, min and max of an integer gauge share one field type in the rollup
stats = data |> filter(fn: (r) => ${ROLLUP_STATS_FILTER}) |> toFloat()
rollup = (tables=<-, fn, agg) =>
    tables
        |> aggregateWindow(every: 1h, fn: fn, timeSrc: "_start", createEmpty: false)
        |> map(fn: (r) => ({r with _measurement: r._measurement + "_1h", agg: agg}))

union(
    tables: [
        stats |> rollup(fn: mean, agg: "mean"),
        stats |> rollup(fn: min, agg: "min"),
        stats |> rollup(fn: max, agg: "max"),
        data |> filter(fn: (r) => ${ROLLUP_LAST_FILTER}) |> rollup(fn: last, agg: "last"),
    ],
)
    |> to(bucket: "${BUCKET_ROLLUP}", org: "${ORG}")
