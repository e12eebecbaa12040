"""The ``collector`` command line.

Subcommands of other areas live in their own modules (``add_arguments(parser)`` and
``run(args, settings, sink) -> int``) and are imported only when chosen, so a broken or missing module fails
only its own subcommand, and ``collector health`` (the container healthcheck) stays light.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from collector.settings import Settings, load_settings

log = logging.getLogger("collector")


@dataclass(frozen=True)
class Command:
    help: str
    module: str | None = None  # contributed subcommand: module with add_arguments() and run()


COMMANDS = {
    "run": Command("run the collector until SIGTERM/SIGINT (default)"),
    "health": Command("exit non-zero when the running collector is hung or a source is stale (healthcheck)"),
    "doctor": Command("check settings, devices, InfluxDB and local files; one verdict line per check"),
    "backfill": Command("fill sampling gaps from the Shelly's own 1-minute history", "collector.sources.shelly.cli"),
    "note": Command("add a note to the heat-pump changelog", "collector.changelog.cli"),
    "provision": Command("create buckets, tasks and the write token in InfluxDB", "collector.provision"),
    "recompute": Command("re-run the Flux tasks over a past range (after a long backfill)", "collector.recompute"),
    "report": Command("build the monthly report (HTML, PNG) and send it to the phone channels", "collector.report.cli"),
    "simulate": Command("generate a simulated history into InfluxDB", "collector.sim.cli"),
    "features": Command(
        "report which heat-pump features the project maps, ignores on purpose, or does not know",
        "collector.sources.viessmann.features_cli",
    ),
}


class UnavailableCommand(Exception):
    pass


def _chosen(argv: Sequence[str]) -> str:
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return "run"


def build_parser(chosen: str) -> tuple[argparse.ArgumentParser, object | None]:
    """The parser; the contributed module is imported (and its arguments added) only for the chosen command."""
    parser = argparse.ArgumentParser(prog="collector", description="Heat-pump monitor collector.")
    commands = parser.add_subparsers(dest="command", metavar="command")
    module = None
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.help, description=command.help)
        if command.module and name == chosen:
            try:
                module = importlib.import_module(command.module)
            except ImportError as error:
                raise UnavailableCommand(f"collector {name} is unavailable: {error}") from None
            module.add_arguments(sub)
    return parser, module


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen(argv)
    try:
        parser, module = build_parser(chosen)
    except UnavailableCommand as error:
        print(error, file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    command = args.command or "run"
    settings = load_settings()
    if command == "health":
        return _health(settings)
    from collector.logs import setup_logging

    setup_logging(settings)
    if command == "run":
        return _run(settings)
    if command == "doctor":
        from collector import doctor

        return doctor.run(settings)
    from collector.runtime.service import durable_sink

    with durable_sink(settings) as sink:
        return module.run(args, settings, sink)  # type: ignore[attr-defined]


def _health(settings: Settings) -> int:
    from collector.runtime.health import check_heartbeat, heartbeat_path

    problems = check_heartbeat(heartbeat_path(settings.data_dir))
    for problem in problems:
        print(f"unhealthy: {problem}")
    if not problems:
        print("healthy")
    return 1 if problems else 0


def _run(settings: Settings) -> int:
    from collector.app import build_installation
    from collector.changelog import ChangelogFileError
    from collector.runtime import service

    try:
        installation = build_installation(settings)
    except ChangelogFileError as error:  # the owner must act on the file; a traceback would only hide that
        log.error("cannot start: %s", error)
        return 1
    except Exception as error:
        log.exception("cannot start: %s", error)
        return 1
    return service.run(settings, installation)
