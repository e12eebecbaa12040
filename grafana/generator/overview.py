"""Overview: the numbers an owner looks at first (phone: top to bottom), then power and temperature history."""

from __future__ import annotations

from grafana.generator import board, panels
from grafana.generator.efficiency import jaz_figure
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

UID = "hp-overview"

ELECTRIC = sel("shelly_power", "power", phase="total")
HEAT = sel("hp_compressor", "heat_production")
UNIT_HEAT = sel("hp_power", "heat_production")  # models without a compressor figure (Vitocal 200-A)
OUTSIDE = sel("hp_temperature", "value", sensor="outside")
DHW = sel("hp_temperature", "value", sensor="dhw")
SUPPLY = sel("hp_temperature", "value", sensor="supply")
COMPRESSOR = sel("hp_compressor", "active")
MALFUNCTION_LOCK = sel("hp_restriction", "malfunction_lock")
EXTERNAL_LOCK = sel("hp_restriction", "external_lock")
GRID_LIMITATION = sel("hp_restriction", "grid_limitation")
SMART_GRID = sel("hp_restriction", "smart_grid")
ELECTRIC_DAY = sel("energy_daily", "kwh", kind="electric", usage="total", source="shelly")
HEAT_DAY = sel("energy_daily", "kwh", kind="heat", usage="total")


def today(panel):  # type: ignore[no-untyped-def]
    """Stats about the local day so far (browser time zone), whatever range the dashboard shows."""
    return panel.time_from("now/d").hide_time_override(False)


def build():  # type: ignore[no-untyped-def]
    return board.dashboard(
        UID,
        "Heat pump · Overview",
        "Power, today's energy and COP, JAZ with its coverage, temperatures, compressor state.",
        "now-24h",
        "1m",
        [
            (
                panels.stat_panel(
                    "Electric power now",
                    [panels.latest(ELECTRIC, "electric")],
                    "Shelly Pro 3EM, all phases, newest sample of the last 15 min.",
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Heat output now",
                    [panels.latest(HEAT, "heat"), panels.latest(UNIT_HEAT, "heat (unit)")],
                    "Heat output the heat pump reports (source: device): its compressor's, or the whole unit's "
                    "where the model reports no compressor figure.",
                ),
                6,
                4,
            ),
            (
                today(
                    panels.stat_panel(
                        "COP today",
                        [panels.cop_of_range("cop_daily", category="combined")],
                        "Σheat / Σelectricity of today's daily row, per heat source and system "
                        "boundary, with the share of the day both inputs cover.",
                        decimals=2,
                    )
                ),
                6,
                4,
            ),
            (jaz_figure("ytd", "JAZ year to date"), 6, 4),
            (
                today(
                    panels.stat_panel(
                        "Electricity today",
                        [panels.total_by(ELECTRIC_DAY, "source", "electric")],
                        "Shelly counters, local day so far.",
                        decimals=1,
                    )
                ),
                6,
                4,
            ),
            (
                today(
                    panels.stat_panel(
                        "Heat today",
                        [panels.total_by(HEAT_DAY, "source", "heat")],
                        "Heat of the local day so far, per heat source (device-reported or ΔT × flow).",
                        decimals=1,
                    )
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Outside / hot water",
                    [panels.latest(OUTSIDE, "outside"), panels.latest(DHW, "hot water")],
                    "Newest readings of the last 15 min.",
                    decimals=1,
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Compressor",
                    [panels.latest(COMPRESSOR, "compressor")],
                    "Compressor state at the last poll.",
                    mappings=panels.OnOff,
                ),
                6,
                4,
            ),
            (
                panels.time_series(
                    "Power",
                    [
                        panels.series(ELECTRIC, "electric"),
                        panels.series(HEAT, "heat"),
                        panels.series(UNIT_HEAT, "heat (unit)"),
                    ],
                    "Electric input (Shelly) and heat output (device). Long ranges read rollups.",
                ),
                24,
                8,
            ),
            (
                panels.time_series(
                    "Temperatures",
                    [
                        panels.series(OUTSIDE, "outside"),
                        panels.series(SUPPLY, "supply"),
                        panels.series(DHW, "hot water"),
                    ],
                    "Outside, supply and hot-water temperature.",
                ),
                24,
                8,
            ),
            (
                panels.states(
                    "Compressor state",
                    [Shown(panels.series(COMPRESSOR, "compressor", "last").query, {"compressor": COMPRESSOR.unit})],
                    "On/off at each poll.",
                ),
                24,
                4,
            ),
            (
                panels.states(
                    "Locks",
                    [
                        panels.series(MALFUNCTION_LOCK, "malfunction lock", "last"),
                        panels.series(EXTERNAL_LOCK, "external lock", "last"),
                    ],
                    "Malfunction lock: the unit stopped itself after a fault (an alert goes out). External lock: a "
                    "contact, e.g. the utility's, holds it off. Empty: the model reports no lock.",
                    mappings=panels.Locked,
                ),
                24,
                3,
            ),
            (
                panels.states(
                    "Grid limitation and SG Ready",
                    [
                        panels.series(GRID_LIMITATION, "grid limitation", "last"),
                        panels.series(SMART_GRID, "SG Ready", "last"),
                    ],
                    "The grid operator's power limitation (German §14a EnWG; 14aOff = not limited) and the SG Ready "
                    "state, as the device names them. Empty: the model reports neither.",
                    mappings=None,
                ),
                24,
                3,
            ),
        ],
    )
