"""The System health panel of the counter rule (collector/metrics/counter.py): how often the energy tasks did not
take the meter's counter at its word. Never silent: a reset, a clamp or a skipped glitch is counted here."""

from __future__ import annotations

from grafana.generator import panels, queries
from grafana.generator.panels import Shown
from grafana.generator.queries import sel

COUNTS = (
    ("resets", "resets", "counter drops (reset, reboot, profile switch), booked from the power samples"),
    ("clamped", "clamped", "rises above the meter's physical bound, booked from power or clamped"),
    ("glitches", "glitches", "single samples below their neighbours, skipped"),
)


def count(field: str, label: str) -> Shown:
    s = sel("energy_minute", field, kind="electric", source="shelly")
    query = (
        # sum per series first: a bare sum the storage engine computes itself (a year is 525,600 minute rows)
        f"{queries.read(s)}\n  |> sum()\n  |> group()\n  |> sum()\n"
        "  |> map(fn: (r) => ({_time: v.timeRangeStop, _value: r._value}))\n" + queries.named(label)
    )
    return Shown(query, {label: s.unit})


def panel():  # type: ignore[no-untyped-def]
    return panels.stat_panel(
        "Meter counter anomalies",
        [count(field, label) for field, label, _ in COUNTS],
        "Intervals of the time range where the energy tasks did not take the Shelly's counter at its word: "
        + "; ".join(f"{label}: {what}" for _, label, what in COUNTS)
        + ". Each books no energy the meter could not have carried.",
        decimals=0,
    )
