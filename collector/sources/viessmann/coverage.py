"""Feature coverage of one heat pump: which features with data the project maps, which it ignores on purpose,
and which it does not know, so an owner of an unseen model can send a useful report (``collector features``).

"Mapped" means read by the metric table (collector/sources/viessmann/metrics.py), the error and message lists,
PyViCare's discovery of circuits, compressors and burners, or the changelog's settings table. ``IGNORED`` is
the declarative list of what is left out deliberately, each with its reason. Features without data (disabled,
or only structural) are not counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from collector.changelog.snapshot import ITEMS
from collector.sources.viessmann.extract import MESSAGE_FEATURES
from collector.sources.viessmann.metrics import DESIRED_TEMPERATURE, METRICS

_DISCOVERY = ("heating.circuits", "heating.compressors", "heating.burners", "device.messages.errors.raw")

# (pattern, why it is not recorded). First match wins; checked after the mapped features.
IGNORED: tuple[tuple[str, str], ...] = (
    (
        r"device\.(serial|brand|type|variant|productIdentification|productMatrix|parameterIdentification\..+|name)",
        "identification, not a measurement",
    ),
    (r"heating\.(boiler|controller)\.serial|heating\.device\.(variant|mainECU|software\..+)", "identification"),
    (r"heating\.device\.time(\..+)?|device\.time\..+", "the device clock; points carry feature timestamps"),
    (r"tcu\..+|device\.messages\.(service|logbook)(\.raw)?", "gateway and service-technician data"),
    (r"heating\.circuits\.\d+(\.name)?", "the circuit's name and type; circuits come from heating.circuits.enabled"),
    (r"heating\.burner", "the burner state is read per burner (heating.burners.N)"),
    (r"heating\.scop\.\w+", "deprecated alias of heating.spf.* (read there)"),
    (
        r"heating\.(circuits\.\d+|dhw|noise\.reduction)\.operating\.(modes|programs)\.\w+"
        r"|heating\.noise\.reduction\.levels\.\w+",
        "one flag per mode/program: the active one is read from operating.{modes,programs}.active",
    ),
    (r".+\.schedule", "schedules are tracked by the changelog where they steer the heat pump"),
    (
        r"heating\.dhw\.sensors\.temperature\.(hotWaterStorage|dhwCylinder)\.(top|middle|bottom)",
        "cylinder layer sensors: the main cylinder sensor is read",
    ),
    (
        r"heating\.(circuits\.\d+\.)?(frostprotection|zone\.mode)|heating\.dhw\.scaldProtection",
        "protection flags, no energy or comfort effect",
    ),
    (r"ventilation(\..+)?", "a ventilation unit on the heat pump (Vitovent): out of scope, the heat pump is read"),
    (r"device\.actorSensorTest", "the service technician's actuator and sensor test"),
    (r"device\.commissioning\.information", "commissioning date, identification"),
    (
        r"(device|heating)\.configuration\.(house\w+|multiFamilyHouse|\w+CylinderSize)",
        "building and cylinder data entered at commissioning (0 where never entered), not a reading",
    ),
    (r"device\.messages\.errors\.counter\.\w+", "an internal error counter: active errors come from errors.raw"),
    (r"device\.power\.statusReport\.production", "the electricity-production report: a heat pump produces none"),
    (r"device\.zigbee\.active", "the gateway's radio, no heat-pump state"),
    (
        r"heating\.boiler\.pumps\.internal\.target|heating\.compressors\.\d+\.speed\.setpoint",
        "the controller's target: the actual pump and compressor speeds are read",
    ),
    (r"heating\.sensors\.valve\.\d+\.expansion\.target", "expansion-valve target: refrigerant control internals"),
    (
        r"heating\.boiler\.temperature\.current",
        "undocumented on heat pumps (0 while idle, near the flow set point while running): supply is read",
    ),
    (
        r"heating\.sensors\.temperature\.allengra",
        "the flow meter's own probe (reads 0 on units whose return is at 39 °C): the return sensor is read",
    ),
    (r"heating\.buffer\.sensors\.temperature\.stratification", "buffer layer sensors: main and top are read"),
    (
        r"heating\.(compressors\.\d+|heatingRod)\.heatTarget",
        "the usage served now ('none' in every dump): charging, valve position and energy per usage tell it",
    ),
    (
        r"heating\.compressors\.\d+\.power\.consumption\.(heating|dhw|total)",
        "per-compressor copy of the unit's electricity counters (read from the unit's summaries)",
    ),
    (r"heating\.cop\.green", "undocumented 'green' COP, 0 in every dump"),
    (r"heating\.circuits\.\d+\.operating\.programs\.screedDrying\.heatpump", "the installer's screed-drying program"),
    (
        r"heating\.configuration\.(internalPumps|internalPump(One|Two)|pressure\.total)"
        r"|heating\.secondaryCircuit\.temperature\.return\.minimum",
        "limits set at commissioning: the pump speeds, the water pressure and the return are read",
    ),
    (r"heating\.dhw\.temperature\.levels", "bounds of the DHW set point: the set point is read and tracked"),
    (r"heating\.dhw\.schedule\.mode", "which schedule kind is used: the schedule itself is tracked"),
    (r"heating\.dhw\.actuator", "undocumented actuator state: DHW charging and its pump are read"),
    (r"heating\.heatingRod\.heat\.production\.current", "a resistive heater's heat is its electric power (read)"),
    (r"heating\.power\.consumption", "only says that the unit reports electricity: the figures are read"),
    (r"heating\.primaryCircuit\.fans", "the list of fans: each fan's speed is read"),
    (
        r"heating\.primaryCircuit\.valves\.fourThreeWay",
        "the refrigerant reversing valve: it switches for defrost and cooling, both read",
    ),
)
_IGNORED = tuple((re.compile(f"^(?:{pattern})$"), reason) for pattern, reason in IGNORED)


@dataclass
class Coverage:
    mapped: dict[str, list[str]] = field(default_factory=dict)  # feature → what reads it
    ignored: dict[str, str] = field(default_factory=dict)  # feature → reason
    unknown: dict[str, str] = field(default_factory=dict)  # feature → its properties in short

    def as_dict(self) -> dict[str, Any]:
        return {"mapped": self.mapped, "ignored": self.ignored, "unknown": self.unknown}


def _template(text: str) -> re.Pattern[str]:
    parts = re.split(r"\{(?:id|c)\}", text)
    return re.compile("^" + r"\d+".join(re.escape(part) for part in parts) + "$")


def _readers() -> list[tuple[re.Pattern[str], str]]:
    readers = [(_template(m.feature), m.name) for m in METRICS]
    readers.append((_template(DESIRED_TEMPERATURE.feature), DESIRED_TEMPERATURE.name))
    readers += [(_template(name), f"messages.{kind}") for kind, name in MESSAGE_FEATURES.items()]
    readers += [(_template(name), "discovery / errors") for name in _DISCOVERY]
    readers += [(_template(f), f"changelog: {item.label}") for item in ITEMS for f in item.features]
    return readers


_READERS = _readers()


def has_data(feature: Mapping[str, Any]) -> bool:
    """An enabled feature with at least one property value (not a structural or disabled one)."""
    props = feature.get("properties")
    if not feature.get("isEnabled", True) or not isinstance(props, Mapping):
        return False
    return any(isinstance(p, Mapping) and "value" in p for p in props.values())


def classify(features: Iterable[Mapping[str, Any]]) -> Coverage:
    coverage = Coverage()
    for feature in sorted(features, key=lambda f: str(f.get("feature"))):
        name = feature.get("feature")
        if not isinstance(name, str) or not has_data(feature):
            continue
        readers = sorted({reader for pattern, reader in _READERS if pattern.match(name)})
        if readers:
            coverage.mapped[name] = readers
            continue
        reason = next((reason for pattern, reason in _IGNORED if pattern.match(name)), None)
        if reason is not None:
            coverage.ignored[name] = reason
        elif _only_status(feature):
            coverage.ignored[name] = "sensor not connected (status only)"
        else:
            coverage.unknown[name] = summary(feature)
    return coverage


def _only_status(feature: Mapping[str, Any]) -> bool:
    return set(feature.get("properties", {})) <= {"status", "unit"}


def summary(feature: Mapping[str, Any]) -> str:
    """``prop=value unit`` pairs, short, for the unknown list (values of big arrays are elided)."""
    out = []
    for prop, body in feature.get("properties", {}).items():
        if not isinstance(body, Mapping) or "value" not in body:
            continue
        value = body["value"]
        shown = f"[{len(value)} values]" if isinstance(value, list | dict) else repr(value)
        unit = body.get("unit")
        out.append(f"{prop}={shown}" + (f" {unit}" if unit else ""))
    return ", ".join(out)


def render(coverage: Coverage, title: str) -> str:
    total = len(coverage.mapped) + len(coverage.ignored) + len(coverage.unknown)
    lines = [
        f"{title}: {total} features with data: {len(coverage.mapped)} mapped, {len(coverage.ignored)} ignored on "
        f"purpose, {len(coverage.unknown)} unknown",
        "",
        f"mapped ({len(coverage.mapped)}):",
        *(f"  {name}  → {', '.join(readers)}" for name, readers in coverage.mapped.items()),
        "",
        f"ignored on purpose ({len(coverage.ignored)}):",
        *(f"  {name}  ({reason})" for name, reason in coverage.ignored.items()),
        "",
        f"unknown ({len(coverage.unknown)}):",
        *(f"  {name}  {text}" for name, text in coverage.unknown.items()),
    ]
    if coverage.unknown:
        lines += [
            "",
            "The unknown features may hold something worth recording for your model: please send this report",
            "(it contains no serial number or account data) with the model name to the project's issue tracker.",
        ]
    return "\n".join(lines) + "\n"
