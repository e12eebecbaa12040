"""Write the dashboards and the alert rules; ``--check`` only reports files that differ (exit 1)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder

from grafana.generator import alerts, changelog, compressor, efficiency, energy, health, overview, temperatures

REPO = Path(__file__).resolve().parents[2]
DASHBOARD_DIR = REPO / "grafana" / "dashboards"
RULES_FILE = REPO / "grafana" / "provisioning" / "alerting" / "rules.yaml"

DASHBOARDS = (overview, efficiency, energy, temperatures, compressor, changelog, health)


def dashboard_json(module) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(module.build().build(), cls=JSONEncoder, indent=2, ensure_ascii=False) + "\n"


def outputs() -> dict[Path, str]:
    """Every generated file and its content."""
    files = {DASHBOARD_DIR / f"{module.UID}.json": dashboard_json(module) for module in DASHBOARDS}
    files[RULES_FILE] = alerts.rules_yaml()
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args()
    stale = []
    expected = outputs()
    for path, text in expected.items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for path in sorted(DASHBOARD_DIR.glob("*.json")):
        if path not in expected:
            stale.append(path)
            if not args.check:
                path.unlink()
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'} {path.relative_to(REPO)}")
    sys.exit(1 if args.check and stale else 0)


if __name__ == "__main__":
    main()
