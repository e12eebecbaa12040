"""docker-compose.yml as `docker compose` itself reads it: loaded by compose-spec/compose-go (tools/composecheck,
built from the Go module proxy by scripts/build-composecheck and cached outside the repository), interpolated,
with the short syntax expanded, then checked for start order, healthchecks, mounts and read-only flags."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
START_ORDER = (("secrets",), ("influxdb",), ("provision",), ("collector", "grafana"))


@pytest.fixture(scope="module")
def composecheck() -> Path:
    override = os.environ.get("HPM_COMPOSECHECK")
    if override:
        return Path(override)
    proc = subprocess.run([str(REPO / "scripts" / "build-composecheck")], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail(f"scripts/build-composecheck failed: {proc.stderr[-2000:]}", pytrace=False)
    return Path(proc.stdout.strip().splitlines()[-1])


def load(
    composecheck: Path, path: Path = COMPOSE_FILE, env: dict[str, str] | None = None, env_file: Path | None = None
) -> dict:
    """The resolved project; only PATH and the given variables in the environment (no developer's .env)."""
    options = ["-env-file", str(env_file)] if env_file else []
    proc = subprocess.run(
        [str(composecheck), *options, str(path)],
        env={"PATH": os.environ["PATH"], **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def project(composecheck: Path) -> dict:
    return load(composecheck)


def start_order(services: dict) -> list[tuple[str, ...]]:
    """Waves of services Compose can start together: each waits for everything in earlier waves it names."""
    waiting = {name: set(service.get("depends_on", {})) for name, service in services.items()}
    waves: list[tuple[str, ...]] = []
    while waiting:
        ready = tuple(sorted(name for name, needs in waiting.items() if not needs))
        assert ready, f"a dependency cycle: {waiting}"
        waves.append(ready)
        for name in ready:
            del waiting[name]
        for needs in waiting.values():
            needs -= set(ready)
    return waves


def nested_in_read_only(service: dict) -> list[str]:
    """Mounts whose target lies inside a read-only mount of the same container: Docker cannot create the mount
    point there (the secret-in-the-tokens-volume mistake)."""
    mounts = [(m["target"], m.get("read_only", False)) for m in service.get("volumes", [])]
    mounts += [(s.get("target") or f"/run/secrets/{s['source']}", True) for s in service.get("secrets", [])]
    return [
        inner
        for inner, _ in mounts
        for outer, read_only in mounts
        if read_only and inner != outer and inner.startswith(outer.rstrip("/") + "/")
    ]


def test_compose_go_loads_the_file_with_and_without_an_env_file(composecheck: Path, project: dict) -> None:
    assert set(project["services"]) == {"secrets", "influxdb", "provision", "collector", "grafana"}  # not "tools"
    with_example = load(composecheck, env_file=REPO / ".env.example")
    # .env.example holds every default: it must resolve to the same project as no .env at all
    assert with_example["services"] == project["services"]


def test_services_start_in_order_and_wait_for_the_right_condition(project: dict) -> None:
    services = project["services"]
    assert start_order(services) == [tuple(sorted(w)) for w in START_ORDER]
    conditions = {
        name: {dep: spec["condition"] for dep, spec in service.get("depends_on", {}).items()}
        for name, service in services.items()
    }
    assert conditions == {
        "secrets": {},
        "influxdb": {"secrets": "service_completed_successfully"},
        "provision": {"influxdb": "service_healthy"},
        "collector": {"provision": "service_completed_successfully"},
        "grafana": {"provision": "service_completed_successfully"},
    }
    assert all(spec.get("required", True) for s in services.values() for spec in s.get("depends_on", {}).values())


def test_long_running_services_have_healthchecks_one_shots_none(project: dict) -> None:
    services = project["services"]
    for name in ("influxdb", "collector", "grafana"):
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL") and check["interval"] and check["retries"] >= 3, name
        assert services[name]["restart"] == "unless-stopped"
    for name in ("secrets", "provision"):
        assert services[name]["healthcheck"] == {"disable": True} and services[name]["restart"] == "no"
    # `provision` waits for service_healthy: influxdb's check must be able to pass
    assert services["influxdb"]["healthcheck"]["test"] == ["CMD", "influx", "ping"]


def test_mounts_and_read_only_flags(project: dict) -> None:
    mounts = {
        name: {m["target"]: (m["type"], m["source"], m.get("read_only", False)) for m in service.get("volumes", [])}
        for name, service in project["services"].items()
    }
    repo = str(REPO)
    assert mounts["collector"] == {
        "/var/lib/hpm": ("volume", "collector-data", False),
        "/var/lib/hpm/changelog": ("volume", "changelog", False),
        "/run/secrets": ("volume", "tokens", True),
        "/run/hpm-secrets": ("bind", f"{repo}/secrets/collector", True),
        "/run/hpm-alert-secrets": ("bind", f"{repo}/secrets/grafana", True),
    }
    assert mounts["grafana"] == {
        "/var/lib/grafana": ("volume", "grafana-data", False),
        "/etc/grafana/hpm": ("bind", f"{repo}/grafana", True),
        "/var/lib/hpm-grafana-admin": ("volume", "grafana-admin", True),
        "/run/hpm-tokens": ("volume", "tokens", True),
        "/var/lib/hpm-changelog": ("volume", "changelog", True),
        "/run/hpm-secrets": ("bind", f"{repo}/secrets/grafana", True),
    }
    assert mounts["influxdb"]["/var/lib/hpm-influx-admin"] == ("volume", "influx-admin", True)
    assert mounts["provision"]["/run/secrets"] == ("volume", "influx-admin", True)
    assert mounts["provision"]["/var/lib/hpm-tokens"] == ("volume", "tokens", False)
    for name, service in project["services"].items():
        assert nested_in_read_only(service) == [], name
        for target, (kind, source, _) in mounts[name].items():
            if kind == "bind":  # the host folder exists in a fresh clone (Docker would create it root-owned)
                assert Path(source).is_dir() and source.startswith(repo), (name, target)
    # the collector's changelog sub-mount lies in its writable data volume, which is allowed
    assert "/var/lib/hpm/changelog" in mounts["collector"]


def test_a_secret_inside_the_read_only_tokens_volume_is_caught(composecheck: Path, tmp_path: Path) -> None:
    """The layout the README used to suggest: a Compose secret lands in /run/secrets, the read-only tokens
    volume of the collector."""
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    document["services"]["collector"]["secrets"] = ["hpm_viessmann_password"]
    document["secrets"] = {"hpm_viessmann_password": {"file": "./viessmann_password.txt"}}
    (tmp_path / "viessmann_password.txt").write_text("x")
    for folder in ("grafana", "secrets/collector", "secrets/grafana"):
        (tmp_path / folder).mkdir(parents=True)
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(document))
    broken = load(composecheck, path)
    assert nested_in_read_only(broken["services"]["collector"]) == ["/run/secrets/hpm_viessmann_password"]


def test_grafana_and_influxdb_bind_addresses_move_separately(composecheck: Path, project: dict) -> None:
    def host_ips(resolved: dict) -> dict[str, list[str]]:
        return {
            name: [port["host_ip"] for port in service["ports"]]
            for name, service in resolved["services"].items()
            if service.get("ports")
        }

    assert host_ips(project) == {"influxdb": ["127.0.0.1"], "grafana": ["127.0.0.1"]}
    lan = load(composecheck, env={"HPM_GRAFANA_BIND_ADDRESS": "192.168.1.10", "HPM_BIND_ADDRESS": "192.168.1.10"})
    assert host_ips(lan) == {"influxdb": ["127.0.0.1"], "grafana": ["192.168.1.10"]}


def test_no_secret_reaches_an_environment(project: dict) -> None:
    """Except the one-shot `secrets` service, which takes first-start admin passwords from .env when given."""
    for name, service in project["services"].items():
        if name == "secrets":
            continue
        for key, value in (service.get("environment") or {}).items():
            assert not key.endswith(("_PASSWORD", "_TOKEN", "_CLIENT_ID")), (name, key)
            assert value is None or "secret" not in value.lower() or key.endswith("_DIR"), (name, key, value)
