"""Energy: daily and monthly electricity against heat, space heating against hot water, heating rod, cost."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from grafana.generator import board, compressor, panels, queries
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

UID = "hp-energy"

TARIFF_VAR = "tariff"
TARIFF_DEFAULT = "0.30"
COST_UNIT = "currencyEUR"  # the tariff variable's currency

ELECTRIC_DAY = sel("energy_daily", "kwh", kind="electric", usage="total", source="shelly")
ELECTRIC_MONTH = sel("energy_monthly", "kwh", kind="electric", usage="total", source="shelly")
HEAT_DAY = sel("energy_daily", "kwh", kind="heat", usage="total")
ROD_DAY = sel("energy_daily", "kwh", kind="heating_rod", usage="total", source="device")
GAS_DAY = sel("energy_daily", "kwh", kind="gas", usage="total", source="device")
COOLING_DAY = sel("energy_daily", "kwh", kind="heat", usage="cooling")
COOLING_FLOW_DAY = sel("energy_daily", "kwh", kind="heat", usage="cooling", source="dt_flow")
COOLING_ELECTRIC_DAY = sel("energy_daily", "kwh", kind="electric", usage="cooling", source="shelly")
COOLING_ROW = "Cooling (reversible heat pumps only)"


def per_source(s: queries.Sel, label: str) -> list[Shown]:
    return [
        panels.rows(sel(s.measurement, s.field, **dict(s.tags), source=src), f"{label} ({src})")
        for src in ("device", "dt_flow")
    ]


def cost(s: queries.Sel, label: str, total: bool) -> Shown:
    """Electricity × the tariff variable (text, so any decimal the owner types works)."""
    tail = "  |> sum()\n" if total else ""
    query = (
        f"{queries.read(s)}\n{tail}"
        f'  |> map(fn: (r) => ({{r with _value: r._value * float(v: "${{{TARIFF_VAR}}}")}}))\n' + queries.named(label)
    )
    return Shown(query, {label: COST_UNIT})


def eer() -> Shown:
    """Σ heat taken out of the rooms (flow x dT) / Σ the meter's electricity while cooling."""
    label = "eer"
    return Shown(queries.ratio_of_totals(COOLING_FLOW_DAY, COOLING_ELECTRIC_DAY, label), {label: "none"})


def cooling_panels() -> list:  # type: ignore[type-arg]
    """A reversible unit's cooling, its own category (methodology §2): the heat and COP figures above leave it out."""
    stats = (
        (
            "Cooling energy",
            panels.total_by(COOLING_DAY, "source", "cooling"),
            "Heat taken out of the rooms in the range (dt_flow: flow x dT in the minutes of a cooling program; "
            "device: the controller's cooling summary). Not part of the heat above.",
            1,
        ),
        (
            "Cooling electricity",
            panels.total_by(COOLING_ELECTRIC_DAY, "source", "cooling electricity"),
            "The Shelly's energy in the cooling minutes: inside the electricity (and cost) above, outside the "
            "heating COP and JAZ.",
            1,
        ),
        (
            "EER",
            eer(),
            "Σ cooling energy (dt_flow) / Σ cooling electricity (Shelly) over the range: a ratio of sums.",
            2,
        ),
    )
    return [
        *((panels.stat_panel(title, [shown], text, decimals=decimals), 6, 4) for title, shown, text, decimals in stats),
        (
            panels.time_series(
                "Cooling per day",
                [panels.rows(COOLING_FLOW_DAY, "cooling"), panels.rows(COOLING_ELECTRIC_DAY, "cooling electricity")],
                "Heat taken out of the rooms and the electricity it took, per local day.",
                bars=True,
            ),
            24,
            8,
        ),
    ]


def tariff_variable() -> db.TextBoxVariable:
    return db.TextBoxVariable(TARIFF_VAR).label("Tariff per kWh").default_value(TARIFF_DEFAULT)


def build():  # type: ignore[no-untyped-def]
    return board.dashboard(
        UID,
        "Heat pump · Energy",
        "Electricity (Shelly) against heat per day and month, heating against hot water, heating rod and cost.",
        "now-30d",
        "1h",
        [
            (
                panels.stat_panel(
                    "Electricity",
                    [panels.total_by(ELECTRIC_DAY, "source", "electric")],
                    "Sum of the daily rows in the range.",
                    decimals=1,
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Heat",
                    [panels.total_by(HEAT_DAY, "source", "heat")],
                    "Sum of the daily rows in the range, per heat source.",
                    decimals=1,
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Cost",
                    [cost(ELECTRIC_DAY, "cost", total=True)],
                    "Electricity of the range × the tariff variable.",
                    decimals=2,
                ),
                6,
                4,
            ),
            (
                panels.stat_panel(
                    "Heating rod",
                    [panels.total_by(ROD_DAY, "source", "heating rod")],
                    "Direct electric heating in the range (device-reported).",
                    decimals=1,
                ),
                6,
                4,
            ),
            (
                panels.time_series(
                    "Daily electricity and heat",
                    [panels.rows(ELECTRIC_DAY, "electric"), *per_source(HEAT_DAY, "heat")],
                    "Per local day.",
                    bars=True,
                ),
                24,
                8,
            ),
            (
                panels.time_series(
                    "Monthly electricity and heat (last year)",
                    [
                        panels.rows(ELECTRIC_MONTH, "electric"),
                        *per_source(sel("energy_monthly", "kwh", kind="heat", usage="total"), "heat"),
                    ],
                    "Per local month.",
                    bars=True,
                ).time_from("1y"),
                24,
                8,
            ),
            (
                panels.time_series(
                    "Space heating and hot water",
                    [
                        panels.rows(sel("energy_daily", "kwh", kind="heat", usage=u, source="device"), u)
                        for u in ("heating", "dhw")
                    ],
                    "Heat per local day by use (device-reported split).",
                    bars=True,
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Heating rod per day",
                    [panels.rows(ROD_DAY, "heating rod")],
                    "Direct electric heating per local day.",
                    bars=True,
                ),
                12,
                8,
            ),
            (
                panels.time_series(
                    "Daily cost",
                    [cost(ELECTRIC_DAY, "cost", total=False)],
                    "Electricity per local day × the tariff variable.",
                    bars=True,
                ),
                24,
                6,
            ),
        ],
        variables=(tariff_variable(),),
        rows=(
            (
                compressor.HYBRID_ROW,
                [
                    (
                        panels.stat_panel(
                            "Burner share of run time",
                            [compressor.burner_share()],
                            "Δburner hours / (Δburner hours + Δcompressor hours) over the range: the part of the "
                            "heating the gas burner did. The heat and COP figures above are heat-pump heat only.",
                            decimals=0,
                        ),
                        6,
                        4,
                    ),
                    (
                        panels.stat_panel(
                            "Gas",
                            [panels.total_by(GAS_DAY, "source", "gas")],
                            "Sum of the daily gas rows in the range (only where the device reports gas consumption).",
                            decimals=1,
                        ),
                        6,
                        4,
                    ),
                    (
                        panels.time_series(
                            "Gas per day",
                            [panels.rows(GAS_DAY, "gas")],
                            "The burner's gas per local day as the device reports it (kWh).",
                            bars=True,
                        ),
                        12,
                        8,
                    ),
                ],
            ),
            (COOLING_ROW, cooling_panels()),
        ),
    )
