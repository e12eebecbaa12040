"""The efficiency figures the dashboards compute themselves, checked against hand-computed values on the real
server: COP of a range is Σheat/Σelectricity (not the mean of the daily COPs), % of Carnot is a ratio of
sums, the before/after table splits at the chosen change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.points import point
from grafana.generator import changelog, efficiency, panels
from grafana.generator.queries import with_imports
from tests.conftest import InfluxEnv
from tests.grafana.grafana_emulation import flux_backend, frames, replace_variables

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
DAY = NOW.replace(hour=0) - timedelta(days=3)


def run(influx: InfluxEnv, query: str, start: datetime, variables: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    values = {"rollup_bucket": influx.bucket_rollup, **(variables or {})}
    text = flux_backend(replace_variables(with_imports(query), values), start, NOW, influx.bucket_raw, influx.org)
    return frames(influx.client.query_api().query(text, org=influx.org))


def cop_day(at: datetime, heat: float, electric: float):  # type: ignore[no-untyped-def]
    tags = {"category": "combined", "source": "device", "boundary": "H2"}
    fields = {"cop": heat / electric, "heat_kwh": heat, "electric_kwh": electric, "coverage": 100.0}
    return point("cop_daily", tags, fields, at)


def test_cop_of_a_range_is_the_ratio_of_summed_energies(influx: InfluxEnv) -> None:
    # day 1: 9 kWh heat / 3 kWh electricity (COP 3); day 2: 1 / 1 (COP 1) → 10 / 4 = 2.5, not (3 + 1) / 2
    influx.write([cop_day(DAY, 9.0, 3.0), cop_day(DAY + timedelta(days=1), 1.0, 1.0)], bucket=influx.bucket_rollup)
    found = run(influx, panels.cop_of_range("cop_daily", category="combined").query, DAY - timedelta(hours=1))
    values = {name: values[0] for frame in found for name, values in frame.fields.items() if name != "Time"}
    assert values == {"cop": pytest.approx(2.5), "coverage": pytest.approx(100.0)}
    assert {frame.fields.get("cop") is not None: frame.labels for frame in found}[True] == {
        "source": "device",
        "boundary": "H2",
    }


def test_practical_efficiency_is_the_ratio_of_summed_heat_and_ideal_heat(influx: InfluxEnv) -> None:
    """Two windows of hpm-carnot (tests/flux/test_carnot.py checks how it computes them): 4 kWh of 8 ideal and
    1 of 4 → 5 / 12, not the mean of 50 % and 25 %."""
    tags = {"category": "combined", "source": "device", "boundary": "H2"}
    influx.write(
        [
            point("carnot_30m", tags, {"heat_kwh": heat, "electric_kwh": 1.0, "ideal_kwh": ideal}, at)
            for at, heat, ideal in ((NOW - timedelta(hours=2), 4.0, 8.0), (NOW - timedelta(hours=1), 1.0, 4.0))
        ],
        bucket=influx.bucket_rollup,
    )
    found = run(influx, efficiency.carnot(per_day=False).query, NOW - timedelta(hours=6))
    assert [frame.fields["% of Carnot"] for frame in found] == [[pytest.approx(100 * 5.0 / 12.0)]]


def test_before_after_splits_at_the_change(influx: InfluxEnv) -> None:
    change = DAY
    rows = [cop_day(change - timedelta(days=2), 6.0, 2.0), cop_day(change + timedelta(days=1), 8.0, 2.0)]
    hourly = [
        point("hp_temperature_1h", {"sensor": "outside", "agg": "mean"}, {"value": value}, at)
        for at, value in ((change - timedelta(days=2), 5.0), (change + timedelta(days=1), 20.0))
    ]
    influx.write(rows + hourly, bucket=influx.bucket_rollup)
    found = run(
        influx, changelog.before_after().query, NOW - timedelta(days=30), {"change": str(int(change.timestamp()))}
    )
    table = found[0].fields
    assert table["week"] == ["1 before", "2 after"]
    assert table["cop"] == [pytest.approx(3.0), pytest.approx(4.0)]
    # one hour at 5 °C = (20 − 5) / 24 degree-days before; 20 °C is above the heating limit after
    assert table["degree_days"] == [pytest.approx(15 / 24), pytest.approx(0.0)]
    assert table["kwh_per_degree_day"][0] == pytest.approx(2.0 / (15 / 24))


def test_cop_per_window_is_each_windows_own_cop_zoomed_in_and_their_ratio_of_sums_zoomed_out(
    influx: InfluxEnv,
) -> None:
    """Two 30-min windows in one hour: 9 kWh heat / 3 kWh electricity (COP 3), then 1 / 1 (COP 1). Over a day
    (2-min intervals) and over 12 days (20-min intervals) the panel shows both at their own times; over 40 days (1-h
    intervals) one point, 10 / 4 = 2.5 — not 2."""
    hour = NOW - timedelta(hours=5)
    tags = {"category": "combined", "source": "device", "boundary": "H2"}
    influx.write(
        [
            point("cop_30m", tags, {"cop": h / e, "heat_kwh": h, "electric_kwh": e, "coverage": 100.0}, at)
            for at, h, e in ((hour, 9.0, 3.0), (hour + timedelta(minutes=30), 1.0, 1.0))
        ],
        bucket=influx.bucket_rollup,
    )
    device = efficiency.cop_per_window(efficiency.COP_30M, "COP")[0]
    zoomed_in = run(influx, device.query, NOW - timedelta(days=1))
    assert [(f.fields["_time"], f.fields["COP (device)"]) for f in zoomed_in] == [
        ([hour, hour + timedelta(minutes=30)], [pytest.approx(3.0), pytest.approx(1.0)])
    ]
    # 12 days: 20-min intervals, which would stamp the second window at :20; windows never go below 30 min
    assert [f.fields["_time"] for f in run(influx, device.query, NOW - timedelta(days=12))] == [
        [hour, hour + timedelta(minutes=30)]
    ]
    zoomed_out = run(influx, device.query, NOW - timedelta(days=40))
    assert [(f.fields["_time"], f.fields["COP (device)"]) for f in zoomed_out] == [([hour], [pytest.approx(2.5)])]
