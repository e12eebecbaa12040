"""What the report shows, read from the series the tasks write and the dashboards read (never recomputed
differently): cop_30m (the Efficiency dashboard's ratio of sums), jaz, performance_map, defrost_daily, the
changelog and, per change, the weather-normalised before/after of collector.insights.performance.compare (the
Changelog dashboard's twin)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from influxdb_client import InfluxDBClient

from collector.changelog.store import Change, ChangelogStore
from collector.changelog.tracker import changelog_path
from collector.insights.performance import Comparison, Window, compare
from collector.settings import Settings

HEAT_SOURCES = ("device", "dt_flow", "estimate")  # preferred first: the estimate only when nothing else exists
COMPARE_DAYS = 14  # as the Changelog dashboard: two weeks before against two weeks after
SHORT_DAY_SHARE = 0.8  # a day whose COP windows cover less of it is listed as short of data
SUPPORTING_HOURS = 3.0  # a performance-map bin with fewer hours is not plotted (too few windows to judge)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            moment = datetime.strptime(text, "%Y-%m")
        except ValueError:
            raise ValueError(f"month {text!r} is not YYYY-MM") from None
        return cls(moment.year, moment.month)

    @classmethod
    def before(cls, day: date) -> Month:
        return cls(day.year - (day.month == 1), (day.month - 2) % 12 + 1)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def bounds(self, settings: Settings) -> tuple[datetime, datetime]:
        """[first local midnight, next month's first local midnight) as UTC instants."""
        tz = settings.tz
        start = datetime.combine(self.first, datetime.min.time(), tz)
        stop = datetime.combine(self.next.first, datetime.min.time(), tz)
        return start.astimezone(UTC), stop.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Day:
    day: date
    heat_kwh: float
    electric_kwh: float
    hours: float  # hours with a complete COP window


@dataclass(frozen=True)
class Jaz:
    period: str
    jaz: float
    heat_kwh: float
    electric_kwh: float
    coverage: float
    days: int
    status: str
    source: str
    as_of: date


@dataclass(frozen=True)
class MapBin:
    outside_c: int  # lower edge of the 1 K bin
    cop: float
    hours: float


@dataclass(frozen=True)
class ChangeEffect:
    change: Change
    effect: Comparison | None  # None: no outside-temperature bin with enough windows on both sides


@dataclass(frozen=True)
class Metered:
    """The Shelly's electricity of the month over every hour (energy_monthly), idle hours included."""

    kwh: float
    coverage: float


@dataclass(frozen=True)
class Defrosts:
    count: float
    api_count: float
    electric_kwh: float
    share_pct: float


@dataclass
class ReportData:
    month: Month
    boundary: str
    source: str | None  # heat source of the COP figures
    days: list[Day] = field(default_factory=list)
    hours_covered: float = 0.0  # hours of the month with a complete 30-minute COP window
    hours_in_month: float = 0.0
    jaz: list[Jaz] = field(default_factory=list)
    season: str | None = None
    performance_map: list[MapBin] = field(default_factory=list)
    defrosts: Defrosts | None = None
    changes: list[ChangeEffect] = field(default_factory=list)
    tariff_eur_per_kwh: float | None = None
    short_days: list[date] = field(default_factory=list)  # local days with COP windows for < 80 % of their hours
    metered: Metered | None = None

    @property
    def heat_kwh(self) -> float:
        return sum(d.heat_kwh for d in self.days)

    @property
    def electric_kwh(self) -> float:
        return sum(d.electric_kwh for d in self.days)

    @property
    def cop(self) -> float | None:
        """Σheat / Σelectricity of the month's windows (never a mean of daily COPs)."""
        return self.heat_kwh / self.electric_kwh if self.electric_kwh > 0 else None

    @property
    def coverage_pct(self) -> float:
        return 100.0 * self.hours_covered / self.hours_in_month if self.hours_in_month else 0.0

    @property
    def cost_eur(self) -> float | None:
        """The metered month's electricity at the tariff (the COP windows' only when no meter month exists)."""
        if self.tariff_eur_per_kwh is None:
            return None
        return (self.metered.kwh if self.metered else self.electric_kwh) * self.tariff_eur_per_kwh


class ReportQueryError(RuntimeError):
    pass


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Reader:
    """Flux reads with the read-only token."""

    def __init__(self, settings: Settings, token: str) -> None:
        self.settings = settings
        self.client = InfluxDBClient(url=settings.influx_url, token=token, org=settings.influx_org, timeout=120_000)

    def close(self) -> None:
        self.client.close()

    def rows(self, flux: str) -> list[dict]:
        try:
            tables = self.client.query_api().query(flux, org=self.settings.influx_org)
        except Exception as error:  # the client raises ApiException, urllib3 and socket errors alike
            raise ReportQueryError(f"InfluxDB query failed: {str(error)[:300]}") from None
        return [record.values for table in tables for record in table.records]

    def pivoted(
        self, bucket: str, start: datetime, stop: datetime, measurement: str, where: str = "true"
    ) -> list[dict]:
        return self.rows(
            f'from(bucket: "{bucket}")\n'
            f"  |> range(start: {_iso(start)}, stop: {_iso(stop)})\n"
            f'  |> filter(fn: (r) => r._measurement == "{measurement}")\n'
            f"  |> filter(fn: (r) => {where})\n"
            '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")'
        )


def read_report(settings: Settings, month: Month, token: str) -> ReportData:
    start, stop = month.bounds(settings)
    data = ReportData(
        month=month,
        boundary=settings.system_boundary,
        source=None,
        hours_in_month=(stop - start).total_seconds() / 3600,
        tariff_eur_per_kwh=settings.report_tariff_eur_per_kwh,
    )
    reader = Reader(settings, token)
    try:
        windows = _windows(reader, start - timedelta(days=COMPARE_DAYS), stop + timedelta(days=COMPARE_DAYS))
        data.source = next((s for s in HEAT_SOURCES if any(w.source == s for w in windows)), None)
        mine = [w for w in windows if w.source == data.source]
        _month_figures(data, [w for w in mine if to_ns(start) <= w.time_ns < to_ns(stop)], settings)
        data.metered = _metered(reader, settings, start)
        data.jaz = _jaz(reader, settings, start, stop)
        data.season, data.performance_map = _performance_map(reader, settings, data.source, stop)
        data.defrosts = _defrosts(reader, settings, start, stop)
        data.changes = _changes(settings, mine, start, stop)
    finally:
        reader.close()
    return data


def to_ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000


def _windows(reader: Reader, start: datetime, stop: datetime) -> list[Window]:
    """The combined cop_30m windows with their mean outside temperature (as the performance map bins them)."""
    s = reader.settings
    rows = reader.rows(
        'import "join"\n'
        f'cop = from(bucket: "{s.influx_bucket_rollup}")\n'
        f"  |> range(start: {_iso(start)}, stop: {_iso(stop)})\n"
        '  |> filter(fn: (r) => r._measurement == "cop_30m" and r.category == "combined")\n'
        '  |> filter(fn: (r) => r._field == "heat_kwh" or r._field == "electric_kwh")\n'
        '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")\n'
        '  |> group() |> keep(columns: ["_time", "source", "boundary", "heat_kwh", "electric_kwh"])\n'
        f'outside = from(bucket: "{s.influx_bucket_raw}")\n'
        f"  |> range(start: {_iso(start)}, stop: {_iso(stop)})\n"
        '  |> filter(fn: (r) => r._measurement == "hp_temperature" and r._field == "value" and r.sensor == "outside")\n'
        "  |> group()\n"
        '  |> aggregateWindow(every: 30m, fn: mean, createEmpty: false, timeSrc: "_start")\n'
        '  |> keep(columns: ["_time", "_value"])\n'
        "join.left(left: cop, right: outside, on: (l, r) => l._time == r._time,\n"
        "  as: (l, r) => ({l with outside: r._value}))"
    )
    return [
        Window(
            time_ns=to_ns(row["_time"]),
            heat_kwh=float(row["heat_kwh"]),
            electric_kwh=float(row["electric_kwh"]),
            outside_c=float(row["outside"]) if row.get("outside") is not None else math.nan,
            source=row["source"],
            boundary=row["boundary"],
        )
        for row in rows
        if row.get("heat_kwh") is not None and row.get("electric_kwh") is not None
    ]


def _month_figures(data: ReportData, windows: list[Window], settings: Settings) -> None:
    per_day: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for w in windows:
        day = datetime.fromtimestamp(w.time_ns / 1e9, settings.tz).date()
        per_day[day][0] += w.heat_kwh
        per_day[day][1] += w.electric_kwh
        per_day[day][2] += 0.5
    data.days = [Day(d, heat, electric, hours) for d, (heat, electric, hours) in sorted(per_day.items())]
    data.hours_covered = 0.5 * len(windows)
    day = data.month.first
    while day < data.month.next.first:
        start = datetime.combine(day, datetime.min.time(), settings.tz)
        hours = (datetime.combine(day + timedelta(days=1), datetime.min.time(), settings.tz) - start).total_seconds()
        if per_day.get(day, [0.0, 0.0, 0.0])[2] < SHORT_DAY_SHARE * hours / 3600:
            data.short_days.append(day)
        day += timedelta(days=1)


def _metered(reader: Reader, settings: Settings, start: datetime) -> Metered | None:
    rows = reader.pivoted(
        settings.influx_bucket_rollup,
        start,
        start + timedelta(seconds=1),  # stamped at the month's first local midnight
        "energy_monthly",
        'r.kind == "electric" and r.source == "shelly" and r.usage == "total"',
    )
    return Metered(float(rows[0]["kwh"]), float(rows[0]["coverage"])) if rows else None


def _jaz(reader: Reader, settings: Settings, start: datetime, stop: datetime) -> list[Jaz]:
    """The last JAZ written up to the month's end, per period: the task stamps it at today's local midnight and
    counts complete days, so the one stamped at the next month's first midnight covers the whole month."""
    rows = reader.pivoted(
        settings.influx_bucket_rollup,
        start,
        stop + timedelta(seconds=1),
        "jaz",
        f'r.boundary == "{settings.system_boundary}"',
    )
    latest: dict[str, dict] = {}
    for row in rows:
        if row["period"] not in latest or row["_time"] >= latest[row["period"]]["_time"]:
            latest[row["period"]] = row
    order = {"season": 0, "ytd": 1, "rolling365": 2}
    return [
        Jaz(
            period=row["period"],
            jaz=float(row["jaz"]),
            heat_kwh=float(row["heat_kwh"]),
            electric_kwh=float(row["electric_kwh"]),
            coverage=float(row["coverage"]),
            days=int(row["days"]),
            status=row["status"],
            source=row["source"],
            as_of=row["_time"].astimezone(settings.tz).date(),
        )
        for row in sorted(latest.values(), key=lambda r: order.get(r["period"], 9))
    ]


def _performance_map(
    reader: Reader, settings: Settings, source: str | None, stop: datetime
) -> tuple[str | None, list[MapBin]]:
    """The season's map as written by the last run up to the month's end (points stamped at the season start)."""
    if source is None:
        return None, []
    rows = reader.pivoted(
        settings.influx_bucket_rollup,
        stop - timedelta(days=366),
        stop,
        "performance_map",
        f'r.flow_bin == "all" and r.category == "combined" and r.source == "{source}"'
        f' and r.boundary == "{settings.system_boundary}"',
    )
    if not rows:
        return None, []
    season = max(rows, key=lambda r: r["_time"])["season"]
    bins = [
        MapBin(int(r["outside_bin"]), float(r["cop"]), float(r["hours"]))
        for r in rows
        if r["season"] == season and float(r["hours"]) >= SUPPORTING_HOURS
    ]
    return season, sorted(bins, key=lambda b: b.outside_c)


def _defrosts(reader: Reader, settings: Settings, start: datetime, stop: datetime) -> Defrosts | None:
    rows = reader.pivoted(settings.influx_bucket_rollup, start, stop, "defrost_daily")
    if not rows:
        return None
    electric = sum(float(r.get("electric_kwh") or 0.0) for r in rows)
    share_base = sum(
        float(r.get("electric_kwh") or 0.0) * 100.0 / float(r["share"]) for r in rows if float(r.get("share") or 0) > 0
    )
    return Defrosts(
        count=sum(float(r.get("count") or 0.0) for r in rows),
        api_count=sum(float(r.get("api_count") or 0.0) for r in rows),
        electric_kwh=electric,
        share_pct=100.0 * electric / share_base if share_base > 0 else 0.0,
    )


def _changes(settings: Settings, windows: list[Window], start: datetime, stop: datetime) -> list[ChangeEffect]:
    """The month's changes and notes; for each change the normalised effect over the two weeks on each side."""
    path: Path = changelog_path(settings)
    if not path.exists():
        return []
    store = ChangelogStore(path)
    try:
        changes = [
            c for c in store.changes() if c.kind != "baseline" and start.timestamp() <= c.time < stop.timestamp()
        ]
    finally:
        store.close()
    effects = []
    span = COMPARE_DAYS * 86400 * 1_000_000_000
    usable = [w for w in windows if not math.isnan(w.outside_c)]
    for change in changes:
        at = change.time * 1_000_000_000
        before = [w for w in usable if at - span <= w.time_ns < at]
        after = [w for w in usable if at <= w.time_ns < at + span]
        effects.append(ChangeEffect(change, compare(before, after) if change.kind == "change" else None))
    return effects
