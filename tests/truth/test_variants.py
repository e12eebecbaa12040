"""The truth suite for the installation variants (tests/truth/variants.py): a reversible unit cooling in summer and
switching between heating and cooling on shoulder days, and a hybrid, through the faults of issue 12. Every figure
(daily electricity and heat, cooling energy and electricity, JAZ, EER, defrost count) within the bound its sampling
allows, derived from the truth (see tests/truth/variants.py); the counter rule counts what it stepped in for."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import InfluxEnv
from tests.flux.harness import TaskBench
from tests.truth.runner import run_scenario
from tests.truth.scenarios import TZ, Scenario
from tests.truth.variants import checks, variant_scenarios


@pytest.mark.parametrize("scenario", variant_scenarios(), ids=lambda s: s.name)
def test_variant_figures_match_the_truth(scenario: Scenario, influx: InfluxEnv, tmp_path: Path) -> None:
    bench = TaskBench.create(influx, tmp_path)
    recording, figures, days = run_scenario(bench, scenario, TZ, also=("hpm-defrost",))
    found = checks(figures, recording, days, scenario.faults)
    assert {c.figure for c in found} >= {"electricity kWh", "heat kWh (device)", "JAZ year to date", "defrosts"}
    if scenario.variant.cooling_setpoint_c is not None:  # the cooling figures were checked on a cooling day
        assert {"cooling kWh", "cooling electricity kWh", "EER"} <= {c.figure for c in found}
    assert [c for c in found if not c.ok] == []
    assert (figures.resets, figures.clamped, figures.glitches) == scenario.counted
