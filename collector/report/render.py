"""The report as files: PNG figures (matplotlib, headless Agg) and one HTML page (jinja2) that embeds them by
relative path, under ``<data dir>/reports/<YYYY-MM>/``. The summary image is what the phone channels receive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on the server; set before pyplot is imported

import matplotlib.pyplot as plt
from jinja2 import Environment, PackageLoader, select_autoescape

from collector.report.data import SUPPORTING_HOURS, ReportData

DPI = 110
HEAT_COLOUR, ELECTRIC_COLOUR, COP_COLOUR = "#e8743b", "#1f77b4", "#2ca02c"


@dataclass(frozen=True)
class Figure:
    file: str
    title: str
    alt: str


@dataclass(frozen=True)
class Rendered:
    directory: Path
    html: Path
    summary_png: Path
    figures: tuple[Figure, ...]


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def summary_lines(data: ReportData) -> list[str]:
    """The short text the phone channels send beside the image."""
    lines = [f"Heat pump, {data.month}: COP {_fmt(data.cop, 2)} ({data.boundary}, heat source {data.source or '–'})"]
    lines.append(f"Heat {_fmt(data.heat_kwh, 0)} kWh, electricity {_fmt(data.electric_kwh, 0)} kWh")
    if data.metered is not None:
        lines.append(f"Metered electricity {_fmt(data.metered.kwh, 0)} kWh ({data.metered.coverage:.0f} % covered)")
    if data.cost_eur is not None:
        lines.append(f"Cost {_fmt(data.cost_eur, 2)} EUR at {data.tariff_eur_per_kwh:.4f} EUR/kWh")
    for j in data.jaz[:1]:
        lines.append(f"JAZ {j.period} {j.jaz:.2f} ({j.status}, {j.coverage:.0f} % of days, as of {j.as_of})")
    lines.append(f"Data coverage {data.coverage_pct:.0f} % of the month's hours")
    changes = [c for c in data.changes if c.change.kind == "change"]
    if changes:
        lines.append(f"{len(changes)} setting change(s) this month")
    return lines


def _summary_figure(data: ReportData, path: Path) -> None:
    """Daily heat and electricity bars with the daily COP, plus the headline figures as the title."""
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=DPI)
    days = [d.day.day for d in data.days]
    ax.bar([d - 0.2 for d in days], [d.heat_kwh for d in data.days], width=0.4, color=HEAT_COLOUR, label="heat kWh")
    ax.bar(
        [d + 0.2 for d in days],
        [d.electric_kwh for d in data.days],
        width=0.4,
        color=ELECTRIC_COLOUR,
        label="electricity kWh",
    )
    ax.set_xlabel(f"day of {data.month}")
    ax.set_ylabel("kWh per day")
    cop_ax = ax.twinx()
    cop_ax.plot(
        days,
        [d.heat_kwh / d.electric_kwh if d.electric_kwh > 0 else None for d in data.days],
        "o-",
        color=COP_COLOUR,
        label="COP (day)",
    )
    cop_ax.set_ylabel("COP")
    cop_ax.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + cop_ax.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper left", fontsize=8, ncol=3)
    ax.set_ylim(top=max([d.heat_kwh for d in data.days], default=1.0) * 1.2)  # room for the legend
    cop_ax.set_ylim(top=max([d.heat_kwh / d.electric_kwh for d in data.days if d.electric_kwh > 0], default=1.0) * 1.2)
    ax.set_title(
        f"{data.month}: COP {_fmt(data.cop, 2)} · heat {_fmt(data.heat_kwh, 0)} kWh · "
        f"electricity {_fmt(data.electric_kwh, 0)} kWh ({data.boundary})",
        fontsize=10,
    )
    if not data.days:
        ax.text(0.5, 0.5, "no COP windows this month", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _map_figure(data: ReportData, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4), dpi=DPI)
    bins = data.performance_map
    if bins:
        centres = [b.outside_c + 0.5 for b in bins]
        ax.plot(centres, [b.cop for b in bins], "o-", color=COP_COLOUR, label="COP (Σheat/Σelectricity per 1 K bin)")
        ax.set_ylabel("COP")
        ax.set_ylim(bottom=0)
        hours_ax = ax.twinx()
        hours_ax.bar(centres, [b.hours for b in bins], width=0.8, alpha=0.25, color="grey", label="hours")
        hours_ax.set_ylabel("hours behind the bin")
        ax.set_zorder(hours_ax.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.legend(loc="upper left", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no performance map yet", transform=ax.transAxes, ha="center")
    ax.set_xlabel("outside temperature °C")
    ax.set_title(f"Performance map, heating season {data.season or '–'} (up to the end of {data.month})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _changes_figure(data: ReportData, path: Path) -> bool:
    effects = [c for c in data.changes if c.effect is not None]
    if not effects:
        return False
    fig, ax = plt.subplots(figsize=(8, max(2.5, 1.2 + 0.6 * len(effects))), dpi=DPI)
    labels = [f"{c.change.time_local}: {c.change.text[:50]}" for c in effects]
    values = [c.effect.cop_change_pct for c in effects]  # type: ignore[union-attr]
    errors = [c.effect.cop_change_uncertainty_pct for c in effects]  # type: ignore[union-attr]
    colours = [COP_COLOUR if v >= 0 else "#d62728" for v in values]
    ax.barh(range(len(effects)), values, xerr=errors, color=colours, capsize=4)
    ax.set_yticks(range(len(effects)), labels, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("COP change at equal outside temperature, % (95 % interval)")
    ax.set_title("Normalised effect of the month's changes", fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


_ENV = Environment(loader=PackageLoader("collector.report", "templates"), autoescape=select_autoescape(["html"]))


def render(data: ReportData, directory: Path) -> Rendered:
    directory.mkdir(parents=True, exist_ok=True)
    figures = [
        Figure("summary.png", "Energy and COP per day", "Daily heat and electricity bars with the daily COP"),
        Figure(
            "performance_map.png",
            f"Performance map, heating season {data.season or '–'}: COP by outside temperature "
            f"({len(data.performance_map)} bins with at least {SUPPORTING_HOURS:g} h)",
            "COP per 1 K outside bin with hours per bin",
        ),
    ]
    _summary_figure(data, directory / "summary.png")
    _map_figure(data, directory / "performance_map.png")
    if _changes_figure(data, directory / "changes.png"):
        figures.append(Figure("changes.png", "Effect of changes", "COP change per change with 95 % intervals"))
    html = directory / "index.html"
    page = _ENV.get_template("report.html.j2").render(data=data, figures=figures, summary=summary_lines(data), fmt=_fmt)
    html.write_text(page, encoding="utf-8")
    return Rendered(directory, html, directory / "summary.png", tuple(figures))
