"""Defrost panels of the Compressor dashboard: cycles per day found in the power and water temperatures beside
the device flag's, and the share of electricity they take (defrost_daily, influxdb/tasks/defrost.flux)."""

from __future__ import annotations

from grafana_foundation_sdk.builders import timeseries

from grafana.generator import panels
from grafana.generator.queries import sel

COUNT = sel("defrost_daily", "count")
API_COUNT = sel("defrost_daily", "api_count")
SHARE = sel("defrost_daily", "share")
HEAT = sel("defrost_daily", "heat_kwh")


def cycles_panel() -> timeseries.Panel:
    return panels.time_series(
        "Defrosts per day",
        [panels.rows(COUNT, "defrosts (power + temperatures)"), panels.rows(API_COUNT, "defrosts (device flag)")],
        "Cycles per local day: return ≥ 0.5 K above supply while the Shelly shows the unit running, beside the "
        "cycles of the device's flag (seen only when a poll falls inside one).",
        bars=True,
    )


def share_panel() -> timeseries.Panel:
    return panels.time_series(
        "Defrost share of electricity",
        [panels.rows(SHARE, "defrost share"), panels.rows(HEAT, "heat taken from the water")],
        "Shelly electricity during the defrost minutes / the day's electricity; on the right the heat the "
        "reversed cycle took back from the heating water.",
        bars=True,
    )
