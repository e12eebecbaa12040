// Defrost cycles per local day (defrost_daily) for local yesterday and today, from the Shelly power and the
// heating water temperatures, beside the device's own defrost flag.
// - Per UTC minute: mean Shelly power (phase total); the newest supply, return, flow and flag of the Viessmann
//   poll, held for at most 300 s (a poll every 1-3 min; a longer silence is no data, not a state).
// - A minute is in defrost when the return is >= 0.5 K above the supply (the reversed cycle takes
//   heat from the water) and the power is >= ${STARTING_POWER_W} W (the compressor runs: not a cooling pipe).
//   A cycle is a run of such minutes (counted at its first minute); the flag's cycles are counted alike. A
//   reversible unit's circuit in a cooling program (hp_circuit program *Cooling*, held until it changes) takes heat
//   from the water on purpose: those minutes are cooling, never a defrost.
// - electric_kwh = Shelly energy of the defrost minutes, heat_kwh = flow x (return - supply) x 1.163 over them,
//   share = defrost electricity / the day's electricity over the minutes with power data, %.
import "array"
import "date"
import "strings"
import "timezone"

option task = {name: "hpm-defrost", every: 1h, offset: 8m}
option location = timezone.location(name: "${TIMEZONE}")

stop = date.truncate(t: now(), unit: 1m)
start = date.sub(d: 1d, from: date.truncate(t: now(), unit: 1d))
raw =
    from(bucket: "${BUCKET_RAW}")
        |> range(start: date.sub(d: 300s, from: start), stop: stop)
perMinute = (tables=<-, name, fn) =>
    tables
        |> group()
        |> aggregateWindow(every: 1m, fn: fn, createEmpty: false, timeSrc: "_start", location: timezone.utc)
        |> map(fn: (r) => ({_time: r._time, _field: name, _value: float(v: r._value)}))
power =
    raw
        |> filter(fn: (r) => r._measurement == "shelly_power" and r._field == "power" and r.phase == "total")
        |> perMinute(name: "power", fn: mean)
temperature = (sensor) =>
    raw
        |> filter(fn: (r) => r._measurement == "hp_temperature" and r._field == "value" and r.sensor == sensor)
        |> perMinute(name: sensor, fn: mean)
flow =
    raw
        |> filter(fn: (r) => r._measurement == "hp_hydraulics" and r._field == "volumetric_flow")
        |> perMinute(name: "flow", fn: mean)
flag =
    raw
        |> filter(fn: (r) => r._measurement == "hp_hydraulics" and r._field == "defrost")
        |> perMinute(name: "flag", fn: max)
programCooling = (start, stop) =>
    from(bucket: "${BUCKET_RAW}")
        |> range(start: start, stop: stop)
        |> filter(fn: (r) => r._measurement == "hp_circuit" and r._field == "program")
        |> map(
            fn: (r) =>
                ({_time: r._time, _value: if strings.containsStr(v: r._value, substr: "Cooling") then 1.0 else 0.0}),
        )
        |> group()
cooling =
    union(
        tables: [
            // keeps the column there when no circuit reports a program
            array.from(rows: [{_time: 1970-01-01T00:00:00Z, _field: "cooling", _value: 0.0}]),
            programCooling(start: date.sub(d: 30d, from: start), stop: start)
                |> sort(columns: ["_time"])
                |> last()
                |> map(fn: (r) => ({_time: start, _field: "cooling", _value: r._value})),
            programCooling(start: start, stop: stop) |> perMinute(name: "cooling", fn: max),
            // what holds after a minute is its last program (1 ns later: carried forward, matching no minute row)
            programCooling(start: start, stop: stop)
                |> sort(columns: ["_time"])
                |> perMinute(name: "cooling", fn: last)
                |> map(fn: (r) => ({_time: date.add(d: 1ns, to: r._time), _field: r._field, _value: r._value})),
        ],
    )
polled =
    temperature(sensor: "supply")
        |> map(fn: (r) => ({_time: r._time, _field: "polled", _value: float(v: int(v: r._time))}))

union(tables: [power, temperature(sensor: "supply"), temperature(sensor: "return"), flow, flag, polled, cooling])
    |> group()
    |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
    |> sort(columns: ["_time"])
    |> fill(column: "supply", usePrevious: true)
    |> fill(column: "return", usePrevious: true)
    |> fill(column: "flow", usePrevious: true)
    |> fill(column: "flag", usePrevious: true)
    |> fill(column: "polled", usePrevious: true)
    |> fill(column: "cooling", usePrevious: true)
    |> filter(fn: (r) => r._time >= start and exists r.power)
    |> map(
        fn: (r) => {
            fresh = exists r.polled and float(v: int(v: r._time)) - r.polled <= 300.0 * 1000000000.0
            spread = if fresh and exists r.supply and exists r["return"] then r["return"] - r.supply else 0.0
            cooling = exists r.cooling and r.cooling > 0.0
            defrost = spread >= 0.5 and r.power >= ${STARTING_POWER_W} and not cooling

            return {
                _time: r._time,
                d: if defrost then 1 else 0,
                a: if fresh and exists r.flag and r.flag >= 0.5 then 1 else 0,
                wh: r.power / 60.0,
                dwh: if defrost then r.power / 60.0 else 0.0,
                hwh: if defrost and exists r.flow then r.flow * spread * 1.163 / 60.0 else 0.0,
            }
        },
    )
    |> duplicate(column: "d", as: "dprev")
    |> duplicate(column: "a", as: "aprev")
    |> difference(columns: ["dprev", "aprev"], keepFirst: true)
    |> window(every: 1d, location: location, createEmpty: false)
    |> reduce(
        identity: {count: 0.0, api_count: 0.0, minutes: 0.0, wh: 0.0, dwh: 0.0, hwh: 0.0},
        fn: (r, accumulator) =>
            ({
                count: accumulator.count + (if exists r.dprev and r.dprev == 1 then 1.0 else 0.0),
                api_count: accumulator.api_count + (if exists r.aprev and r.aprev == 1 then 1.0 else 0.0),
                minutes: accumulator.minutes + float(v: r.d),
                wh: accumulator.wh + r.wh,
                dwh: accumulator.dwh + r.dwh,
                hwh: accumulator.hwh + r.hwh,
            }),
    )
    |> filter(fn: (r) => r.wh > 0.0)
    |> map(
        fn: (r) =>
            ({
                _time: r._start,
                _measurement: "defrost_daily",
                boundary: "${BOUNDARY}",
                count: r.count,
                api_count: r.api_count,
                minutes: r.minutes,
                electric_kwh: r.dwh / 1000.0,
                heat_kwh: r.hwh / 1000.0,
                share: r.dwh / r.wh * 100.0,
            }),
    )
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["boundary"],
        fieldFn: (r) =>
            ({
                "count": r.count,
                "api_count": r.api_count,
                "minutes": r.minutes,
                "electric_kwh": r.electric_kwh,
                "heat_kwh": r.heat_kwh,
                "share": r.share,
            }),
    )
