"""The real device dumps and how to put them behind PyViCare's real classes offline.

``MODELS``: the five byte-for-byte dumps in ../shared/fixtures. ``PUBLIC``: further public PyViCare dumps kept
under tests/data/viessmann (reduced to their readable features, see SOURCES.md there)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from collector.settings import Settings
from collector.sources.viessmann import ViessmannSource
from collector.sources.viessmann.offline import OfflineOAuthManager
from tests.conftest import FIXTURES

DUMPS = FIXTURES / "viessmann"
PUBLIC_DUMPS = Path(__file__).resolve().parents[1] / "data" / "viessmann"
E3 = ["type:heatpump", "type:E3"]
LEGACY = ["type:heatpump", "type:legacy"]
# file → (modelId, roles) as the installations endpoint reports them (300-G: from its own "device" block)
MODELS: dict[str, tuple[str, list[str]]] = {
    "Vitocal250A.json": ("E3_Vitocal_16", E3),
    "Vitocal252A.json": ("E3_Vitocal_16", E3),
    "Vitocal200S_E8NEV.json": ("E3_Vitocal_16", E3),
    "Vitocal300G_CU401B.json": ("CU401B_G", LEGACY),
    "Vitocal333G.json": ("Vitocal333G", LEGACY),
}
# model ids as the installations endpoint names these families ("Vitocaldens" is auto-detected as a heat pump)
PUBLIC: dict[str, tuple[str, list[str]]] = {
    "Vitocaldens222F.json": ("Vitocaldens222F", LEGACY),
    "Vitocal151A.json": ("E3_Vitocal_16", E3),
    "Vitocal262A.json": ("E3_Vitocal_16", E3),
    "Vitocal200.json": ("Vitocal200", LEGACY),
    "Vitocal111S.json": ("Vitocal111S", LEGACY),
    "Vitocal200S.json": ("Vitocal200S", LEGACY),
    "Vitocal200S_AWB-M-E-AC-201.D10.json": ("Vitocal200S", LEGACY),
    # one Vitocal 200-A, two devices on one gateway (model ids as PyViCare's auto-detection names them)
    "Vitocal200A_SystemController.json": ("OBNG_SCU", E3),
    "Vitocal200A_OutdoorUnit.json": ("OBNG_OCU", E3),
    "Vitocal200S-with-Vitovent300W.json": ("Vitocal200S", LEGACY),
    "Vitocal250A_TwoCircuits.json": ("E3_Vitocal_17", E3),  # its own "device" block
    "Vitocal222S.json": ("Vitocal222S", LEGACY),
    "Vitocal262A_T2H-R290.json": ("E3_Vitocal_262_02", ["type:dhwHeatpump", "type:E3"]),  # a DHW heat pump
    "Vitocal252.json": ("E3_Vitocal_16", E3),
    "Vitocal222SI_Invisible.json": ("E3_Vitocal_16", E3),  # no device block; productFamily B_00061_VC250
    "Vitocal300G.json": ("Vitocal300G", LEGACY),
    "Vitocal333G_Vitovent300F.json": ("Vitocal333G", LEGACY),
    "Vitocal300G_CU401B_ThreeCircuits.json": ("CU401B_G", LEGACY),  # device 0 of its gateway.devices list
}
ALL_MODELS = {**MODELS, **PUBLIC}
SERIAL = "7571381681420106"
DEVICE = f"{SERIAL}/0"


@cache
def _dump_text(name: str) -> str:
    return ((PUBLIC_DUMPS if name in PUBLIC else DUMPS) / name).read_text()


def dump(name: str) -> dict[str, Any]:
    """A fresh copy of one dump (tests may modify it)."""
    return json.loads(_dump_text(name))


def manager(name: str, features: Callable[[], dict[str, Any]] | dict[str, Any] | None = None) -> OfflineOAuthManager:
    model_id, roles = ALL_MODELS[name]
    return OfflineOAuthManager(
        features if features is not None else dump(name), model_id=model_id, roles=roles, gateway_serial=SERIAL
    )


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def source(settings: Settings, api: OfflineOAuthManager, clock: FakeClock, **kwargs: Any) -> ViessmannSource:
    return ViessmannSource(settings, clock=clock, oauth_manager=api, **kwargs)


def set_feature(data: dict[str, Any], name: str, timestamp: str, **values: Any) -> None:
    """Change one feature of a dump in place: its timestamp and ``properties.<key>.value``."""
    for feature in data["data"]:
        if feature["feature"] == name:
            feature["timestamp"] = timestamp
            for key, value in values.items():
                feature["properties"][key]["value"] = value
            return
    raise KeyError(name)


def ledger_path(data_dir: Path) -> Path:
    return data_dir / "viessmann_calls.sqlite"
