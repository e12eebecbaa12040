"""Response templates of the Shelly Pro 3EM emulator, transcribed from the captured device responses.

The collector ships in a Docker image without ``../shared/fixtures``, so the emulator cannot read the captures at
runtime. This module holds their structure instead: every key, in the device's order, with the captured values
as defaults where a value is not driven by the emulator. tests/shelly/test_templates.py compares every emulator
response with the fixture file it stands for (same keys, same nesting, same JSON types) and fails on any drift.

Captures (see ../shared/fixtures/shelly/README.md for their origin):
``pro3em_Shelly.GetDeviceInfo.json``, ``pro3em_EM.GetStatus.json``, ``pro3em_EMData.GetStatus.json``,
``pro3em_EMData.GetData.json``, ``pro3em_monophase_Shelly.GetStatus.json``.
"""

from __future__ import annotations

from typing import Any

PHASES = ("a", "b", "c")
PROFILES = ("triphase", "monophase")  # Shelly.SetProfile: em:0/emdata:0 or em1:0..2/em1data:0..2
DEVICE_ID = "shellypro3em-fce8c0dba900"
RECORD_PERIOD = 60  # seconds per EMData history record
PAGE_RECORDS = 6  # records per EMData.GetData page, as the real device pages

# Shelly.GetDeviceInfo (also GET /shelly); id, mac, profile and auth fields are set by the emulator.
DEVICE_INFO: dict[str, Any] = {
    "name": None,
    "id": DEVICE_ID,
    "mac": "FCE8C0DBA900",
    "slot": 1,
    "model": "SPEM-003CEBEU",
    "gen": 2,
    "fw_id": "20241011-114455/1.4.4-g6d2a586",
    "ver": "1.4.4",
    "app": "Pro3EM",
    "auth_en": False,
    "auth_domain": None,
    "profile": "triphase",
}

# EM.GetStatus?id=0 (triphase): per-phase keys a_*, b_*, c_*, then the neutral and totals.
EM_PHASE_KEYS = ("current", "voltage", "act_power", "aprt_power", "pf", "freq")
EM_STATUS_KEYS = (
    "id",
    *(f"{p}_{key}" for p in PHASES for key in EM_PHASE_KEYS),
    "n_current",
    "total_current",
    "total_act_power",
    "total_aprt_power",
    "user_calibrated_phase",
)

# EMData.GetStatus?id=0 (triphase), Wh. The captured counters seed a new emulator.
EMDATA_STATUS: dict[str, Any] = {
    "id": 0,
    "a_total_act_energy": 2031637.32,
    "a_total_act_ret_energy": 0.0,
    "b_total_act_energy": 184947.57,
    "b_total_act_ret_energy": 40.7,
    "c_total_act_energy": 369411.29,
    "c_total_act_ret_energy": 985.91,
    "total_act": 2585996.18,
    "total_act_ret": 1026.61,
}

# EMData.GetData record keys: 16 per phase, then the neutral; EM1Data.GetData drops the prefix and fund_*.
RECORD_PHASE_KEYS = (
    "total_act_energy",
    "fund_act_energy",
    "total_act_ret_energy",
    "fund_act_ret_energy",
    "lag_react_energy",
    "lead_react_energy",
    "max_act_power",
    "min_act_power",
    "max_aprt_power",
    "min_aprt_power",
    "max_voltage",
    "min_voltage",
    "avg_voltage",
    "max_current",
    "min_current",
    "avg_current",
)
RECORD_NEUTRAL_KEYS = ("n_max_current", "n_min_current", "n_avg_current")
RECORD_KEYS = (*(f"{p}_{key}" for p in PHASES for key in RECORD_PHASE_KEYS), *RECORD_NEUTRAL_KEYS)
MONO_RECORD_KEYS = tuple(key for key in RECORD_PHASE_KEYS if not key.startswith("fund_"))

# Shelly.GetStatus (monophase capture; triphase replaces em1:N/em1data:N by em:0/emdata:0).
EM1_STATUS_KEYS = ("id", "current", "voltage", "act_power", "aprt_power", "pf", "freq", "calibration")
EM1DATA_STATUS_KEYS = ("id", "total_act_energy", "total_act_ret_energy")
STATUS_BEFORE_METER: dict[str, Any] = {
    "ble": {},
    "bthome": {"errors": ["bluetooth_disabled"]},
    "cloud": {"connected": True},
}
STATUS_AFTER_METER: dict[str, Any] = {
    "eth": {"ip": None},
    "modbus": {},
    "mqtt": {"connected": False},
    # sys: unixtime, uptime and time are set by the emulator.
    "sys": {
        "mac": "FCE8C0DBA900",
        "restart_required": False,
        "time": "19:46",
        "unixtime": 1731404780,
        "uptime": 563,
        "ram_size": 247148,
        "ram_free": 110596,
        "fs_size": 524288,
        "fs_free": 176128,
        "cfg_rev": 21,
        "kvs_rev": 0,
        "schedule_rev": 3,
        "webhook_rev": 1,
        "available_updates": {},
        "reset_reason": 3,
    },
    "temperature:0": {"id": 0, "tC": 39.0, "tF": 102.2},
    "wifi": {"sta_ip": "192.168.40.174", "status": "got ip", "ssid": "IoT", "rssi": -67},
    "ws": {"connected": False},
}
