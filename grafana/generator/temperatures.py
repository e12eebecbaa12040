"""Temperatures & hydraulics: outside, supply/return and ΔT, hot water, buffer, circuits, flow, pressure."""

from __future__ import annotations

from grafana.generator import board, panels, queries
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

UID = "hp-temperatures"


def temp(sensor: str) -> queries.Sel:
    return sel("hp_temperature", "value", sensor=sensor)


FLOW = sel("hp_hydraulics", "volumetric_flow")
PRESSURE = sel("hp_hydraulics", "supply_pressure")


def build():  # type: ignore[no-untyped-def]
    return board.dashboard(
        UID,
        "Heat pump · Temperatures & hydraulics",
        "Temperatures the heat pump reports, ΔT, flow and pressure. Long ranges read hourly rollups.",
        "now-24h",
        "1m",
        [
            *(
                (
                    panels.stat_panel(
                        title, [panels.latest(temp(sensor), title)], "Newest reading of the last 15 min.", decimals=1
                    ),
                    6,
                    4,
                )
                for title, sensor in (
                    ("Outside", "outside"),
                    ("Supply", "supply"),
                    ("Return", "return"),
                    ("Hot water", "dhw"),
                )
            ),
            (panels.time_series("Outside", [panels.series(temp("outside"), "outside")], "Outside temperature."), 24, 7),
            (
                panels.time_series(
                    "Supply, return and ΔT",
                    [
                        panels.series(temp("supply"), "supply"),
                        panels.series(temp("return"), "return"),
                        Shown(queries.difference(temp("supply"), temp("return"), "ΔT"), {"ΔT": queries.DELTA_T_UNIT}),
                    ],
                    "ΔT = supply − return (right axis).",
                ),
                24,
                8,
            ),
            (
                panels.time_series(
                    "Hot water",
                    [panels.series(temp("dhw"), "hot water"), panels.series(temp("dhw_target"), "target", "last")],
                    "Hot-water temperature and its target.",
                ),
                12,
                8,
            ),
            (panels.time_series("Buffer", [panels.series(temp("buffer"), "buffer")], "Buffer tank."), 12, 8),
            (
                panels.time_series(
                    "Circuits: target vs actual supply",
                    [
                        panels.series_by(temp("circuit_supply"), "circuit", "supply circuit"),
                        panels.series_by(temp("circuit_target_supply"), "circuit", "target circuit", "last"),
                    ],
                    "Per heating circuit.",
                ),
                24,
                8,
            ),
            (
                panels.time_series(
                    "Volumetric flow and pressure",
                    [panels.series(FLOW, "flow"), panels.series(PRESSURE, "pressure")],
                    "Flow (l/h) and heating-water pressure (right axis).",
                ),
                24,
                8,
            ),
        ],
    )
