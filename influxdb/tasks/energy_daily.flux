// Energy per local day (measurement energy_daily, stamped at local midnight) for local yesterday and today so far:
// - electric/shelly and heat/dt_flow|estimate: sums of energy_minute (written by hpm-energy-minute);
// - heat, electric (usage heating|dhw|cooling; total = heating + dhw for heat, + cooling for electric, which is
//   what the meter sees) and heating_rod from the device's day counters (source device): the day's last reading;
//   coverage from the polls under the ${MAX_GAP_S} s gap rule (each poll covers the time to the next one, as in
//   energy_minute).
// - cooling (energy_minute kind=cooling): heat/cooling/dt_flow = heat taken out of the rooms, electric/cooling/shelly
//   = the Shelly's energy in those minutes (part of electric/total/shelly, which stays the meter's day); their hours
//   are the hours of cooling.
// - electric/unsplit/shelly (energy_minute kind=unsplit): the meter's energy in minutes a cooling program ran
//   without flow x dT data, which tell cooling from heating; part of electric/total/shelly.
// coverage = covered seconds / elapsed seconds of the day, %; hours = covered hours.
import "date"
import "math"
import "timezone"

option task = {name: "hpm-energy-daily", every: 15m, offset: 2m}
option location = timezone.location(name: "${TIMEZONE}")

stop = date.truncate(t: now(), unit: 1m)
start = date.sub(d: 1d, from: date.truncate(t: now(), unit: 1d))

// A cooling minute (kind=cooling, source=dt_flow) has no heat by rule, not for want of data: flow x dT covers it.
minutes =
    from(bucket: "${BUCKET_ROLLUP}")
        |> range(start: start, stop: stop)
        |> filter(
            fn: (r) =>
                r._measurement == "energy_minute" and (r.kind == "electric" or r.source != "device")
                    and
                    (r._field == "wh" or r._field == "seconds"),
        )
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> map(
            fn: (r) =>
                ({
                    _time: r._time,
                    kind: if r.kind == "cooling" then "heat" else if r.kind == "unsplit" then "electric" else r.kind,
                    usage: if r.kind == "unsplit" then "unsplit" else "total",
                    source: r.source,
                    wh: if r.kind == "cooling" then 0.0 else r.wh,
                    covered: r.seconds,
                }),
        )
        |> group(columns: ["kind", "usage", "source"])
        |> window(every: 1d, createEmpty: false)
        |> reduce(
            identity: {wh: 0.0, covered: 0.0},
            fn: (r, accumulator) => ({wh: accumulator.wh + r.wh, covered: accumulator.covered + r.covered}),
        )
        |> map(fn: (r) => ({r with kwh: r.wh / 1000.0}))
coolingDays =
    from(bucket: "${BUCKET_ROLLUP}")
        |> range(start: start, stop: stop)
        |> filter(fn: (r) => r._measurement == "energy_minute" and r.kind == "cooling")
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> window(every: 1d, createEmpty: false)
        |> reduce(
            identity: {wh: 0.0, covered: 0.0, ewh: 0.0, ecovered: 0.0},
            fn: (r, accumulator) =>
                ({
                    wh: accumulator.wh + r.wh,
                    covered: accumulator.covered + r.seconds,
                    ewh: accumulator.ewh + r.electric_wh,
                    ecovered: accumulator.ecovered + r.electric_seconds,
                }),
        )
cooling =
    union(
        tables: [
            coolingDays |> map(fn: (r) => ({r with kind: "heat", kwh: r.wh / 1000.0})),
            coolingDays
                |> map(fn: (r) => ({r with kind: "electric", source: "shelly", kwh: r.ewh / 1000.0, covered: r.ecovered})),
        ],
    )
        |> map(fn: (r) => ({r with usage: "cooling"}))

device =
    from(bucket: "${BUCKET_RAW}")
        |> range(start: start, stop: stop)
        |> filter(
            fn: (r) =>
                r._measurement == "hp_energy_summary" and r._field == "current_day" and (r.usage == "heating" or r.usage
                        ==
                        "dhw" or r.usage == "cooling")
                    or
                    r._measurement == "hp_heating_rod" and r._field == "energy_day",
        )
        |> map(
            fn: (r) =>
                ({
                    _time: r._time,
                    _value: float(v: r._value),
                    kind: if r._measurement == "hp_heating_rod" then "heating_rod" else r.kind,
                    usage: if r._measurement == "hp_heating_rod" then "total" else r.usage,
                    next: int(v: r._time),
                }),
        )
        |> group(columns: ["kind", "usage"])
        // newest first: the difference to the previous row is minus the time to the next poll
        |> sort(columns: ["_time"], desc: true)
        |> difference(columns: ["next"], keepFirst: true)
        |> map(
            fn: (r) =>
                ({r with covered:
                        if exists r.next and -r.next / 1000000000 < ${MAX_GAP_S} then
                            float(v: -r.next / 1000000000)
                        else
                            0.0,
                }),
        )
        |> sort(columns: ["_time"])
        |> window(every: 1d, createEmpty: false)
        |> reduce(
            identity: {kwh: 0.0, covered: 0.0},
            fn: (r, accumulator) => ({kwh: r._value, covered: accumulator.covered + r.covered}),
        )
        |> map(fn: (r) => ({r with source: "device"}))
deviceTotals =
    device
        // the meter sees the cooling electricity; cooling's heat is not heat delivered
        |> filter(fn: (r) => r.kind != "heating_rod" and (r.usage != "cooling" or r.kind == "electric"))
        |> group(columns: ["_start", "_stop", "kind", "source"])
        |> reduce(
            identity: {kwh: 0.0, covered: -1.0},
            fn: (r, accumulator) =>
                ({
                    kwh: accumulator.kwh + r.kwh,
                    covered: if accumulator.covered < 0.0 then r.covered else math.mMin(x: accumulator.covered, y: r.covered),
                }),
        )
        |> map(fn: (r) => ({r with usage: "total"}))

union(tables: [minutes, cooling, device, deviceTotals])
    |> map(
        fn: (r) =>
            ({
                _time: r._start,
                _measurement: "energy_daily",
                kind: r.kind,
                usage: r.usage,
                source: r.source,
                kwh: r.kwh,
                coverage:
                    math.mMin(
                        x: 100.0,
                        y: r.covered / (float(v: int(v: r._stop) - int(v: r._start)) / 1000000000.0) * 100.0,
                    ),
                hours: r.covered / 3600.0,
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
