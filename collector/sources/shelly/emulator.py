"""A Shelly Pro 3EM on 127.0.0.1: the RPC endpoints the collector uses, driven by a test or the simulator.

Responses follow the captured device responses (``templates``). Values come from the driver: ``set_power`` sets
the load, ``advance(t)`` integrates it into the energy counters and 1-minute history up to ``t`` (every request
also advances to ``clock()``). Like the real meter, counters move once per minute, when a 1-minute record is
completed, so the sum of the records between two samples equals the counter difference. History is stored as
runs of identical minutes, so advancing over days of constant load costs O(1).

Run standalone: ``python -m collector.sources.shelly.emulator [--profile monophase|two_channel] [--port N]``
(password from ``HPM_SHELLY_PASSWORD``); it prints ``host:port`` and serves until interrupted.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import hashlib
import json
import math
import os
import re
import secrets
import threading
import time
from array import array
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from collector.sources.base import Clock
from collector.sources.shelly import templates as tpl

FAULTS = ("delay", "401", "429", "500", "garbage", "truncated", "disconnect", "null_fields", "nan")
HISTORY_SECONDS = 60 * 86400  # the device keeps about 60 days of 1-minute records
_IDX = {key: i for i, key in enumerate(tpl.RECORD_KEYS)}
_DIGITS = tuple(4 if key.endswith("energy") else 1 if "power" in key else 3 for key in tpl.RECORD_KEYS)
Record = array  # 51 doubles in RECORD_KEYS order: ~0.5 kB per stored minute (a tuple of floats takes 1.6 kB)


class _Load:
    """Electrical state of one phase, constant between two driver calls."""

    __slots__ = ("current", "freq", "pf", "power", "voltage")

    def __init__(self, power: float = 0.0, voltage: float = 230.0, pf: float = 0.95, freq: float = 50.0) -> None:
        self.power, self.voltage, self.pf, self.freq = power, voltage, pf, freq
        self.current = abs(power) / (voltage * abs(pf)) if voltage and pf else 0.0

    @property
    def apparent(self) -> float:
        return self.voltage * self.current

    @property
    def reactive(self) -> float:
        return self.apparent * math.sqrt(max(0.0, 1.0 - self.pf * self.pf))


class _Minute:
    """Accumulates one minute of load into the values of a 1-minute record (``templates.RECORD_KEYS``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.values = [0.0] * len(tpl.RECORD_KEYS)  # the neutral stays 0: no neutral CT

    def add(self, seconds: float, loads: tuple[_Load, _Load, _Load]) -> None:
        first = self.seconds == 0.0
        v = self.values
        for phase, load in zip(tpl.PHASES, loads, strict=True):
            o = _IDX[f"{phase}_total_act_energy"]
            energy = load.power * seconds / 3600.0
            if energy >= 0:
                v[o] += energy  # total_act_energy
                v[o + 1] += energy  # fund_act_energy
            else:
                v[o + 2] -= energy  # total_act_ret_energy
                v[o + 3] -= energy  # fund_act_ret_energy
            v[o + 4] += load.reactive * seconds / 3600.0  # lag_react_energy
            for offset, value in ((6, load.power), (8, load.apparent), (10, load.voltage), (13, load.current)):
                v[o + offset] = value if first else max(v[o + offset], value)  # max
                v[o + offset + 1] = value if first else min(v[o + offset + 1], value)  # min
            total = self.seconds + seconds
            v[o + 12] = (v[o + 12] * self.seconds + load.voltage * seconds) / total  # avg_voltage
            v[o + 15] = (v[o + 15] * self.seconds + load.current * seconds) / total  # avg_current
        self.seconds += seconds

    def record(self) -> Record:
        return array("d", (round(value, digits) for value, digits in zip(self.values, _DIGITS, strict=True)))


class ShellyEmulator:
    """A Shelly Pro 3EM HTTP server (background thread) answering from ``templates`` with driven values."""

    def __init__(
        self,
        *,
        profile: str = "triphase",
        password: str | None = None,
        clock: Clock = time.time,
        device_id: str = tpl.DEVICE_ID,
        delay_seconds: float = 5.0,
    ) -> None:
        self.profile, self.password, self.clock, self.device_id = _known(profile), password, clock, device_id
        self.delay_seconds = delay_seconds  # how long a "delay" fault stalls a response
        self.requests = 0
        self._lock = threading.RLock()
        self._t = clock()
        self._boot = self._t
        self._loads = (_Load(), _Load(), _Load())
        self._minute = _Minute()
        self._full_minute_cache: tuple[tuple[_Load, ...], Record] | None = None
        # history runs: start ts, count of identical consecutive records, record values
        self._run_starts: list[int] = []
        self._runs: list[tuple[int, int, Record]] = []
        seed = tpl.EMDATA_STATUS
        self._counters = [[seed[f"{p}_total_act_energy"], seed[f"{p}_total_act_ret_energy"]] for p in tpl.PHASES]
        self._faults: deque[str | None] = deque()  # per request: a fault, or None for a good answer
        self._nonces: deque[str] = deque(maxlen=64)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> str:
        """Serve on a free port of 127.0.0.1; returns ``host:port``."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="shelly-emulator", daemon=True)
        self._thread.start()
        return self.address

    @property
    def address(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator not started")
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ShellyEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- driver ----------------------------------------------------------------------------------------
    def set_power(
        self, a: float, b: float, c: float, *, voltage: float = 230.0, pf: float = 0.95, freq: float = 50.0
    ) -> None:
        """The load from now on (W per phase, signed); it applies until the next ``set_power``."""
        with self._lock:
            self._loads = tuple(_Load(p, voltage, pf, freq) for p in (a, b, c))  # type: ignore[assignment]

    def advance(self, until: float) -> None:
        """Integrate the current load up to ``until`` (unix s): counters and completed 1-minute records."""
        with self._lock:
            t = self._t
            while t < until:
                minute_end = (math.floor(t / tpl.RECORD_PERIOD) + 1) * tpl.RECORD_PERIOD
                if minute_end > until:
                    self._minute.add(until - t, self._loads)
                    break
                self._minute.add(minute_end - t, self._loads)
                self._complete(minute_end - tpl.RECORD_PERIOD, self._minute.record(), 1)
                self._minute = _Minute()
                t = minute_end
                whole = int((until - t) // tpl.RECORD_PERIOD)
                if whole:
                    self._complete(t, self._full_minute(), whole)
                    t += whole * tpl.RECORD_PERIOD
            self._t = max(self._t, until)

    def reset_counters(self) -> None:
        """EMData.ResetCounters: the totals restart at 0, the history stays."""
        with self._lock:
            self.advance(self.clock())
            self._counters = [[0.0, 0.0] for _ in tpl.PHASES]

    def switch_profile(self, profile: str) -> None:
        """Shelly.SetProfile: the components change and, as reported for the device, the counters restart at 0."""
        with self._lock:
            self.profile = _known(profile)
            self.reset_counters()

    def reboot(self) -> None:
        """Uptime starts again from 0; counters and history survive, as on the device."""
        with self._lock:
            self._boot = self.clock()

    def inject(self, fault: str, times: int = 1, *, after: int = 0) -> None:
        """The next ``times`` HTTP requests (after ``after`` good ones) fail with ``fault`` (one of ``FAULTS``)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {FAULTS}")
        with self._lock:
            self._faults.extend([None] * after + [fault] * times)

    def clear_faults(self) -> None:
        """Drop faults not yet consumed (ends an outage of unknown request count)."""
        with self._lock:
            self._faults.clear()

    def counter_state(self) -> list[list[float]]:
        """[imported, exported] Wh per phase: what a restarted emulator continues from (``restore_counters``)."""
        with self._lock:
            return [list(pair) for pair in self._counters]

    def restore_counters(self, state: list[list[float]]) -> None:
        with self._lock:
            self._counters = [[float(imp), float(ret)] for imp, ret in state]

    @property
    def counters(self) -> dict[str, float]:
        """Current import counters per phase and total, Wh (what EMData.GetStatus reports, unrounded)."""
        with self._lock:
            values = {p: imp for p, (imp, _) in zip(tpl.PHASES, self._counters, strict=True)}
        return {**values, "total": sum(values.values())}

    # --- model -----------------------------------------------------------------------------------------
    def _full_minute(self) -> Record:
        if self._full_minute_cache is None or self._full_minute_cache[0] is not self._loads:
            minute = _Minute()
            minute.add(tpl.RECORD_PERIOD, self._loads)
            self._full_minute_cache = (self._loads, minute.record())
        return self._full_minute_cache[1]

    def _complete(self, start: int, record: Record, count: int) -> None:
        for i, phase in enumerate(tpl.PHASES):
            self._counters[i][0] += record[_IDX[f"{phase}_total_act_energy"]] * count
            self._counters[i][1] += record[_IDX[f"{phase}_total_act_ret_energy"]] * count
        start = int(start)
        last = self._runs[-1] if self._runs else None
        if last is not None and last[2] == record and last[0] + last[1] * tpl.RECORD_PERIOD == start:
            self._runs[-1] = (last[0], last[1] + count, record)
        else:
            self._runs.append((start, count, record))
            self._run_starts.append(start)
        self._forget_before(start + count * tpl.RECORD_PERIOD - HISTORY_SECONDS)

    def _forget_before(self, oldest_kept: int) -> None:
        """Drop records older than the device keeps (whole runs, or the head of the oldest run)."""
        while self._runs[0][0] < oldest_kept:
            start, count, record = self._runs[0]
            drop = -(-(oldest_kept - start) // tpl.RECORD_PERIOD)
            if drop >= count:
                del self._runs[0], self._run_starts[0]
            else:
                self._runs[0] = (start + drop * tpl.RECORD_PERIOD, count - drop, record)
                self._run_starts[0] = self._runs[0][0]

    def _records(self, ts: int, end_ts: int) -> Iterator[tuple[int, Record]]:
        """Stored records with ts <= record ts <= end_ts, oldest first."""
        for i in range(max(0, bisect.bisect_right(self._run_starts, ts) - 1), len(self._runs)):  # no list copy
            start, count, record = self._runs[i]
            if start > end_ts:
                return
            first = max(0, -(-(ts - start) // tpl.RECORD_PERIOD))
            for k in range(first, count):
                at = start + k * tpl.RECORD_PERIOD
                if at > end_ts:
                    return
                yield at, record

    # --- RPC -------------------------------------------------------------------------------------------
    def _rpc(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        """HTTP status and JSON body of one RPC call."""
        with self._lock:
            self.advance(self.clock())
            handler = _METHODS.get(method)
            component_id = int(params.get("id", 0))
            mono = self.profile != "triphase"
            wrong_profile = method.startswith("EM1") != mono and method.startswith("EM")
            if handler is None or wrong_profile or component_id not in (self._channels() if mono else (0,)):
                return 404, {"code": 404, "message": f"No handler for {method}"}
            try:
                return 200, handler(self, component_id, params)
            except (KeyError, ValueError) as error:
                return 400, {"code": -103, "message": f"Invalid argument: {error}"}

    def _channels(self) -> range:
        return range(2 if self.profile == TWO_CHANNEL else 3)

    def _device_info(self, _id: int = 0, _params: dict[str, Any] | None = None) -> dict[str, Any]:
        mac = self.device_id.rsplit("-", 1)[-1].upper()
        auth = self.password is not None
        info = {
            **tpl.DEVICE_INFO,
            "id": self.device_id,
            "mac": mac,
            "auth_en": auth,
            "auth_domain": self.device_id if auth else None,
            "profile": self.profile,
        }
        if self.profile == TWO_CHANNEL:  # a two-channel meter has no profiles
            del info["profile"]
            info.update(TWO_CHANNEL_INFO)
        return info

    def _em_status(self, _id: int = 0, _params: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": 0}
        for phase, load in zip(tpl.PHASES, self._loads, strict=True):
            out.update(_phase_values(load, f"{phase}_"))
        out["n_current"] = None  # no neutral CT, as in the capture
        out["total_current"] = round(sum(load.current for load in self._loads), 3)
        out["total_act_power"] = round(sum(load.power for load in self._loads), 3)
        out["total_aprt_power"] = round(sum(load.apparent for load in self._loads), 3)
        out["user_calibrated_phase"] = []
        return out

    def _emdata_status(self, _id: int = 0, _params: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": 0}
        for phase, (imp, ret) in zip(tpl.PHASES, self._counters, strict=True):
            out[f"{phase}_total_act_energy"] = round(imp, 2)
            out[f"{phase}_total_act_ret_energy"] = round(ret, 2)
        out["total_act"] = round(sum(imp for imp, _ in self._counters), 2)
        out["total_act_ret"] = round(sum(ret for _, ret in self._counters), 2)
        return out

    def _em1_status(self, component_id: int, _params: dict[str, Any] | None = None) -> dict[str, Any]:
        values = _phase_values(self._loads[component_id], "")
        return {"id": component_id, **{k: values[k] for k in tpl.EM1_STATUS_KEYS[1:-1]}, "calibration": "factory"}

    def _em1data_status(self, component_id: int, _params: dict[str, Any] | None = None) -> dict[str, Any]:
        imp, ret = self._counters[component_id]
        return {"id": component_id, "total_act_energy": round(imp, 2), "total_act_ret_energy": round(ret, 2)}

    def _status(self, _id: int = 0, _params: dict[str, Any] | None = None) -> dict[str, Any]:
        if self.profile == "triphase":
            meter = {"em:0": self._em_status(), "emdata:0": self._emdata_status()}
        else:
            meter = {f"em1:{i}": self._em1_status(i) for i in self._channels()}
            meter.update({f"em1data:{i}": self._em1data_status(i) for i in self._channels()})
        now = self.clock()
        sys = {
            **tpl.STATUS_AFTER_METER["sys"],
            "mac": self.device_id.rsplit("-", 1)[-1].upper(),
            "time": datetime.fromtimestamp(now, UTC).strftime("%H:%M"),
            "unixtime": int(now),
            "uptime": int(now - self._boot),
        }
        return {**tpl.STATUS_BEFORE_METER, **meter, **tpl.STATUS_AFTER_METER, "sys": sys}

    def _get_data(self, component_id: int, params: dict[str, Any]) -> dict[str, Any]:
        ts = int(params["ts"])
        end_ts = int(params.get("end_ts", 2**62))
        mono = self.profile != "triphase"
        page: list[tuple[int, Record]] = []
        next_ts = None
        for at, record in self._records(ts, end_ts):
            if len(page) == tpl.PAGE_RECORDS:
                next_ts = at
                break
            page.append((at, _mono_record(record, component_id) if mono else record))
        blocks: list[dict[str, Any]] = []
        for at, values in page:
            if not blocks or blocks[-1]["ts"] + len(blocks[-1]["values"]) * tpl.RECORD_PERIOD != at:
                blocks.append({"ts": at, "period": tpl.RECORD_PERIOD, "values": []})
            blocks[-1]["values"].append(list(values))
        out: dict[str, Any] = {}
        if str(params.get("add_keys", "true")).lower() != "false":
            out["keys"] = list(tpl.MONO_RECORD_KEYS if mono else tpl.RECORD_KEYS)
        out["data"] = blocks
        if next_ts is not None:
            out["next_record_ts"] = next_ts
        return out

    def _reset(self, _id: int = 0, _params: dict[str, Any] | None = None) -> None:
        self.reset_counters()

    # --- HTTP helpers ----------------------------------------------------------------------------------
    def _take_fault(self) -> str | None:
        with self._lock:
            self.requests += 1
            return self._faults.popleft() if self._faults else None

    def _challenge(self) -> str:
        nonce = secrets.token_hex(16)
        self._nonces.append(nonce)
        return f'Digest qop="auth", realm="{self.device_id}", nonce="{nonce}", algorithm=SHA-256'

    def _authorized(self, method: str, uri: str, header: str | None) -> bool:
        if self.password is None:
            return True
        if not header or not header.lower().startswith("digest "):
            return False
        fields = {k: v1 or v2 for k, v1, v2 in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', header[7:])}
        if fields.get("username") != "admin" or fields.get("realm") != self.device_id:
            return False
        if fields.get("nonce") not in self._nonces or fields.get("uri") != uri:
            return False

        def h(text: str) -> str:
            return hashlib.sha256(text.encode()).hexdigest()

        ha1 = h(f"admin:{self.device_id}:{self.password}")
        ha2 = h(f"{method}:{uri}")
        parts = (ha1, fields["nonce"], fields.get("nc", ""), fields.get("cnonce", ""), fields.get("qop", ""), ha2)
        return secrets.compare_digest(h(":".join(parts)), fields.get("response", ""))


_METHODS = {
    "Shelly.GetDeviceInfo": ShellyEmulator._device_info,
    "Shelly.GetStatus": ShellyEmulator._status,
    "EM.GetStatus": ShellyEmulator._em_status,
    "EMData.GetStatus": ShellyEmulator._emdata_status,
    "EMData.GetData": ShellyEmulator._get_data,
    "EMData.ResetCounters": ShellyEmulator._reset,
    "EM1.GetStatus": ShellyEmulator._em1_status,
    "EM1Data.GetStatus": ShellyEmulator._em1data_status,
    "EM1Data.GetData": ShellyEmulator._get_data,
    "EM1Data.ResetCounters": ShellyEmulator._reset,
}
_OPEN_METHODS = ("Shelly.GetDeviceInfo",)  # readable without authentication


# Emulated meters: the Pro 3EM's two profiles, and a two-channel meter (Pro EM-50 style: em1:0..1, no profile in
# Shelly.GetDeviceInfo), whose channels carry the first two loads.
METERS = (*tpl.PROFILES, TWO_CHANNEL := "two_channel")
TWO_CHANNEL_INFO = {"model": "SPEM-002CEBEU50", "app": "ProEM"}


def _known(profile: str) -> str:
    if profile not in METERS:
        raise ValueError(f"profile must be one of {METERS}, not {profile!r}")
    return profile


def _phase_values(load: _Load, prefix: str) -> dict[str, Any]:
    return {
        f"{prefix}current": round(load.current, 3),
        f"{prefix}voltage": round(load.voltage, 1),
        f"{prefix}act_power": round(load.power, 1),
        f"{prefix}aprt_power": round(load.apparent, 1),
        f"{prefix}pf": round(load.pf, 2),
        f"{prefix}freq": round(load.freq, 1),
    }


def _mono_record(record: Record, component_id: int) -> Record:
    phase = tpl.PHASES[component_id]
    return tuple(record[_IDX[f"{phase}_{key}"]] for key in tpl.MONO_RECORD_KEYS)


def _spoil(value: Any, replacement: float | None) -> Any:
    """Every number in a response replaced (component ids kept): the null_fields and nan faults."""
    if isinstance(value, dict):
        return {k: v if k == "id" else _spoil(v, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_spoil(v, replacement) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return replacement
    return value


def _params_from_query(query: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, raw in parse_qsl(query):
        params[key] = int(raw) if raw.lstrip("-").isdigit() else raw
    return params


def _handler_for(emulator: ShellyEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the device closes every connection
        server_version = "ShellyHTTP/1.0"

        def do_GET(self) -> None:
            self._serve(None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length) if length else b"")

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: tests and the simulator poll thousands of times

        def _serve(self, body: bytes | None) -> None:
            url = urlsplit(self.path)
            if url.path == "/shelly":
                method = "Shelly.GetDeviceInfo"
            elif url.path.startswith("/rpc/"):
                method = url.path[5:]
            else:
                self._send(404, {"code": 404, "message": "Not Found"})
                return
            try:
                params = json.loads(body) if body else _params_from_query(url.query)
            except ValueError:
                self._send(400, {"code": -103, "message": "Invalid JSON"})
                return
            fault = emulator._take_fault()
            if fault == "disconnect":
                self.close_connection = True
                return
            if fault == "delay":
                time.sleep(emulator.delay_seconds)
            if fault == "401" or (
                method not in _OPEN_METHODS
                and not emulator._authorized(self.command, self.path, self.headers.get("Authorization"))
            ):
                self._send(401, None, {"WWW-Authenticate": emulator._challenge()})
                return
            if fault in ("429", "500"):
                message = "Too many requests" if fault == "429" else "Internal error"
                self._send(int(fault), {"code": int(fault), "message": message})
                return
            status, result = emulator._rpc(method, params if isinstance(params, dict) else {})
            if fault == "null_fields":
                result = _spoil(result, None)
            elif fault == "nan":
                result = _spoil(result, math.nan)
            payload = json.dumps(result).encode()
            if fault == "garbage":
                payload = b"\x00\xff<html>Internal Server Err"
            elif fault == "truncated":
                payload = payload[: len(payload) // 2]
            self._send(status, payload)

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                self.wfile.write(data)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Shelly Pro 3EM emulator on 127.0.0.1")
    parser.add_argument("--profile", choices=METERS, default="triphase")
    parser.add_argument("--power", type=float, nargs=3, default=(1200.0, 300.0, 300.0), metavar=("A", "B", "C"))
    args = parser.parse_args(argv)
    emulator = ShellyEmulator(profile=args.profile, password=os.environ.get("HPM_SHELLY_PASSWORD") or None)
    emulator.set_power(*args.power)
    print(emulator.start(), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
