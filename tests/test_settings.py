"""Settings: defaults, env prefix, secrets, clear one-line errors, and documentation that matches the model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from collector import docs_gen
from collector.settings import Settings, env_name

REPO = Path(__file__).resolve().parents[1]


def make(**env: str) -> Settings:
    return Settings(_env_file=None, **{k.lower(): v for k, v in env.items()})  # type: ignore[arg-type]


def test_defaults_describe_a_simulated_installation() -> None:
    settings = make()
    assert settings.shelly_poll_seconds == 10.0
    assert settings.timezone == "Europe/Berlin"
    assert settings.influx_raw_retention_days == 400
    assert settings.simulated_shelly and settings.simulated_viessmann


def test_viessmann_poll_is_derived_from_the_budget() -> None:
    settings = make()
    # 50 % of 1450/day with a 10 % margin: one call every ~132 s (about 2 minutes on the free plan).
    assert settings.viessmann_calls_allowed_per_day == 725
    assert settings.viessmann_effective_poll_seconds == pytest.approx(86400 / (725 * 0.9))
    assert 86400 / settings.viessmann_effective_poll_seconds <= settings.viessmann_calls_allowed_per_day
    assert make(viessmann_poll_seconds="300").viessmann_effective_poll_seconds == 300


def test_environment_prefix_and_secret_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "hpm_influx_token").write_text("tok-from-secret\n")
    monkeypatch.setenv("HPM_SHELLY_HOST", "192.0.2.10")
    settings = Settings(_env_file=None, _secrets_dir=secrets)  # type: ignore[call-arg]
    assert settings.shelly_host == "192.0.2.10"
    assert settings.influx_token is not None
    assert settings.influx_token.get_secret_value() == "tok-from-secret"
    assert "tok-from-secret" not in repr(settings) and "tok-from-secret" not in str(settings.model_dump())


def test_secrets_come_from_every_listed_directory(tmp_path: Path) -> None:
    """docker compose: the provisioned token in one directory, the device passwords in another."""
    tokens, devices = tmp_path / "tokens", tmp_path / "devices"
    for folder in (tokens, devices):
        folder.mkdir()
    (tokens / "hpm_influx_token").write_text("tok\n")
    (devices / "hpm_shelly_password").write_text("pw-from-file\n")
    code = (
        "from collector.settings import Settings; s = Settings(_env_file=None); "
        "print(s.influx_token.get_secret_value(), s.shelly_password.get_secret_value())"
    )
    env = {"PATH": "/usr/bin:/bin", "HPM_SECRETS_DIR": f"{tokens}:{tmp_path / 'missing'}:{devices}"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO, check=True)
    assert proc.stdout.split() == ["tok", "pw-from-file"]
    assert "does not exist" not in proc.stderr


def run_collector_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "from collector.settings import load_settings; load_settings(_env_file=None)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": "/usr/bin:/bin", "HPM_SECRETS_DIR": "/nonexistent", **env},
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"HPM_SHELLY_POLL_SECONDS": "fast"},
            "invalid setting HPM_SHELLY_POLL_SECONDS: Input should be a valid number",
        ),
        ({"HPM_TIMEZONE": "Mars/Olympus"}, "invalid setting HPM_TIMEZONE: unknown time zone 'Mars/Olympus'"),
        (
            {"HPM_VIESSMANN_BUDGET_SHARE": "1.5"},
            "invalid setting HPM_VIESSMANN_BUDGET_SHARE: Input should be less",
        ),
        ({"HPM_LOG_FORMAT": "xml"}, "invalid setting HPM_LOG_FORMAT: Input should be 'logfmt' or 'json'"),
    ],
)
def test_invalid_value_stops_with_one_clear_line(env: dict[str, str], expected: str) -> None:
    proc = run_collector_settings(env)
    assert proc.returncode == 2
    assert proc.stderr.startswith(expected), proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_partial_viessmann_credentials_are_rejected_without_echoing_secrets() -> None:
    proc = run_collector_settings({"HPM_VIESSMANN_PASSWORD": "hunter2-secret"})
    assert proc.returncode == 2
    assert "HPM_VIESSMANN_CLIENT_ID" in proc.stderr
    assert "hunter2-secret" not in proc.stderr + proc.stdout


def test_env_example_and_readme_document_every_setting() -> None:
    for path, text in docs_gen.targets().items():
        assert path.read_text() == text, f"{path.name} is stale: run python -m collector.docs_gen"
    env_example = (REPO / ".env.example").read_text()
    readme = (REPO / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"\n{env_name(name)}=" in env_example
        assert f"`{env_name(name)}`" in readme
