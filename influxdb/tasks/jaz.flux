// Annual performance factor (JAZ/SPF) from energy_daily over complete local days, per heat source (device or
// dt_flow, never the estimate, never mixed): sum(heat) / sum(Shelly electricity outside cooling: the day's total
// minus its usage=cooling electricity, methodology §2) over the finished days both of
// which cover >= ${MIN_COVERAGE} % of the day (a day the meter half missed would pair a whole day's heat with half
// its electricity), and without electricity of unknown split (usage=unsplit: a cooling program ran while flow x dT
// had no data, so cooling's electricity would pass for heating's). Periods: ytd (since 1 January), rolling365 (the
// last 365 days), season (since the 1st of the heating season's first month). Stamped at today's local midnight. coverage = time both energies covered on the
// counted days / time of the period so far, %; status = full with more than ${FULL_YEAR_DAYS} days of covered
// time, else provisional.
// Forecast (jaz_forecast, estimate=true): the year so far plus last year's days from today to 31 December when
// they cover >= ${MIN_COVERAGE} % of those days (seasonal), else the year so far scaled to the whole year.
import "date"
import "math"
import "timezone"

option task = {name: "hpm-jaz", every: 1h, offset: 6m}
option location = timezone.location(name: "${TIMEZONE}")

today = date.truncate(t: now(), unit: 1d)
yearStart = date.truncate(t: today, unit: 1y)
nextYear = date.add(d: 1y, to: yearStart)
seasonThisYear = date.add(d: ${SEASON_OFFSET_MONTHS}mo, to: yearStart)
seasonStart = if seasonThisYear > today then date.sub(d: 1y, from: seasonThisYear) else seasonThisYear
rollingStart = date.sub(d: 365d, from: today)
lastYearToday = date.sub(d: 1y, from: today)
first = if lastYearToday < rollingStart then lastYearToday else rollingStart
days = (from, to) => (int(v: to) - int(v: from) + 43200000000000) / 86400000000000

daily =
    from(bucket: "${BUCKET_ROLLUP}")
        |> range(start: first, stop: today)
        |> filter(
            fn: (r) =>
                r._measurement == "energy_daily" and (r._field == "kwh" or r._field == "hours" or r._field
                        ==
                        "coverage")
                    and
                    (r.usage == "total" and (r.kind == "heat" and (r.source == "device" or r.source == "dt_flow"))
                        or
                        r.kind == "electric" and r.source == "shelly" and (r.usage == "total" or r.usage == "cooling" or r.usage
                            ==
                            "unsplit")),
        )
// One row per complete day and heat source with both energies: heat, electric (kWh), covered (seconds both cover).
paired = (source) =>
    daily
        |> filter(fn: (r) => r.kind == "electric" or r.source == source)
        |> map(
            fn: (r) =>
                ({
                    _time: r._time,
                    _value: r._value,
                    name: (if r.usage == "cooling" or r.usage == "unsplit" then r.usage else r.kind) + "_" + r._field,
                    source: source,
                }),
        )
        |> group(columns: ["source"])
        |> pivot(rowKey: ["_time"], columnKey: ["name"], valueColumn: "_value")
        |> filter(
            fn: (r) =>
                exists r.heat_kwh and exists r.electric_kwh and exists r.heat_coverage and exists r.electric_coverage
                    and
                    exists r.heat_hours and exists r.electric_hours and r.heat_coverage >= ${MIN_COVERAGE}
                    and
                    r.electric_coverage >= ${MIN_COVERAGE} and (not exists r.unsplit_kwh or r.unsplit_kwh <= 0.0),
        )
        |> map(
            fn: (r) =>
                ({
                    _time: r._time,
                    source: r.source,
                    heat: r.heat_kwh,
                    electric: r.electric_kwh - (if exists r.cooling_kwh then r.cooling_kwh else 0.0),
                    covered: math.mMin(x: r.heat_hours, y: r.electric_hours) * 3600.0,
                }),
        )
both = union(tables: [paired(source: "device"), paired(source: "dt_flow")])
total = (tables=<-, from, to) =>
    tables
        |> filter(fn: (r) => r._time >= from and r._time < to)
        |> reduce(
            identity: {heat_kwh: 0.0, electric_kwh: 0.0, days: 0, covered: 0.0},
            fn: (r, accumulator) =>
                ({
                    heat_kwh: accumulator.heat_kwh + r.heat,
                    electric_kwh: accumulator.electric_kwh + r.electric,
                    days: accumulator.days + 1,
                    covered: accumulator.covered + r.covered,
                }),
        )
period = (name, from) =>
    both
        |> total(from: from, to: today)
        |> filter(fn: (r) => r.days > 0 and r.electric_kwh >= ${MIN_ELECTRIC_KWH})
        |> map(
            fn: (r) =>
                ({
                    _time: today,
                    _measurement: "jaz",
                    period: name,
                    source: r.source,
                    boundary: "${BOUNDARY}",
                    status: if r.covered / 86400.0 > float(v: ${FULL_YEAR_DAYS}) then "full" else "provisional",
                    jaz: r.heat_kwh / r.electric_kwh,
                    heat_kwh: r.heat_kwh,
                    electric_kwh: r.electric_kwh,
                    coverage: r.covered / (float(v: int(v: today) - int(v: from)) / 1000000000.0) * 100.0,
                    days: r.days,
                }),
        )

thisYear = both |> total(from: yearStart, to: today)
lastYearRest = both |> total(from: lastYearToday, to: yearStart)
restDays = days(from: lastYearToday, to: yearStart)
yearDays = days(from: yearStart, to: nextYear)
forecast =
    union(
        tables: [
            thisYear |> map(fn: (r) => ({source: r.source, yh: r.heat_kwh, ye: r.electric_kwh, yd: r.days, rh: 0.0, re: 0.0, rd: 0})),
            lastYearRest |> map(fn: (r) => ({source: r.source, yh: 0.0, ye: 0.0, yd: 0, rh: r.heat_kwh, re: r.electric_kwh, rd: r.days})),
        ],
    )
        |> group(columns: ["source"])
        |> reduce(
            identity: {yh: 0.0, ye: 0.0, yd: 0, rh: 0.0, re: 0.0, rd: 0},
            fn: (r, accumulator) =>
                ({
                    yh: accumulator.yh + r.yh,
                    ye: accumulator.ye + r.ye,
                    yd: accumulator.yd + r.yd,
                    rh: accumulator.rh + r.rh,
                    re: accumulator.re + r.re,
                    rd: accumulator.rd + r.rd,
                }),
        )
        |> filter(fn: (r) => r.yd > 0)
        |> map(
            fn: (r) => {
                seasonal = float(v: r.rd) / float(v: restDays) * 100.0 >= ${MIN_COVERAGE}
                scale = float(v: yearDays) / float(v: r.yd)
                rest = float(v: restDays) / float(v: r.rd)

                return {
                    _time: today,
                    _measurement: "jaz_forecast",
                    period: "year",
                    source: r.source,
                    boundary: "${BOUNDARY}",
                    estimate: "true",
                    heat_kwh: if seasonal then r.yh + r.rh * rest else r.yh * scale,
                    electric_kwh: if seasonal then r.ye + r.re * rest else r.ye * scale,
                }
            },
        )
        |> filter(fn: (r) => r.electric_kwh >= ${MIN_ELECTRIC_KWH})

forecast
    // to() writes tags in the table's column order and InfluxDB takes that order as the series key; a record
    // literal's column order varies between runs, which would split one series in two. Re-append the tags one by one
    // in sorted order: one series key, the same as line protocol's.
    |> rename(columns: {boundary: "_tag_boundary", estimate: "_tag_estimate", period: "_tag_period", source: "_tag_source"})
    |> map(fn: (r) => ({r with boundary: r._tag_boundary}))
    |> map(fn: (r) => ({r with estimate: r._tag_estimate}))
    |> map(fn: (r) => ({r with period: r._tag_period}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["period", "source", "boundary", "estimate"],
        fieldFn: (r) => ({"jaz": r.heat_kwh / r.electric_kwh, "heat_kwh": r.heat_kwh, "electric_kwh": r.electric_kwh}),
    )

union(
    tables: [
        period(name: "ytd", from: yearStart),
        period(name: "rolling365", from: rollingStart),
        period(name: "season", from: seasonStart),
    ],
)
    // to() writes tags in the table's column order and InfluxDB takes that order as the series key; a record
    // literal's column order varies between runs, which would split one series in two. Re-append the tags one by one
    // in sorted order: one series key, the same as line protocol's.
    |> rename(columns: {boundary: "_tag_boundary", period: "_tag_period", source: "_tag_source", status: "_tag_status"})
    |> map(fn: (r) => ({r with boundary: r._tag_boundary}))
    |> map(fn: (r) => ({r with period: r._tag_period}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> map(fn: (r) => ({r with status: r._tag_status}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["period", "source", "boundary", "status"],
        fieldFn: (r) =>
            ({
                "jaz": r.jaz,
                "heat_kwh": r.heat_kwh,
                "electric_kwh": r.electric_kwh,
                "coverage": r.coverage,
                "days": r.days,
            }),
    )
