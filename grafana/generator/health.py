"""System health: age of the newest reading per source, Viessmann calls against the budget, outbox, write
latency, failures and the collector's resources."""

from __future__ import annotations

from grafana.generator import board, counter_rule, panels, queries
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

UID = "hp-health"

SHELLY_READING = sel("shelly_power", "power", phase="total")


def health(field: str, source: str) -> queries.Sel:
    return sel("collector_health", field, source=source)


def age_of(title: str, sels: tuple[queries.Sel, ...]) -> Shown:
    return Shown(queries.age(sels, title), {title: queries.AGE_UNIT})


def budget_used() -> Shown:
    """Per window, the most calls in the last 24 h against the window's last budget (the budget changes only with
    the settings); both windowed by storage from raw rows or rollups, whichever suits the range."""
    calls, budget = health("calls_24h", "viessmann"), health("budget_24h", "viessmann")
    query = (
        queries.read_by_span(calls, "max", "calls", window="max")
        + queries.read_by_span(budget, "last", "budget", window="last")
        + "union(tables: [\n"
        + "  calls\n  |> map(fn: (r) => ({_time: r._time, _field: r._field, _value: float(v: r._value)})),\n"
        + "  budget\n  |> map(fn: (r) => ({_time: r._time, _field: r._field, _value: float(v: r._value)})),\n"
        + "])\n"
        + "  |> group()\n"
        + '  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")\n'
        + "  |> filter(fn: (r) => exists r.calls_24h and r.budget_24h > 0.0)\n"
        + "  |> map(fn: (r) => ({_time: r._time, _value: 100.0 * r.calls_24h / r.budget_24h}))\n"
        + queries.named("budget used")
    )
    return Shown(query, {"budget used": queries.PERCENT_UNIT})


def budget_used_now() -> Shown:
    """The newest health row's share (one row for the stat), within 15 min like every sampled "now" figure."""
    query = queries.budget_percent(start="-15m", stop="now()") + "\n  |> last()\n" + queries.named("budget used")
    return Shown(query, {"budget used": queries.PERCENT_UNIT})


def rejected_values() -> Shown:
    """Device values rejected at the edge, one series per source and reason (cumulative since the collector
    started: a rising line is a device sending garbage, docs/schema.md lists what counts as implausible)."""
    s = sel("collector_rejected", "count")
    query = (
        # one series per source and reason already: no group() before aggregateWindow, which storage then computes
        queries.read_by_span(s, "last", window="max") + "data\n" + queries.as_series("rejected", ("source", "reason"))
    )
    return Shown(query, {"rejected": s.unit}, {"rejected": "${__field.labels.source} · ${__field.labels.reason}"})


def build():  # type: ignore[no-untyped-def]
    return board.dashboard(
        UID,
        "Heat pump · System health",
        "Is the collector alive, within the Viessmann budget, and are writes to InfluxDB keeping up?",
        "now-24h",
        "30s",
        [
            (
                panels.stat_panel(
                    "Shelly reading age",
                    [age_of("Shelly", (SHELLY_READING,))],
                    "Seconds since the newest Shelly sample (10 s period).",
                    decimals=0,
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Viessmann poll age",
                    [Shown(queries.since_success("viessmann", "Viessmann"), {"Viessmann": queries.AGE_UNIT})],
                    "Seconds since the last successful Viessmann poll (period ~2 min; values the device did not "
                    "update are not rewritten, so the age of readings says little).",
                    decimals=0,
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Viessmann budget used",
                    [budget_used_now()],
                    "Calls in the last 24 h / the collector's share of the plan.",
                    decimals=0,
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Outbox",
                    [panels.latest(health("outbox_depth", "writer"), "outbox")],
                    "Points waiting for InfluxDB; grows while writes fail.",
                    decimals=0,
                ),
                6,
                4,
            ),
            (
                panels.time_series(
                    "Viessmann calls vs budget",
                    [
                        panels.series(health("calls_24h", "viessmann"), "calls 24 h", "max"),
                        panels.series(health("budget_24h", "viessmann"), "budget 24 h", "last"),
                        panels.series(health("calls_10min", "viessmann"), "calls 10 min", "max"),
                    ],
                    "API calls in the sliding windows against the collector's share.",
                ),
                12,
                8,
            ),
            (panels.time_series("Budget used", [budget_used()], "Share of the daily budget used."), 12, 8),
            (
                panels.time_series(
                    "Outbox and dead letters",
                    [
                        panels.series(health("outbox_depth", "writer"), "outbox", "max"),
                        panels.series(health("dead_letters", "writer"), "dead letters", "max"),
                    ],
                    "Points waiting / points InfluxDB rejected.",
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Write latency",
                    [panels.series(health("write_latency", "writer"), "latency", "max")],
                    "Duration of the InfluxDB writes.",
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Consecutive failures",
                    [panels.series_by(sel("collector_health", "consecutive_failures"), "source", "failures", "max")],
                    "Failed polls since the last success, per source.",
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Rejected device values",
                    [rejected_values()],
                    "Values a device sent that were not written (implausible, malformed, out of time, unknown unit, "
                    "duplicate minute, skipped history page, unusable device id), per source and reason, counted "
                    "since the collector started. The collector log names the first one of each episode.",
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Collector memory and CPU",
                    [
                        panels.series(health("rss", "process"), "memory", "max"),
                        panels.series(health("cpu_seconds", "process"), "CPU time", "last"),
                    ],
                    "Resident memory and cumulative CPU time of the collector process.",
                ),
                12,
                8,
            ),
            (counter_rule.panel(), 12, 4),
        ],
    )
