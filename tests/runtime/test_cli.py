"""The CLI: contributed subcommands get a durable sink that is flushed before exit; a missing one fails alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from collector import cli
from collector.runtime.outbox import Outbox, outbox_path
from tests.conftest import InfluxEnv
from tests.runtime.fakes import count_flux


@pytest.fixture
def env(influx: InfluxEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of a developer
    for key, value in {
        "HPM_INFLUX_URL": influx.url,
        "HPM_INFLUX_ORG": influx.org,
        "HPM_INFLUX_TOKEN": influx.token,
        "HPM_INFLUX_BUCKET_RAW": influx.bucket_raw,
        "HPM_DATA_DIR": str(tmp_path / "data"),
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setitem(cli.COMMANDS, "sample", cli.Command("test command", "tests.runtime.sample_command"))
    monkeypatch.setitem(cli.COMMANDS, "broken", cli.Command("missing module", "collector.no_such_module"))
    return tmp_path / "data"


def test_contributed_command_points_are_flushed_before_exit(influx: InfluxEnv, env: Path) -> None:
    assert cli.main(["sample", "25"]) == 3  # the command's own exit code
    assert influx.query(count_flux(influx.bucket_raw))[0]["_value"] == "25"
    assert Outbox(outbox_path(env), 10).depth == 0


def test_a_missing_command_module_fails_only_that_command(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["broken"]) == 2
    assert "collector broken is unavailable: No module named 'collector.no_such_module'" in capsys.readouterr().err
    assert cli.main(["health"]) == 1  # the others still parse and run (no heartbeat: unhealthy)
    assert "no heartbeat file" in capsys.readouterr().out


def test_invalid_settings_exit_2_with_the_variable_named(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HPM_SHELLY_POLL_SECONDS", "0")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["doctor"])
    assert exit_info.value.code == 2
    assert "invalid setting HPM_SHELLY_POLL_SECONDS" in capsys.readouterr().err


def test_health_command_stays_light(env: Path) -> None:
    """The healthcheck runs every 30 s in the container: it must not import the clients and device stacks."""
    probe = (
        "import sys; from collector.cli import main; code = main(['health']); "
        "print(code, sorted(m for m in ('influxdb_client', 'PyViCare', 'httpx', 'schedule') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=env.parent, capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == "1 []"


def test_an_unusable_changelog_stops_start_up_with_one_line_and_keeps_the_file(env: Path) -> None:
    changelog = env / "changelog" / "changelog.sqlite"
    changelog.parent.mkdir(parents=True)
    changelog.write_bytes(b"not a database, but the owner's file" * 20)
    original = changelog.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "collector", "run"], cwd=env.parent, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "level=error" in line]
    assert len(errors) == 1 and "cannot start" in errors[0] and "changelog" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert changelog.read_bytes() == original
