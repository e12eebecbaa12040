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
BURNER_ACTIVE = sel("hp_burner", "active")
BURNER_HOURS = sel("hp_burner", "hours")
BURNER_STARTS = sel("hp_burner", "starts")
BURNER_MODULATION = sel("hp_burner", "modulation")
HYBRID_ROW = "Hybrid: gas burner (heat pumps with a burner only)"


def burner_share() -> Shown:
    """The burner's share of the heat generators' run time: gas heat is not heat-pump heat."""
    label = "burner share"
    return Shown(queries.runtime_share(BURNER_HOURS, HOURS, label), {label: queries.PERCENT_UNIT})


def hybrid_panels() -> list:  # type: ignore[type-arg]
    """Burner runtime beside the compressor's (the Compressor dashboard's Hybrid row)."""
    return [
        (
            panels.stat_panel(
                "Burner", [panels.latest(BURNER_ACTIVE, "burner")], "State at the last poll.", mappings=panels.OnOff
            ),
            6,
            4,
        ),
        (
            panels.stat_panel(
                "Burner share of run time",
                [burner_share()],
                "Δburner hours / (Δburner hours + Δcompressor hours) over the range. COP and JAZ count heat-pump "
                "heat only; this is how much of the heating the gas burner did instead.",
                decimals=0,
            ),
            6,
            4,
        ),
        (
            today(
                panels.stat_panel(
                    "Burner starts today",
                    [panels.of(BURNER_STARTS, "starts", queries.counter_total(BURNER_STARTS, "starts"))],
                    "Increase of the burner's start counter since local midnight.",
                    decimals=0,
                )
            ),
            6,
            4,
        ),
        (
            panels.stat_panel(
                "Burner run hours", [panels.latest(BURNER_HOURS, "hours")], "Cumulative burner hours.", decimals=0
            ),
            6,
            4,
        ),
        (
            panels.time_series(
                "Run hours per day: burner and compressor",
                [
                    Shown(queries.counter_increase(BURNER_HOURS, "1d", "burner"), {"burner": "h"}),
                    Shown(queries.counter_increase(HOURS, "1d", "compressor"), {"compressor": "h"}),
                ],
                "Increase of the run-hour counters per UTC day.",
                bars=True,
            ),
            12,
            8,
        ),
        (
            panels.time_series(
                "Burner modulation", [panels.series(BURNER_MODULATION, "modulation")], "Burner modulation."
            ),
            12,
            8,
        ),
    ]


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
        rows=((HYBRID_ROW, hybrid_panels()),),
    )
