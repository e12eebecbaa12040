"""Compressor: speed and modulation, starts per hour and per day, runtime per start, run hours, defrosts (flag,
cycles and energy share)."""

from __future__ import annotations

from grafana.generator import board, cycling, defrost, panels, queries
from grafana.generator.overview import today
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

UID = "hp-compressor"

ACTIVE = sel("hp_compressor", "active")
SPEED = sel("hp_compressor", "speed")
MODULATION = sel("hp_compressor", "modulation")
STARTS = sel("hp_compressor", "starts")
HOURS = sel("hp_compressor", "hours")
DEFROST = sel("hp_hydraulics", "defrost")
ROD = sel("hp_heating_rod", "active")


def starts_per(every: str, label: str) -> Shown:
    return Shown(queries.counter_increase(STARTS, every, label), {label: queries.PER_HOUR_UNIT})


def build():  # type: ignore[no-untyped-def]
    return board.dashboard(
        UID,
        "Heat pump · Compressor",
        "Cycling and run time from the device's cumulative counters (UTC-aligned hours and days).",
        "now-7d",
        "5m",
        [
            (
                panels.stat_panel(
                    "Compressor",
                    [panels.latest(ACTIVE, "compressor")],
                    "State at the last poll.",
                    mappings=panels.OnOff,
                ),
                6,
                4,
            ),
            (
                today(
                    panels.stat_panel(
                        "Starts today",
                        [panels.of(STARTS, "starts", queries.counter_total(STARTS, "starts"))],
                        "Increase of the start counter since local midnight.",
                        decimals=0,
                    )
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Runtime per start",
                    [panels.of(HOURS, "h/start", queries.per_start(HOURS, STARTS, None, "h/start"))],
                    "Δrun hours / Δstarts over the range.",
                    decimals=2,
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Run hours", [panels.latest(HOURS, "hours")], "Cumulative compressor hours.", decimals=0
                ),
                6,
                4,
            ),
            (
                panels.time_series(
                    "Speed and modulation",
                    [panels.series(SPEED, "speed"), panels.series(MODULATION, "modulation")],
                    "Speed (E3 models) and modulation (legacy models).",
                ),
                24,
                8,
            ),
            (
                panels.time_series(
                    "Starts per hour",
                    [starts_per("1h", "starts/h")],
                    "Compressor starts per hour (short cycling shows here).",
                    bars=True,
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Starts per day", [starts_per("1d", "starts/day")], "Compressor starts per UTC day.", bars=True
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Runtime per start",
                    [panels.of(HOURS, "h/start", queries.per_start(HOURS, STARTS, "1d", "h/start"))],
                    "Run hours per start per UTC day.",
                ),
                12,
                8,
            ),
            (panels.time_series("Run hours", [panels.series(HOURS, "hours", "last")], "Cumulative run hours."), 12, 8),
            (
                panels.states(
                    "Defrost and heating rod",
                    [panels.series(DEFROST, "defrost", "last"), panels.series(ROD, "heating rod", "last")],
                    "Defrost (device flag at poll time) and heating rod on/off.",
                ),
                24,
                5,
            ),
            (cycling.hint_panel(), 24, 4),
            (cycling.table_panel(), 24, 8),
            (defrost.cycles_panel(), 12, 8),
            (defrost.share_panel(), 12, 8),
        ],
    )
