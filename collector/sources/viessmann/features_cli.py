"""``collector features``: the feature coverage report of the connected heat pump (or of a saved response)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from collector.settings import Settings
from collector.sources.base import Sink
from collector.sources.viessmann.coverage import classify, render
from collector.sources.viessmann.extract import read_device


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file",
        type=Path,
        help="a saved features response (JSON with a 'data' list) instead of asking the API (costs no call)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace, settings: Settings, sink: Sink) -> int:
    """Print the report; ``sink`` is part of the CLI contract and unused (the report writes no points)."""
    if args.file is not None:
        try:
            features = _features(json.loads(args.file.read_text()))
        except (OSError, ValueError) as error:
            print(f"cannot read {args.file}: {error}", file=sys.stderr)
            return 2
        _print(args, args.file.name, features, None)
        return 0
    if settings.simulated_viessmann:
        print("no Viessmann account is configured (HPM_VIESSMANN_CLIENT_ID): use --file", file=sys.stderr)
        return 2
    return _live(args, settings)


def _live(args: argparse.Namespace, settings: Settings) -> int:
    from collector.sources.viessmann.budget import CallLedger
    from collector.sources.viessmann.client import ViessmannClient

    ledger = CallLedger.for_settings(settings, time.time)
    try:
        client = ViessmannClient(settings, ledger, time.time)
        for heat_pump in client.connect():
            features = client.refresh(heat_pump)
            # titled by model only: the device tag holds the gateway serial, and the report is meant to be shared
            _print(args, heat_pump.model, features, read_device(heat_pump.device, heat_pump.tag))
    except Exception as error:  # PyViCare, authlib, the budget and the network raise many types
        print(f"viessmann: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        ledger.close()
    return 0


def _features(body: Any) -> list[dict[str, Any]]:
    data = body.get("data") if isinstance(body, dict) else body
    if not isinstance(data, list):
        raise ValueError("no list of features (expected {'data': [...]})")
    return [feature for feature in data if isinstance(feature, dict)]


def _print(args: argparse.Namespace, title: str, features: list[dict[str, Any]], readout: Any) -> None:
    coverage = classify(features)
    if args.json:
        report = {"device": title, **coverage.as_dict()}
        if readout is not None:
            report["metrics"] = sorted(readout.supported)
            report["refused"] = readout.problems
        print(json.dumps(report, indent=1))
        return
    print(render(coverage, title), end="")
    if readout is not None:
        print(f"\nmetrics written ({len(readout.supported)}): {', '.join(sorted(readout.supported))}")
        for name, problem in readout.problems.items():
            print(f"refused: {name}: {problem}")
