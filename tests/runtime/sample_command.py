"""A contributed subcommand as the CLI contract defines it, for tests/runtime/test_cli.py."""

from __future__ import annotations

import argparse

from collector.settings import Settings
from collector.sources.base import Sink
from tests.runtime.fakes import powers


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("count", type=int)


def run(args: argparse.Namespace, settings: Settings, sink: Sink) -> int:
    sink(powers(args.count))
    return 3
