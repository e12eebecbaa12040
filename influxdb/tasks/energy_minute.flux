// Raw -> energy per minute (measurement energy_minute, fields wh and seconds covered), the base of the
// daily energies and the COPs. Booking rule (shared with collector/metrics): the energy of the interval from a
// sample to the next one is booked in the minute of the sample, where the value (and the running state) was seen.
// - electric (source shelly): differences of the cumulative import counter under the counter rule (below), only
//   across sampling intervals <= ${SHELLY_MAX_GAP_S} s; a minute the device history backfilled
//   (shelly_energy_minute, clamped to [0, the bound of a minute]) replaces the counter minute. resets, clamped and
//   glitches count where the rule stepped in.
// - heat: 1-minute means of the inputs, each held over the following minutes until the next minute with data if
//   that comes within ${MAX_GAP_S} s (the gap rule), so every covered minute has its heat; device = compressor heat
//   output (or the whole unit's, hp_power, where the model reports no compressor figure: Vitocal 200-A), dt_flow = flow x dT x 1.163, estimate = modulation x rated power. A hybrid's minutes with its gas burner
//   firing (hp_burner active, held until it changes) get no dt_flow heat: flow x dT then holds the burner's heat.
// - cooling (methodology §2, its own category): a minute of a reversible unit whose circuit runs a cooling program
//   (hp_circuit program *Cooling*, held until it changes) and whose flow x dT heat is negative books kind=cooling,
//   source=dt_flow: wh = the heat taken out of the circuit (positive), electric_wh/electric_seconds = the Shelly's
//   minute. Such a minute books no heat from any source: its negative flow x dT is not negative heat (and no
//   defrost), its electricity not heating electricity.
// - unsplit (source shelly): a metered minute while a circuit runs a cooling program but flow x dT has no value
//   (a Viessmann outage beyond the gap rule): cooling or a hot-water charge, nobody can tell. wh, seconds = the
//   Shelly's minute; the JAZ does not count a day with such electricity (it would pass for heating's). Not booked
//   in the window's last ${MAX_GAP_S} s, which a poll may still cover (to() cannot take a point back).
// Rewrites local yesterday and today up to the last complete minute (late and backfilled data included).
// Sub-day windows use UTC: Flux's zone-aware windows merge the repeated hour of the autumn DST change.
import "array"
import "date"
import "generate"
import "strings"
import "timezone"

option task = {name: "hpm-energy-minute", every: 5m, offset: 20s}
option location = timezone.location(name: "${TIMEZONE}")

stop = date.truncate(t: now(), unit: 1m)
start = date.sub(d: 1d, from: date.truncate(t: now(), unit: 1d))
raw = "${BUCKET_RAW}"

// The counter rule (collector/metrics/counter.py): per device, a sample below the one before it while the one after
// it is back at least there is a glitch and skipped; then per interval a rise within the meter's bound
// (${METER_MAX_W} W x seconds) books the rise, a drop beyond ${COUNTER_DROP_TOLERANCE_WH} Wh (a reset, to 0 or
// anywhere) or a rise above the bound books the power sample x seconds instead, never the new reading.
samples =
    from(bucket: raw)
        |> range(start: start, stop: stop)
        |> filter(
            fn: (r) =>
                (r._measurement == "shelly_energy" and r._field == "imported" or r._measurement == "shelly_power"
                    and
                    r._field == "power") and r.phase == "total",
        )
        |> map(fn: (r) => ({_time: r._time, _field: r._field, _value: float(v: r._value), device: r.device}))
        |> group(columns: ["device"])
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> filter(fn: (r) => exists r.imported)
        |> map(fn: (r) => ({r with prev: r.imported, after: r.imported}))
        |> sort(columns: ["_time"])
        |> difference(columns: ["prev"], keepFirst: true)
        |> sort(columns: ["_time"], desc: true)
        |> difference(columns: ["after"], keepFirst: true)
        // prev = this - the one before, after = this - the one after; across = the one after - the one before
        |> map(
            fn: (r) =>
                ({r with glitch:
                        if exists r.prev and exists r.after then
                            r.prev < -0.000001 and r.prev - r.after >= -0.000001
                        else
                            false,
                }),
        )
glitches =
    samples
        |> filter(fn: (r) => r.glitch)
        |> map(fn: (r) => ({_time: r._time, _value: 1.0}))
counter =
    samples
        |> filter(fn: (r) => not r.glitch)
        // keep device: the differences stay within one meter's series (a replaced meter starts its own)
        |> map(
            fn: (r) =>
                ({
                    _time: r._time,
                    device: r.device,
                    _value: r.imported,
                    reading: r.imported,
                    power: r.power,
                    next: int(v: r._time),
                }),
        )
        // newest first: the difference to the previous row is this sample minus the next one
        |> difference(columns: ["_value", "next"], keepFirst: true)
        |> filter(fn: (r) => exists r.next and -r.next / 1000000000 <= ${SHELLY_MAX_GAP_S})
        |> map(
            fn: (r) => {
                seconds = float(v: -r.next / 1000000000)
                bound = ${METER_MAX_W} * seconds / 3600.0
                watts = if exists r.power then r.power else 0.0
                fromPower = (if watts < 0.0 then 0.0 else if watts > ${METER_MAX_W} then ${METER_MAX_W} else watts)
                    * seconds / 3600.0
                rise = -r._value
                reset = rise < -${COUNTER_DROP_TOLERANCE_WH}
                clamped = rise > bound

                return {
                    _time: r._time,
                    wh: if reset or clamped then fromPower else if rise < 0.0 then 0.0 else rise,
                    seconds: seconds,
                    resets: if reset then 1.0 else 0.0,
                    clamped: if clamped then 1.0 else 0.0,
                }
            },
        )
counterMinutes = (tables=<-, field, column) =>
    tables
        |> map(fn: (r) => ({_time: r._time, _value: column(r: r)}))
        |> group()
        |> aggregateWindow(every: 1m, fn: sum, timeSrc: "_start", createEmpty: false, location: timezone.utc)
        |> set(key: "_field", value: field)
minuteBound = ${METER_MAX_W} * 60.0 / 3600.0
backfill =
    from(bucket: raw)
        |> range(start: start, stop: stop)
        |> filter(fn: (r) => r._measurement == "shelly_energy_minute" and r._field == "imported" and r.phase == "total")
        |> group()
        // two devices (a replaced meter) in one minute: their records add up
        |> aggregateWindow(every: 1m, fn: sum, timeSrc: "_start", createEmpty: false, location: timezone.utc)
        |> map(fn: (r) => ({_time: r._time, _value: float(v: r._value)}))
backfillClamped =
    backfill
        |> filter(fn: (r) => r._value < 0.0 or r._value > minuteBound)
        |> map(fn: (r) => ({_time: r._time, _value: 1.0, _field: "backfill_clamped"}))
electric =
    union(
        tables: [
            counter |> counterMinutes(field: "counter_wh", column: (r) => r.wh),
            counter |> counterMinutes(field: "counter_s", column: (r) => r.seconds),
            counter |> counterMinutes(field: "resets", column: (r) => r.resets),
            counter |> counterMinutes(field: "counter_clamped", column: (r) => r.clamped),
            glitches |> counterMinutes(field: "glitches", column: (r) => r._value),
            backfill
                |> map(
                    fn: (r) =>
                        ({
                            _time: r._time,
                            _value: if r._value < 0.0 then 0.0 else if r._value > minuteBound then minuteBound else r._value,
                            _field: "backfill_wh",
                        }),
                ),
            backfillClamped,
        ],
    )
        |> group()
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> map(
            fn: (r) =>
                ({
                    _time: r._time,
                    kind: "electric",
                    source: "shelly",
                    // a minute with only a skipped glitch sample books nothing
                    wh: if exists r.backfill_wh then r.backfill_wh else if exists r.counter_wh then r.counter_wh else 0.0,
                    seconds: if exists r.backfill_wh then 60.0 else if exists r.counter_s then r.counter_s else 0.0,
                    resets: if exists r.resets then r.resets else 0.0,
                    clamped:
                        (if exists r.counter_clamped then r.counter_clamped else 0.0)
                            +
                            (if exists r.backfill_clamped then r.backfill_clamped else 0.0),
                    glitches: if exists r.glitches then r.glitches else 0.0,
                }),
        )

// The latest rated power within 30 days (the Viessmann source writes it with its polls); -1 when there is none
// (the sentinel keeps the value typed), and then no estimate is written.
ratedKw =
    (union(
        tables: [
            array.from(rows: [{_time: 1970-01-01T00:00:00Z, _value: -1.0}]),
            from(bucket: raw)
                |> range(start: -30d)
                |> filter(fn: (r) => r._measurement == "hp_compressor" and r._field == "rated_power")
                |> map(fn: (r) => ({_time: r._time, _value: float(v: r._value)})),
        ],
    )
        |> group()
        |> sort(columns: ["_time"])
        |> last()
        |> findRecord(fn: (key) => true, idx: 0))._value
inputs =
    from(bucket: raw)
        |> range(start: date.sub(d: ${MAX_GAP_S}s, from: start), stop: stop)
        |> filter(
            fn: (r) =>
                r._measurement == "hp_compressor" and (r._field == "heat_production" or r._field == "modulation")
                    or
                    r._measurement == "hp_power" and r._field == "heat_production"
                    or
                    r._measurement == "hp_temperature" and r._field == "value" and (r.sensor == "supply" or r.sensor
                        ==
                        "return")
                    or
                    r._measurement == "hp_hydraulics" and r._field == "volumetric_flow",
        )
        |> map(
            fn: (r) =>
                ({
                    _time: r._time,
                    _value: float(v: r._value),
                    input: if r._measurement == "hp_temperature" then r.sensor else r._field,
                }),
        )
        |> group(columns: ["input"])
        |> aggregateWindow(every: 1m, fn: mean, timeSrc: "_start", createEmpty: false, location: timezone.utc)
        |> group()
        |> pivot(rowKey: ["_time"], columnKey: ["input"], valueColumn: "_value")
// Every minute of the window (tick), to spread held heat values over the minutes they cover.
grid =
    generate.from(
        count: (int(v: stop) - int(v: start)) / 60000000000,
        fn: (n) => n,
        start: start,
        stop: stop,
    )
        |> map(fn: (r) => ({_time: r._time, _field: "tick", _value: 0.0}))
seconds = (t) => float(v: int(v: t) / 1000000000)
// A device state written when it changes (Viessmann), as rows of field ``field`` to hold until the next one: the
// last value before the window at its start, then each minute's highest (it was on at some moment of the minute)
// and, 1 ns later, the minute's last (what holds after it); the 1970 row keeps the column there when the device has
// no such state. states(start, stop): the state's samples as {_time, _value}. Rows between minutes match no
// minute row of the consumers' pivots: they only carry the held value forward.
heldState = (field, states) =>
    union(
        tables: [
            array.from(rows: [{_time: 1970-01-01T00:00:00Z, _field: field, _value: 0.0}]),
            states(start: date.sub(d: 30d, from: start), stop: start)
                |> group()
                |> sort(columns: ["_time"])
                |> last()
                |> map(fn: (r) => ({_time: start, _field: field, _value: r._value})),
            states(start: start, stop: stop)
                |> group()
                |> aggregateWindow(every: 1m, fn: max, timeSrc: "_start", createEmpty: false, location: timezone.utc)
                |> map(fn: (r) => ({_time: r._time, _field: field, _value: r._value})),
            states(start: start, stop: stop)
                |> group()
                |> sort(columns: ["_time"])
                |> aggregateWindow(every: 1m, fn: last, timeSrc: "_start", createEmpty: false, location: timezone.utc)
                |> map(fn: (r) => ({_time: date.add(d: 1ns, to: r._time), _field: field, _value: r._value})),
        ],
    )
never = array.from(rows: [{_time: 1970-01-01T00:00:00Z, _field: "paused", _value: 0.0}])
// Minutes a heat source must skip (field "paused" > 0, held until the next value): a hybrid's burner firing.
burnerFiring =
    heldState(
        field: "paused",
        states: (start, stop) =>
            from(bucket: raw)
                |> range(start: start, stop: stop)
                |> filter(fn: (r) => r._measurement == "hp_burner" and r._field == "active")
                |> map(fn: (r) => ({_time: r._time, _value: float(v: r._value)})),
    )
// A circuit in a cooling program (1) or not (0), held.
coolingProgram =
    heldState(
        field: "cooling",
        states: (start, stop) =>
            from(bucket: raw)
                |> range(start: start, stop: stop)
                |> filter(fn: (r) => r._measurement == "hp_circuit" and r._field == "program")
                |> map(
                    fn: (r) =>
                        ({_time: r._time, _value: if strings.containsStr(v: r._value, substr: "Cooling") then 1.0 else 0.0}),
                ),
    )
// complete: the inputs a source needs are there (arithmetic on absent columns is an error, not null)
heatMinutes = (source, complete, power, paused=never) => {
    held =
        inputs
            |> filter(fn: complete)
            |> map(fn: (r) => ({_time: r._time, p: power(r: r), next: int(v: r._time)}))
            |> sort(columns: ["_time"], desc: true)
            |> difference(columns: ["next"], keepFirst: true)
            // a value holds until the next one (unix seconds) when that comes within the gap rule
            |> map(
                fn: (r) =>
                    ({r with until:
                            if exists r.next and -r.next / 1000000000 < ${MAX_GAP_S} then
                                seconds(t: r._time) + float(v: -r.next / 1000000000)
                            else
                                seconds(t: r._time),
                    }),
            )

    return
        union(
            tables: [
                held |> map(fn: (r) => ({_time: r._time, _field: "p", _value: r.p})),
                held |> map(fn: (r) => ({_time: r._time, _field: "until", _value: r.until})),
                grid,
                paused,
            ],
        )
            |> group()
            |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
            |> sort(columns: ["_time"])
            |> fill(column: "p", usePrevious: true)
            |> fill(column: "until", usePrevious: true)
            |> fill(column: "paused", usePrevious: true)
            |> filter(
                fn: (r) => exists r.tick and exists r.until and seconds(t: r._time) < r.until and r.paused == 0.0,
            )
            |> map(
                fn: (r) =>
                    ({_time: r._time, kind: "heat", source: source, wh: r.p * 60.0 / 3600.0, seconds: 60.0}),
            )
}

// to() writes tags in the table's column order and InfluxDB takes that order as the series key; a record literal's
// column order varies between runs, which would split one series in two. Re-append the tags one by one in sorted
// order: one series key, the same as line protocol's. Electric minutes carry the counter rule's counts.
electric
    |> map(fn: (r) => ({r with _measurement: "energy_minute"}))
    |> rename(columns: {kind: "_tag_kind", source: "_tag_source"})
    |> map(fn: (r) => ({r with kind: r._tag_kind}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["kind", "source"],
        fieldFn: (r) =>
            ({"wh": r.wh, "seconds": r.seconds, "resets": r.resets, "clamped": r.clamped, "glitches": r.glitches}),
    )
dtFlow =
    heatMinutes(
        source: "dt_flow",
        complete: (r) => exists r.volumetric_flow and exists r.supply and exists r["return"],
        power: (r) => r.volumetric_flow * (r.supply - r["return"]) * 1.163,
        paused: burnerFiring,
    )
// Minutes of cooling: wh = heat taken out of the circuit (positive).
coolingMinutes =
    union(tables: [dtFlow |> map(fn: (r) => ({_time: r._time, _field: "wh", _value: r.wh})), coolingProgram])
        |> group()
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> sort(columns: ["_time"])
        |> fill(column: "cooling", usePrevious: true)
        |> filter(fn: (r) => exists r.wh and r.cooling > 0.0 and r.wh < 0.0)
        |> map(fn: (r) => ({_time: r._time, _field: "cooling_wh", _value: -r.wh}))
// A source's heat minutes without the cooling minutes.
outsideCooling = (tables=<-, source) =>
    union(tables: [tables |> map(fn: (r) => ({_time: r._time, _field: "wh", _value: r.wh})), coolingMinutes])
        |> group()
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> filter(fn: (r) => exists r.wh and not exists r.cooling_wh)
        |> map(fn: (r) => ({_time: r._time, kind: "heat", source: source, wh: r.wh, seconds: 60.0}))
cooling =
    union(
        tables: [
            coolingMinutes,
            electric |> map(fn: (r) => ({_time: r._time, _field: "electric_wh", _value: r.wh})),
            electric |> map(fn: (r) => ({_time: r._time, _field: "electric_seconds", _value: r.seconds})),
        ],
    )
        |> group()
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> filter(fn: (r) => exists r.cooling_wh)
        |> map(
            fn: (r) =>
                ({
                    _time: r._time,
                    kind: "cooling",
                    source: "dt_flow",
                    wh: r.cooling_wh,
                    seconds: 60.0,
                    electric_wh: if exists r.electric_wh then r.electric_wh else 0.0,
                    electric_seconds: if exists r.electric_seconds then r.electric_seconds else 0.0,
                }),
        )

// Metered minutes in a cooling program without flow x dT: their split into cooling and heating is unknown.
unsplit =
    union(
        tables: [
            electric |> map(fn: (r) => ({_time: r._time, _field: "electric_wh", _value: r.wh})),
            electric |> map(fn: (r) => ({_time: r._time, _field: "electric_seconds", _value: r.seconds})),
            dtFlow |> map(fn: (r) => ({_time: r._time, _field: "seen", _value: 1.0})),
            coolingProgram,
        ],
    )
        |> group()
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> sort(columns: ["_time"])
        |> fill(column: "cooling", usePrevious: true)
        // not in the last ${MAX_GAP_S} s: a poll may still come and cover them (a later run books them then)
        |> filter(
            fn: (r) =>
                exists r.electric_wh and r.cooling > 0.0 and not exists r.seen and int(v: r._time) < int(v: stop)
                    -
                    ${MAX_GAP_S} * 1000000000,
        )
        |> map(
            fn: (r) => ({_time: r._time, kind: "unsplit", source: "shelly", wh: r.electric_wh, seconds: r.electric_seconds}),
        )

union(
    tables: [
        unsplit,
        heatMinutes(source: "device", complete: (r) => exists r.heat_production, power: (r) => r.heat_production)
            |> outsideCooling(source: "device"),
        dtFlow |> outsideCooling(source: "dt_flow"),
        heatMinutes(
            source: "estimate",
            complete: (r) => exists r.modulation and ratedKw > 0.0,
            power: (r) => r.modulation * ratedKw * 10.0,
        )
            |> outsideCooling(source: "estimate"),
    ],
)
    |> map(fn: (r) => ({r with _measurement: "energy_minute"}))
    |> rename(columns: {kind: "_tag_kind", source: "_tag_source"})
    |> map(fn: (r) => ({r with kind: r._tag_kind}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["kind", "source"],
        fieldFn: (r) => ({"wh": r.wh, "seconds": r.seconds}),
    )
cooling
    |> map(fn: (r) => ({r with _measurement: "energy_minute"}))
    |> rename(columns: {kind: "_tag_kind", source: "_tag_source"})
    |> map(fn: (r) => ({r with kind: r._tag_kind}))
    |> map(fn: (r) => ({r with source: r._tag_source}))
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["kind", "source"],
        fieldFn: (r) =>
            ({"wh": r.wh, "seconds": r.seconds, "electric_wh": r.electric_wh, "electric_seconds": r.electric_seconds}),
    )
