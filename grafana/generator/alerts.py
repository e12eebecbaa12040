"""Alert rules in Grafana's file-provisioning format (not the SDK's HTTP-API model; see the notes' table).

Each rule: a Flux query (A), Reduce (B) and Threshold (C, the condition). Flux in rules uses fixed ranges and
no ``v.windowPeriod``, and yields ``_time``/``_value`` series with the tags as labels. Thresholds live in RULES
(one row per rule); Grafana cannot interpolate the environment into rule queries, so changing one means editing
this table and running ``scripts/generate-dashboards``. Contact points and the notification policy depend on
the environment and are written at container start by grafana/provisioning/alerting/contact-points.sh.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from grafana.generator import board, queries
from grafana.generator.queries import sel

ORG_ID = 1
GROUP = "heat-pump"
EVALUATE_EVERY = "1m"
EXPR = "__expr__"

# Expected minimum daily COP at outside temperature T (°C): MIN_COP_AT_0C + MIN_COP_PER_K × T.
MIN_COP_AT_0C = 2.0
MIN_COP_PER_K = 0.05


@dataclass(frozen=True)
class Rule:
    uid: str
    title: str
    query: str  # Flux yielding _time/_value series
    window_s: int  # relativeTimeRange.from: how far back Grafana's range reaches
    op: str  # a Grafana threshold type: gt | lt | gte | lte
    threshold: float
    pending: str  # "for"
    severity: str  # critical | warning
    summary: str  # what happened and the value ({{ $values.B.Value }})
    check: str  # what to check
    no_data: str = "OK"
    datasource: str = queries.INFLUX.uid or ""
    reducer: str = "last"


def _now(query: str) -> str:
    """Stamp a single aggregated value with the evaluation time, so Grafana receives a series."""
    return f"{query}\n  |> map(fn: (r) => ({{r with _time: now(), _value: float(v: r._value)}}))"


def _read(measurement: str, field: str, start: str, alert: bool = False, **tags: str) -> str:
    return queries.read(sel(measurement, field, **tags), start=start, stop="now()", alert=alert)


def _floats(query: str) -> str:
    return f"{query}\n  |> map(fn: (r) => ({{r with _value: float(v: r._value)}}))"


STALE_S = 900
SHELLY_FAILURES = 5
# The collector paces itself to 90 % of its share (settings.viessmann_effective_poll_seconds): only a configured
# poll period or restarts that log in again push it towards the share's end.
BUDGET_PERCENT = 95.0
VIESSMANN_STALE_S = 3600
OUTBOX_GROWTH = 500
STARTS_PER_HOUR = 3.0
CYCLING_HOURS = 3
ROD_HOURS = 2
DHW_MIN_C = 40.0


def cop_vs_outside() -> str:
    """Yesterday's (last complete local day's) COP minus the minimum expected at that day's outside temperature."""
    cop = sel("cop_daily", "cop", category="combined")
    outside = sel("hp_temperature_1h", "value", sensor="outside", agg="mean")
    return f"""import "date"

cop = {queries.read(cop, start="-3d", stop="-1d", alert=True)}
  |> group(columns: ["source", "boundary"])
  |> last()
latest = cop |> group() |> max(column: "_time") |> findColumn(fn: (key) => true, column: "_time")
day = if length(arr: latest) > 0 then latest[0] else now()
temps = {queries.read(outside, start="day", stop="date.add(d: 1d, to: day)", alert=True)}
  |> group()
  |> mean()
  |> findColumn(fn: (key) => true, column: "_value")
expected = if length(arr: temps) > 0 then {MIN_COP_AT_0C} + {MIN_COP_PER_K} * temps[0] else {MIN_COP_AT_0C}
cop
  |> filter(fn: (r) => r._time == day)
  |> map(fn: (r) => ({{r with _value: r._value - expected}}))"""


def heating_rod_on_hours() -> str:
    """Hours the heating rod has been on without a break (0 while off). Points arrive only on changes, so the
    last value is carried to now before measuring the state's duration."""
    rod = f"rod = {_read('hp_heating_rod', 'active', '-' + queries.CARRY_IN)}\n" + (
        "  |> map(fn: (r) => ({r with _value: float(v: r._value)}))\n"
    )
    return (
        rod
        + "now_row = rod |> last() |> map(fn: (r) => ({r with _time: now()}))\n"
        + "union(tables: [rod, now_row])\n"
        + '  |> sort(columns: ["_time"])\n'
        + '  |> stateDuration(fn: (r) => r._value == 1.0, column: "on_s", unit: 1s)\n'
        + "  |> last()\n"
        + "  |> map(fn: (r) => ({r with _value: if r.on_s > 0 then float(v: r.on_s) / 3600.0 else 0.0}))\n"
        + '  |> drop(columns: ["on_s"])'
    )


RULES = (
    Rule(
        "hp-fault",
        "Heat pump reports a fault",
        _floats(_read("hp_error", "active", "-1h")),
        3600,
        "gt",
        0,
        "0m",
        "critical",
        "The heat pump reports fault {{ $labels.code }} (priority {{ $labels.priority }}).",
        "Read the code on the device display or in ViCare; the Changelog dashboard shows recent setting changes.",
    ),
    Rule(
        "hp-locked",
        "Heat pump locked after a malfunction",
        # written when the lock changes: the newest state within the carry-in window is the state now
        _floats(_read("hp_restriction", "malfunction_lock", "-" + queries.CARRY_IN)),
        30 * 86400,
        "gt",
        0,
        "0m",
        "critical",
        "The heat pump has locked itself after a malfunction: it neither heats nor makes hot water.",
        "Read the fault on the device display or in ViCare; once the cause is fixed the lock is reset on the device "
        "(often by the installer). The heating rod may keep the house from freezing meanwhile.",
    ),
    Rule(
        "collector-stale",
        "No new readings",
        queries.age(
            (sel("shelly_power", "power", phase="total"), sel("collector_health", "consecutive_failures")),
            "age",
            "-7d",
        ),
        900,
        "gt",
        STALE_S,
        "5m",
        "critical",
        "The newest reading is {{ humanizeDuration $values.B.Value }} old (limit " + f"{STALE_S} s).",
        "Is the collector container running (docker compose ps / logs collector)? Can it reach InfluxDB?",
        no_data="Alerting",
    ),
    Rule(
        "shelly-unreachable",
        "Shelly Pro 3EM unreachable",
        _floats(_read("collector_health", "consecutive_failures", "-10m", source="shelly")),
        600,
        "gt",
        SHELLY_FAILURES,
        "2m",
        "critical",
        "{{ $values.B.Value }} Shelly polls in a row failed.",
        "Is the meter powered and on the network (ping its address, open its web page)? Password changed?",
    ),
    Rule(
        "viessmann-budget",
        f"Viessmann API budget above {BUDGET_PERCENT:.0f} %",
        queries.budget_percent(start="-15m", stop="now()"),
        900,
        "gt",
        BUDGET_PERCENT,
        "0m",
        "warning",
        "The collector used {{ humanize $values.B.Value }} % of its daily Viessmann budget.",
        "Another client (ViCare app, Home Assistant) may share the account; raise HPM_VIESSMANN_POLL_SECONDS.",
    ),
    Rule(
        "viessmann-stale",
        "No new Viessmann data",
        queries.since_success("viessmann", "age"),
        86400,
        "gt",
        VIESSMANN_STALE_S,
        "5m",
        "warning",
        "The last successful Viessmann poll was {{ humanizeDuration $values.B.Value }} ago (limit "
        + f"{VIESSMANN_STALE_S} s).",
        "System health shows the Viessmann source's state: login failing (password, client id), cloud down, "
        "or the rate limit?",
    ),
    Rule(
        "viessmann-rate-limited",
        "Viessmann API rate limit hit",
        f"{_read('collector_health', 'state', '-15m', source='viessmann')}\n"
        '  |> map(fn: (r) => ({r with _value: if r._value == "rate_limited" then 1.0 else 0.0}))',
        900,
        "gt",
        0,
        "0m",
        "warning",
        "Viessmann answered with a rate limit; the collector is backing off.",
        "Check who else polls the account; the System health dashboard shows calls against the budget.",
        reducer="max",
    ),
    Rule(
        "outbox-growing",
        "InfluxDB writes failing (outbox growing)",
        _now(f"{_read('collector_health', 'outbox_depth', '-30m', source='writer')}\n  |> difference()\n  |> sum()"),
        1800,
        "gt",
        OUTBOX_GROWTH,
        "5m",
        "critical",
        "The outbox grew by {{ humanize $values.B.Value }} points in 30 min: writes to InfluxDB are failing.",
        "Is InfluxDB up and its disk not full? Is the collector's token still valid (logs collector)?",
    ),
    Rule(
        "cop-low",
        "Daily COP below expectation",
        cop_vs_outside(),
        259200,
        "lt",
        0,
        "0m",
        "warning",
        "Yesterday's COP ({{ $labels.source }} heat, {{ $labels.boundary }}) was {{ humanize $values.B.Value }} "
        f"below the expected minimum ({MIN_COP_AT_0C} + {MIN_COP_PER_K} × outside °C).",
        "Look for changes (Changelog), defrost or heating-rod use, flow temperature and the heat-meter source.",
        datasource=queries.INFLUX_ROLLUP.uid or "",
    ),
    Rule(
        "short-cycling",
        "Compressor short cycling",
        _now(
            f"{_read('hp_compressor', 'starts', f'-{CYCLING_HOURS}h')}\n"
            f"  |> difference(nonNegative: true)\n  |> sum()\n"
            f"  |> map(fn: (r) => ({{r with _value: float(v: r._value) / {float(CYCLING_HOURS)}}}))"
        ),
        CYCLING_HOURS * 3600,
        "gt",
        STARTS_PER_HOUR,
        "0m",
        "warning",
        "{{ humanize $values.B.Value }} compressor starts per hour over the last " + f"{CYCLING_HOURS} h.",
        "Heating curve too high, too little flow (closed valves) or minimum power above the heat demand?",
    ),
    Rule(
        "heating-rod-long",
        "Heating rod running long",
        heating_rod_on_hours(),
        ROD_HOURS * 3600,
        "gte",
        ROD_HOURS,
        "0m",
        "warning",
        f"The heating rod has been on for at least {ROD_HOURS} h.",
        "Is the heat pump in fault or locked out, the bivalence point too high, or a legionella run stuck?",
    ),
    Rule(
        "dhw-low",
        "Hot water too cold",
        _now(f"{_read('hp_temperature', 'value', '-' + queries.CARRY_IN, sensor='dhw')}\n  |> last()"),
        1800,
        "lt",
        DHW_MIN_C,
        "30m",
        "warning",
        "Hot water is at {{ humanize $values.B.Value }} °C (limit " + f"{DHW_MIN_C} °C).",
        "Hot-water mode off or in a holiday program? Does the compressor run while charging (Compressor dashboard)?",
    ),
)


def rule_document(rule: Rule) -> dict[str, object]:
    expr = {"type": EXPR, "uid": EXPR}
    return {
        "uid": rule.uid,
        "title": rule.title,
        "condition": "C",
        "data": [
            {
                "refId": "A",
                "relativeTimeRange": {"from": rule.window_s, "to": 0},
                "datasourceUid": rule.datasource,
                "model": {
                    "refId": "A",
                    "query": queries.with_imports(rule.query),
                    "intervalMs": 60000,
                    "maxDataPoints": 43200,
                },
            },
            {
                "refId": "B",
                "datasourceUid": EXPR,
                "model": {
                    "refId": "B",
                    "type": "reduce",
                    "expression": "A",
                    "reducer": rule.reducer,
                    "settings": {"mode": "dropNN"},
                    "datasource": expr,
                },
            },
            {
                "refId": "C",
                "datasourceUid": EXPR,
                "model": {
                    "refId": "C",
                    "type": "threshold",
                    "expression": "B",
                    "conditions": [{"evaluator": {"type": rule.op, "params": [rule.threshold]}}],
                    "datasource": expr,
                },
            },
        ],
        "noDataState": rule.no_data,
        "execErrState": "Error",
        "for": rule.pending,
        "labels": {"severity": rule.severity},
        "annotations": {"summary": rule.summary, "description": rule.check},
        "isPaused": False,
    }


def rules_document() -> dict[str, object]:
    return {
        "apiVersion": 1,
        "groups": [
            {
                "orgId": ORG_ID,
                "name": GROUP,
                "folder": board.ALERT_FOLDER_TITLE,
                "interval": EVALUATE_EVERY,
                "rules": [rule_document(rule) for rule in RULES],
            }
        ],
    }


class _Dumper(yaml.SafeDumper):
    """Readable YAML: Flux as literal blocks, no anchors/aliases for repeated values."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _text)


def rules_yaml() -> str:
    header = "# Generated by scripts/generate-dashboards (grafana/generator/alerts.py): edit the generator, not this.\n"
    return header + yaml.dump(rules_document(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
