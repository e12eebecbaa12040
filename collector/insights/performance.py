"""COP binned by outside and flow temperature, and the weather-normalised comparison of two periods built on it.

Pure functions over 30-minute windows (``cop_30m`` with the window's mean outside and supply temperature): the
twins of ``influxdb/tasks/performance_map.flux`` and of the Changelog dashboard's before/after query.

Normalisation (``compare``): only outside-temperature bins present in both periods count. Each period's windows are
weighted so that its bins carry the share of hours the *after* period has in them: the before period is shown
under the after period's weather. COP stays a ratio of sums (Σw·heat / Σw·electricity); heat demand is the weighted
mean heat per hour. The uncertainty is the ratio estimator's standard error, linearised per bin
(var R ≈ Σ w_b² s_b² / n_b / E², s_b² the variance of heat − R·electricity over the bin's windows); windows
are treated as independent, so it is a lower bound when consecutive windows are alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

WINDOW_H = 0.5
OUTSIDE_BIN_K = 1.0
FLOW_BIN_K = 5
ALL_FLOWS = "all"
Z_95 = 1.96
MIN_WINDOWS = 2  # per period and bin: a bin compared on a single window has no spread to judge it by


@dataclass(frozen=True)
class Window:
    """One 30-minute COP window of one series with its mean temperatures."""

    time_ns: int
    heat_kwh: float
    electric_kwh: float
    outside_c: float
    supply_c: float | None = None
    category: str = "combined"
    source: str = "dt_flow"
    boundary: str = "H2"


def outside_bin(outside_c: float) -> str:
    return str(math.floor(outside_c / OUTSIDE_BIN_K))


def flow_bin(supply_c: float) -> str:
    return str(math.floor(supply_c / FLOW_BIN_K) * FLOW_BIN_K)


@dataclass
class Bin:
    """Sums over the windows of one bin (the moments the uncertainty needs included)."""

    heat_kwh: float = 0.0
    electric_kwh: float = 0.0
    windows: int = 0
    heat_sq: float = 0.0
    electric_sq: float = 0.0
    cross: float = 0.0
    flow_heat: float = 0.0  # heat of the windows with a supply temperature and positive heat
    flow_sum: float = 0.0  # their heat x mean supply temperature

    def add(self, window: Window) -> None:
        self.heat_kwh += window.heat_kwh
        self.electric_kwh += window.electric_kwh
        self.windows += 1
        self.heat_sq += window.heat_kwh**2
        self.electric_sq += window.electric_kwh**2
        self.cross += window.heat_kwh * window.electric_kwh
        if window.supply_c is not None and window.heat_kwh > 0:
            self.flow_heat += window.heat_kwh
            self.flow_sum += window.heat_kwh * window.supply_c

    @property
    def cop(self) -> float:
        return self.heat_kwh / self.electric_kwh

    @property
    def flow_c(self) -> float | None:
        """Heat-weighted mean flow temperature (methodology §1: averages are heat-weighted)."""
        return self.flow_sum / self.flow_heat if self.flow_heat > 0 else None

    @property
    def hours(self) -> float:
        return self.windows * WINDOW_H

    def residual_variance(self, ratio: float) -> float:
        """Sample variance of heat − ratio·electricity over the bin's windows (at least two)."""
        total = self.heat_kwh - ratio * self.electric_kwh
        squares = self.heat_sq - 2 * ratio * self.cross + ratio**2 * self.electric_sq
        return max(0.0, (squares - total**2 / self.windows) / (self.windows - 1))


MapKey = tuple[str, str, str, str, str]  # category, source, boundary, outside_bin, flow_bin


def performance_map(windows: Iterable[Window]) -> dict[MapKey, Bin]:
    """Bins per series: by outside temperature and flow temperature, and by outside temperature alone ("all")."""
    bins: dict[MapKey, Bin] = {}
    for w in windows:
        flows = [ALL_FLOWS] if w.supply_c is None else [flow_bin(w.supply_c), ALL_FLOWS]
        for flow in flows:
            bins.setdefault((w.category, w.source, w.boundary, outside_bin(w.outside_c), flow), Bin()).add(w)
    return {key: b for key, b in bins.items() if b.electric_kwh > 0}


def by_outside(windows: Iterable[Window]) -> dict[str, Bin]:
    bins: dict[str, Bin] = {}
    for w in windows:
        bins.setdefault(outside_bin(w.outside_c), Bin()).add(w)
    return bins


@dataclass(frozen=True)
class Side:
    """One period under the after period's weather."""

    cop: float
    cop_se: float  # standard error
    heat_kw: float  # mean heat output (demand) per hour
    raw_cop: float  # all its windows, not normalised
    hours: float  # hours in the common bins


@dataclass(frozen=True)
class Comparison:
    before: Side
    after: Side
    bins: tuple[str, ...] = field(default=())

    @property
    def cop_change_pct(self) -> float:
        return (self.after.cop / self.before.cop - 1) * 100

    @property
    def cop_change_uncertainty_pct(self) -> float:
        """95 % half-width of the COP change, percentage points."""
        relative = math.hypot(self.after.cop_se / self.after.cop, self.before.cop_se / self.before.cop)
        return Z_95 * relative * (self.after.cop / self.before.cop) * 100

    @property
    def heat_change_pct(self) -> float:
        return (self.after.heat_kw / self.before.heat_kw - 1) * 100

    @property
    def raw_cop_change_pct(self) -> float:
        return (self.after.raw_cop / self.before.raw_cop - 1) * 100


def _side(bins: dict[str, Bin], weights: dict[str, float], raw_cop: float) -> Side:
    heat = sum(weights[b] * bins[b].heat_kwh / bins[b].windows for b in weights)
    electric = sum(weights[b] * bins[b].electric_kwh / bins[b].windows for b in weights)
    cop = heat / electric
    variance = sum(weights[b] ** 2 * bins[b].residual_variance(cop) / bins[b].windows for b in weights)
    return Side(
        cop=cop,
        cop_se=math.sqrt(variance) / electric,
        heat_kw=heat / WINDOW_H,
        raw_cop=raw_cop,
        hours=sum(bins[b].hours for b in weights),
    )


def compare(before: Sequence[Window], after: Sequence[Window]) -> Comparison | None:
    """Before against after at the after period's outside temperatures; None without a common bin
    (one with at least ``MIN_WINDOWS`` windows on each side)."""
    bins_before, bins_after = by_outside(before), by_outside(after)
    common = sorted(
        (
            b
            for b in set(bins_before) & set(bins_after)
            if min(bins_before[b].windows, bins_after[b].windows) >= MIN_WINDOWS
        ),
        key=int,
    )
    if not common:
        return None
    hours = sum(bins_after[b].hours for b in common)
    weights = {b: bins_after[b].hours / hours for b in common}

    def raw(windows: Sequence[Window]) -> float:
        return sum(w.heat_kwh for w in windows) / sum(w.electric_kwh for w in windows)

    return Comparison(_side(bins_before, weights, raw(before)), _side(bins_after, weights, raw(after)), tuple(common))
