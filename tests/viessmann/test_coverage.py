"""``collector features``: every feature with data of every dump is mapped, ignored on purpose or unknown, and
every feature a written metric comes from counts as mapped."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.cli import main
from collector.sources.viessmann.coverage import classify, has_data
from collector.sources.viessmann.metrics import DESIRED_TEMPERATURE, METRICS
from tests.viessmann.dumps import ALL_MODELS, DEVICE, dump
from tests.viessmann.test_models import poll_dump


@pytest.mark.parametrize("name", sorted(ALL_MODELS))
def test_every_feature_with_data_is_classified_once(settings, name: str) -> None:
    features = dump(name)["data"]
    coverage = classify(features)
    classified = [*coverage.mapped, *coverage.ignored, *coverage.unknown]
    assert sorted(classified) == sorted(f["feature"] for f in features if has_data(f))
    assert len(set(classified)) == len(classified)
    # the feature behind every metric the collector extracted is reported as mapped, naming that metric
    _, src = poll_dump(settings, name)
    for metric in src.support[DEVICE].supported:
        templates = [re.escape(m.feature).replace(r"\{id\}", r"\d+") for m in METRICS if m.name == metric]
        readers = [f for f, by in coverage.mapped.items() if metric in by]
        assert readers, f"{metric} is extracted but its feature is not reported as mapped"
        assert all(any(re.fullmatch(t, f) for t in templates) for f in readers) or metric == DESIRED_TEMPERATURE.name


def test_the_hybrid_report_names_what_reads_each_feature() -> None:
    coverage = classify(dump("Vitocaldens222F.json")["data"])
    assert coverage.mapped["heating.burners.0.statistics"] == ["burner.hours", "burner.starts"]
    assert coverage.ignored["heating.burner"].startswith("the burner state is read per burner")
    # the four features this report once listed as unknown
    assert coverage.mapped["heating.buffer.sensors.temperature.top"] == ["temperature.buffer_top"]
    assert coverage.mapped["heating.dhw.sensors.temperature.outlet"] == ["temperature.dhw_outlet"]
    assert coverage.mapped["heating.dhw.oneTimeCharge"] == ["dhw.one_time_charge"]
    assert coverage.ignored["heating.configuration.multiFamilyHouse"].startswith("building and cylinder data")
    assert coverage.unknown == {}


def test_settings_and_state_families_are_reported_with_their_reader() -> None:
    coverage = classify(dump("Vitocal250A.json")["data"])
    assert coverage.mapped["device.power.consumption.limitation"] == ["restriction.grid_limitation"]
    assert coverage.mapped["device.lock.malfunction"] == ["restriction.malfunction_lock"]
    expansion = classify(dump("Vitocal252A.json")["data"]).ignored["heating.sensors.valve.0.expansion.target"]
    assert expansion.startswith("expansion-valve target")
    cu401b = classify(dump("Vitocal300G_CU401B.json")["data"])
    assert cu401b.mapped["heating.configuration.buffer.temperature.max"] == ["changelog: Buffer maximum temperature"]
    assert cu401b.ignored["heating.cop.green"] == "undocumented 'green' COP, 0 in every dump"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The CLI configures logging for the process (root at INFO, library floors): put it back afterwards, or later
    tests see INFO records they do not expect (the changelog's locked-database test)."""
    root, manager = logging.getLogger(), logging.Logger.manager
    handlers = list(root.handlers)
    levels = {name: lg.level for name, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    root_level = root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(root_level)
    for name, lg in manager.loggerDict.items():
        if isinstance(lg, logging.Logger):
            lg.setLevel(levels.get(name, logging.NOTSET))


def test_features_command_reads_a_saved_response(tmp_path: Path, monkeypatch, capsys, restored_logging) -> None:
    saved = tmp_path / "features.json"
    saved.write_text(json.dumps(dump("Vitocal151A.json")))
    monkeypatch.setenv("HPM_DATA_DIR", str(tmp_path / "data"))
    assert main(["features", "--file", str(saved)]) == 0
    text = capsys.readouterr().out
    coverage = classify(dump("Vitocal151A.json")["data"])
    assert text.startswith(
        f"features.json: {len(coverage.mapped) + len(coverage.ignored) + len(coverage.unknown)} features with data: "
        f"{len(coverage.mapped)} mapped, {len(coverage.ignored)} ignored on purpose, {len(coverage.unknown)} unknown"
    )
    assert "  heating.power.consumption.cooling  → energy.electric.cooling.current_day" in text
    assert main(["features", "--file", str(saved), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["unknown"] == coverage.unknown and report["device"] == "features.json"
    saved.write_text('{"not": "features"}')
    assert main(["features", "--file", str(saved)]) == 2
    assert "no list of features" in capsys.readouterr().err


def test_ventilation_features_of_a_heat_pump_with_vitovent_are_ignored_on_purpose() -> None:
    features = dump("Vitocal200S-with-Vitovent300W.json")["data"]
    # as the upstream dump has it (left out of the reduced copy, see tests/data/SOURCES.md)
    state = {"demand": "ventilation", "level": "levelTwo", "reason": "schedule"}
    features.append(
        {
            "feature": "ventilation.operating.state",
            "isEnabled": True,
            "properties": {key: {"type": "string", "value": value} for key, value in state.items()},
            "timestamp": "2024-10-01T01:07:09.296Z",
        }
    )
    coverage = classify(features)
    assert coverage.ignored["ventilation.operating.state"].startswith("a ventilation unit on the heat pump")
    assert "heating.circuits.1.heating.curve" in coverage.mapped
