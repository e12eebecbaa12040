// Device-reported electricity / Shelly electricity per local day (device_crosscheck, local yesterday and today
// so far), from energy_daily; a mixed boundary (the Shelly meters ${BOUNDARY}), so the ratio should be stable
// and <= 1. Written only when the Shelly day has at least ${MIN_ELECTRIC_KWH} kWh.
import "date"
import "timezone"

option task = {name: "hpm-device-crosscheck", every: 1h, offset: 5m}
option location = timezone.location(name: "${TIMEZONE}")

stop = date.truncate(t: now(), unit: 1m)
start = date.sub(d: 1d, from: date.truncate(t: now(), unit: 1d))

from(bucket: "${BUCKET_ROLLUP}")
    |> range(start: start, stop: stop)
    |> filter(
        fn: (r) =>
            r._measurement == "energy_daily" and r._field == "kwh" and r.kind == "electric" and r.usage == "total"
                and
                (r.source == "device" or r.source == "shelly"),
    )
    |> group()
    |> pivot(rowKey: ["_time"], columnKey: ["source"], valueColumn: "_value")
    |> filter(fn: (r) => exists r.device and exists r.shelly and r.shelly >= ${MIN_ELECTRIC_KWH})
    |> map(
        fn: (r) =>
            ({
                _time: r._time,
                _measurement: "device_crosscheck",
                boundary: "${BOUNDARY}",
                electric_ratio: r.device / r.shelly,
                device_electric_kwh: r.device,
                shelly_electric_kwh: r.shelly,
            }),
    )
    |> to(
        bucket: "${BUCKET_ROLLUP}",
        org: "${ORG}",
        tagColumns: ["boundary"],
        fieldFn: (r) =>
            ({
                "electric_ratio": r.electric_ratio,
                "device_electric_kwh": r.device_electric_kwh,
                "shelly_electric_kwh": r.shelly_electric_kwh,
            }),
    )
