"""A seeded fuzzer of device input: mutated answers reach each source the way real ones do, and an oracle that
does not trust the source checks what comes out.

Shelly: a mutating HTTP proxy on 127.0.0.1 in front of the real emulator; the source talks to it over real
HTTP with digest auth enabled, so challenges, bodies, statuses and timing can all be corrupted. Viessmann:
PyViCare's own classes over the offline OAuth manager, answering with mutated real device dumps.

Per poll (one case) the oracle counts: exceptions escaping ``poll()``, points out of the schema contract
(undeclared names, wrong types, unusable tags or timestamps), implausible values (``schema.PLAUSIBLE``),
Shelly energy counters that go down without a ``counter_reset`` event in the same poll, and hangs (a poll
longer than its requests' deadlines allow). ``bench/fuzz.py`` runs it at scale; ``tests/test_fuzz.py`` briefly.
"""

from __future__ import annotations

import copy
import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from collector import schema
from collector.points import InvalidPoint, Point, point
from collector.settings import Settings
from collector.sources.shelly import ShellySource
from collector.sources.shelly.emulator import ShellyEmulator
from collector.sources.viessmann import ViessmannSource
from collector.sources.viessmann.offline import JSON, OfflineOAuthManager, OfflineResponse
from collector.validation import in_window
from tests.viessmann import dumps

COLUMNS = ("cases", "escaped", "out_of_contract", "implausible", "counter_decreases", "hangs")
START = 1_790_000_000.0
SHELLY_TIMEOUT = 0.25
VIESSMANN_HANG_S = 5.0  # no network: a poll is milliseconds of parsing
HANG_SLACK_S = 2.0  # a poll may take its requests' deadlines plus this (a shared, busy CPU) before it is a hang

# Values a corrupted device or API sends in place of a good one.
GARBAGE: tuple[Any, ...] = (
    10**400,  # too large for a float
    -(10**30),
    1e308,  # overflows when converted kW -> W
    -1e308,
    1e12,
    -5,
    7.5,
    198,
    0,
    None,
    "",
    "x",
    "on",
    "error",
    "a\nb",
    True,
    [],
    [1, 2],
    {},
    {"value": 1},
    "NaN",
)


@dataclass
class Tally:
    source: str
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # column -> first example
    points: int = 0
    rejected: int = 0
    seconds: float = 0.0

    def add(self, column: str, example: str) -> None:
        self.counts[column] += 1
        self.examples.setdefault(column, example[:300])

    def row(self) -> dict[str, int]:
        return {column: self.counts[column] for column in COLUMNS}

    @property
    def failures(self) -> int:
        return sum(self.counts[c] for c in COLUMNS if c != "cases")


# --- the oracle ------------------------------------------------------------------------------------------
def check_points(points: list[Point], now: float, tally: Tally, device_tags: set[str]) -> None:
    for p in points:
        problem = _contract_problem(p, now, device_tags)
        if problem:
            tally.add("out_of_contract", f"{p.to_line()[:200]}: {problem}")
            continue
        for name, value in p.fields:
            bounds = schema.plausible(p.measurement, name)
            if bounds is not None and isinstance(value, int | float) and not bounds.admits(float(value)):
                tally.add("implausible", f"{p.measurement}.{name}={value!r}")
    tally.points += len(points)


def _contract_problem(p: Point, now: float, device_tags: set[str]) -> str | None:
    try:
        rebuilt = point(p.measurement, dict(p.tags), dict(p.fields), p.time_ns / 1e9)
    except (InvalidPoint, KeyError, ValueError, OverflowError) as error:
        return str(error)
    if dict(rebuilt.fields) != dict(p.fields):
        return "field types differ from the contract"
    if "\n" in p.to_line():
        return "line protocol holds a line break"
    if not in_window(p.time_ns / 1e9, now):
        return "timestamp outside the window around now"
    device = dict(p.tags).get(schema.TAG_DEVICE)
    if device is not None and device not in device_tags:
        return f"device tag {device!r} is not the device's"
    return None


class CounterOracle:
    """Counters must not go down without a reset event in the same poll: Shelly energy counters per (device,
    phase, field) — a ``counter_reset`` event explains a drop —, Viessmann's ``schema.CUMULATIVE`` counters
    (starts, run hours) — nothing does."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, tuple[tuple[str, str], ...], str], float] = {}

    def check(self, points: list[Point], tally: Tally) -> None:
        resets = {dict(p.tags)["device"] for p in points if ("kind", "counter_reset") in p.tags}
        for p in points:
            shelly = p.measurement == schema.SHELLY_ENERGY.name
            for name, value in p.fields:
                if not shelly and (p.measurement, name) not in schema.CUMULATIVE:
                    continue
                key = (p.measurement, p.tags, name)
                before = self.last.get(key)
                explained = shelly and dict(p.tags)["device"] in resets
                if before is not None and float(value) < before - 0.01 and not explained:
                    tally.add("counter_decreases", f"{key}: {before} -> {value} without a reset event")
                self.last[key] = float(value)


# --- Shelly: a mutating proxy in front of the emulator -----------------------------------------------------
class ShellyMutator:
    """Decides per request how the emulator's answer is corrupted (or not)."""

    KINDS = (
        "value",
        "value",
        "value",
        "delete",
        "records",
        "records",
        "device",
        "uptime",
        "body",
        "status",
        "challenge",
        "trickle",
    )

    def __init__(self, rng: random.Random, rate: float, trickle_rate: float) -> None:
        self.rng, self.rate, self.trickle_rate = rng, rate, trickle_rate
        self.requests = 0
        self.kinds: Counter[str] = Counter()

    def choose(self) -> str | None:
        self.requests += 1
        if self.rng.random() < self.trickle_rate:
            return "trickle"
        if self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(self.KINDS[:-1])
        self.kinds[kind] += 1
        return kind

    def rewrite(self, method: str, upstream: Upstream) -> Answer:
        kind = self.choose()
        if kind == "challenge":
            return Answer(401, b"", {"WWW-Authenticate": _challenge(self.rng)})
        if kind == "status":
            status = self.rng.choice([429, 500, 503, 404, 302, 200])
            return Answer(status, self.rng.choice([b"", b'{"code": 429}', b"<html>", b"{}"]))
        answer = upstream()
        if kind == "trickle":
            answer.trickle = 0.02  # well under httpx's per-read timeout
        elif kind is not None and answer.status == 200:
            answer.body = self.body(kind, method, json.loads(answer.body))
        return answer

    def body(self, kind: str, method: str, body: Any) -> bytes:
        rng = self.rng
        if kind == "body":
            return rng.choice(
                [b"[" * 200_000 + b"]" * 200_000, b'{"a":' * 5000, b"", b"\x00\xff", b'{"em:0":', b"null", b"1e999"]
            )
        if kind == "value":
            _set_random_leaf(body, rng, rng.choice(GARBAGE))
        elif kind == "delete":
            _delete_random_key(body, rng)
        elif kind == "records" and method.endswith("Data.GetData") and isinstance(body, dict):
            _corrupt_page(body, rng)
        elif kind == "device" and method == "Shelly.GetDeviceInfo" and isinstance(body, dict):
            body["id"] = rng.choice(["", "shelly\npro3em", " ", "shellypro3em-000000000000", 5, None, "x" * 500])
        elif kind == "uptime" and isinstance(body, dict) and isinstance(body.get("sys"), dict):
            body["sys"]["uptime"] = rng.choice([10**400, -1, 1e300, "x", None, True])
        elif kind == "records" or kind == "device" or kind == "uptime":
            _set_random_leaf(body, rng, rng.choice(GARBAGE))
        return _dumps(body)


def _corrupt_page(page: dict[str, Any], rng: random.Random) -> None:
    data = page.get("data")
    block = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
    choice = rng.randrange(10)
    if choice == 0 and block is not None and block.get("values"):
        block["values"][0] = rng.choice([5, "x", {"a": 1}, None])
    elif choice == 1:
        page["keys"] = rng.choice(["a_total_act_energy", {"a": 1}, 5])
    elif choice == 2 and isinstance(page.get("keys"), list) and page["keys"]:
        page["keys"][0] = rng.choice([["unhashable"], 5, None, {"k": 1}])
    elif choice == 3 and block is not None:
        block["period"] = rng.choice([30, 0, -60, 1, "60", 10**400, True])
    elif choice == 4 and block is not None and isinstance(block.get("ts"), int):
        block["ts"] += rng.choice([17, 1, 59, -23])  # off the minute
    elif choice == 5 and isinstance(data, list) and block is not None:
        data.append(copy.deepcopy(block))  # overlapping: the same minutes twice
    elif choice == 6 and block is not None:
        block["ts"] = rng.choice([10**400, -1, True, "x", 1e300, None])
    elif choice == 7:
        page["next_record_ts"] = rng.choice([0, -60, 10**400, "x", True, 2**41])
    elif choice == 8 and block is not None and block.get("values"):
        row = block["values"][0]
        if isinstance(row, list) and row:
            row[rng.randrange(len(row))] = rng.choice(GARBAGE)
    else:
        page["data"] = rng.choice([{"ts": 1}, "x", None, [5], [[1]]])


def _dumps(body: Any) -> bytes:
    try:
        return json.dumps(body).encode()
    except ValueError:  # a value json refuses (10**400 in Python 3.11+ without a digit limit): write it by hand
        return json.dumps(body, default=str).encode()


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*path, key))] or [path]
    if isinstance(node, list):
        return [leaf for i, value in enumerate(node) for leaf in _leaves(value, (*path, i))] or [path]
    return [path]


def _set_random_leaf(root: Any, rng: random.Random, value: Any) -> None:
    paths = [p for p in _leaves(root) if p]
    if not paths:
        return
    path = rng.choice(paths)
    parent = root
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value


def _delete_random_key(root: Any, rng: random.Random) -> None:
    paths = [p for p in _leaves(root) if p]
    if not paths:
        return
    chosen = rng.choice(paths)
    path = chosen[: rng.randrange(1, len(chosen) + 1)]
    parent = root
    try:
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
    except (KeyError, IndexError, TypeError):
        pass


def _challenge(rng: random.Random) -> str:
    return rng.choice(
        [
            'Digest realm="shelly", nonce="abc", algorithm=FOO',
            'Digest realm="shelly", nonce="abc", qop="auth-int", algorithm=SHA-256',
            "Digest realm",
            "Digest",
            'Digest nonce="abc"',
            'Basic realm="shelly"',
            'Digest realm="shelly", nonce="abc", qop="bogus", algorithm=SHA-256',
            'Digest realm="shelly", nonce=, algorithm=SHA-256',
        ]
    )


@dataclass
class Answer:
    """One HTTP answer of the proxy; ``trickle``: seconds between single bytes of the body (0: at once)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    trickle: float = 0.0


Upstream = Callable[[], Answer]  # fetches the emulator's own answer to the request
Rewrite = Callable[[str, Upstream], Answer]  # (RPC method, upstream) -> what the client gets


def passthrough(method: str, upstream: Upstream) -> Answer:
    return upstream()


class ShellyProxy:
    """127.0.0.1 HTTP server forwarding every request to the emulator; ``rewrite`` decides what is answered."""

    def __init__(self, upstream: str, rewrite: Rewrite = passthrough) -> None:
        self.upstream, self.rewrite = upstream, rewrite
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self) -> ShellyProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _fetch(self, path: str) -> Answer:
        connection = http.client.HTTPConnection(self.upstream, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return Answer(response.status, response.read())
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                method = self.path.split("?")[0].removeprefix("/rpc/")
                answer = proxy.rewrite(method, lambda: proxy._fetch(self.path))
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Length", str(len(answer.body)))
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if not answer.trickle:
                        self.wfile.write(answer.body)
                        return
                    self.wfile.flush()
                    for i in range(len(answer.body)):
                        self.wfile.write(answer.body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(answer.trickle)
                except OSError:  # the client gave up (or was cut off at its deadline)
                    pass

        return Handler


def fuzz_shelly(cases: int, seed: int, data_dir: Path, *, rate: float = 0.35, trickle_rate: float = 0.002) -> Tally:
    """``cases`` polls, half of them of a triphase meter, half of a monophase one (three em1 channels)."""
    rng = random.Random(seed)
    tally = Tally("shelly")
    started = time.perf_counter()
    for profile, share in (("triphase", cases - cases // 2), ("monophase", cases // 2)):
        _fuzz_shelly_profile(profile, share, rng, data_dir / profile, ShellyMutator(rng, rate, trickle_rate), tally)
    tally.seconds = time.perf_counter() - started
    return tally


def _fuzz_shelly_profile(
    profile: str, cases: int, rng: random.Random, data_dir: Path, mutator: ShellyMutator, tally: Tally
) -> None:
    clock = _Clock(START)
    emulator = ShellyEmulator(clock=clock, profile=profile)
    emulator.start()
    try:
        with ShellyProxy(emulator.address, mutator.rewrite) as proxy:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                data_dir=data_dir,
                shelly_host=proxy.address,
                shelly_password="fuzz-password",  # digest auth armed: challenges reach httpx's DigestAuth
                shelly_timeout_seconds=SHELLY_TIMEOUT,
            )
            source = ShellySource(settings, clock=clock)
            counters = CounterOracle()
            for case in range(cases):
                clock.t += 10.0
                if rng.random() < 0.03:  # an outage: the next successful poll backfills it from the history
                    clock.t += rng.choice([120, 600, 1800])
                if rng.random() < 0.2:
                    emulator.advance(clock.t)
                    emulator.set_power(rng.uniform(-500, 4000), rng.uniform(0, 1500), rng.uniform(0, 800))
                requests_before = mutator.requests
                points, took = poll_once(source, tally, f"{profile} case {case}")
                requests = mutator.requests - requests_before
                if took > (requests + 1) * 2 * SHELLY_TIMEOUT + HANG_SLACK_S:  # +1: a request cut off unseen
                    tally.add("hangs", f"{profile} case {case}: {took:.1f} s for {requests} requests")
                check_points(points, clock.t, tally, {emulator.device_id})
                counters.check(points, tally)
                tally.counts["cases"] += 1
            tally.rejected += source.rejections.total
            source.close()
    finally:
        emulator.stop()


def poll_once(source: ShellySource | ViessmannSource, tally: Tally, case: str) -> tuple[list[Point], float]:
    """One poll: its points (none when an exception escaped, which is counted) and how long it took."""
    begun = time.perf_counter()
    try:
        points = source.poll()
    except Exception as error:
        tally.add("escaped", f"{case}: {type(error).__name__}: {error}")
        points = []
    return points, time.perf_counter() - begun


class _Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


# --- Viessmann: mutated dumps behind PyViCare -------------------------------------------------------------
class FuzzedApi(OfflineOAuthManager):
    """The offline API answering with a mutated copy of a real dump, stamped at the fuzzer's clock."""

    def __init__(self, name: str, rng: random.Random, clock: _Clock, rate: float) -> None:
        self.base, self.rng, self.clock, self.rate = dumps.dump(name), rng, clock, rate
        self.answers = 0
        model_id, roles = dumps.MODELS[name]
        super().__init__(self._features, model_id=model_id, roles=roles, gateway_serial=dumps.SERIAL)

    def answer(self, path: str) -> OfflineResponse:
        if path != self.features_path or self.rng.random() >= self.rate / 5:
            return super().answer(path)
        self.calls.append(path)
        return self.rng.choice(
            [
                OfflineResponse(429, {"statusCode": 429, "errorType": "RATE_LIMIT_EXCEEDED"}, JSON),
                OfflineResponse(
                    429, {"extendedPayload": {"name": "x", "requestCountLimit": 1, "limitReset": "x"}}, JSON
                ),
                OfflineResponse(
                    429, {"extendedPayload": {"name": "x", "requestCountLimit": 1, "limitReset": 10**30}}, JSON
                ),
                OfflineResponse(500, {"statusCode": 500, "viErrorId": "1", "message": "down"}, JSON),
                OfflineResponse(500, {"statusCode": 500}, JSON),
                OfflineResponse(200, {"data": "x"}, JSON),
                OfflineResponse(200, {"data": [5, None, "x"]}, JSON),
                OfflineResponse(200, [], JSON),
                OfflineResponse(200, "<html>", {"content-type": "text/html"}),
            ]
        )

    def _features(self) -> dict[str, Any]:
        body = copy.deepcopy(self.base)
        stamp = datetime.fromtimestamp(self.clock.t - self.rng.uniform(0, 300), UTC).isoformat()
        for feature in body["data"]:
            feature["timestamp"] = stamp
        self.answers += 1
        if self.answers > 2 and self.rng.random() < self.rate:  # auto-detection, first poll: counter baseline
            for _ in range(self.rng.randint(1, 4)):
                _mutate_feature(body["data"], self.rng)
        return body


def _mutate_feature(features: list[dict[str, Any]], rng: random.Random) -> None:
    index = rng.randrange(len(features))
    feature = features[index]
    props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
    prop = props[rng.choice(list(props))] if props else None
    choice = rng.randrange(10)
    if choice < 4 and isinstance(prop, dict):
        prop["value"] = rng.choice(GARBAGE)
    elif choice == 4 and isinstance(prop, dict):
        if rng.random() < 0.5:
            prop.pop("unit", None)
        else:
            prop["unit"] = rng.choice(["seconds", "bogus", 5, None, {}, "kilowatt", "watt", ""])
    elif choice == 5:
        feature["timestamp"] = rng.choice(
            [
                "2099-01-01T00:00:00.000Z",
                "9999-12-31T23:59:59.000Z",
                "1970-01-01T00:00:00Z",
                "garbage",
                None,
                5,
                "2026-01-01T00:00:00",
                "0001-01-01T00:00:00+00:00",
            ]
        )
    elif choice == 6:
        features.append(
            {
                "feature": "device.messages.errors.raw",
                "timestamp": feature.get("timestamp"),
                "isEnabled": True,
                "properties": {
                    "entries": {
                        "type": "array",
                        "value": rng.choice(
                            [
                                [{"priority": "criticalError"}],
                                [{"errorCode": {}}],
                                ["F.1"],
                                "x",
                                [{"errorCode": "a\nb"}],
                            ]
                        ),
                    }
                },
            }
        )
    elif choice == 7:
        features[index] = rng.choice([None, 5, "x", [], {"feature": feature.get("feature")}])
    elif choice == 8:
        feature["properties"] = rng.choice([None, [], "x", {"value": 5}])
    else:
        feature["isEnabled"] = rng.choice(["yes", None, 0, {}])
    if feature.get("feature") == "heating.circuits" and isinstance(prop, dict) and rng.random() < 0.5:
        prop["value"] = rng.choice([["0\n"], [""], [{}], "01", [10**400]])


def fuzz_viessmann(cases: int, seed: int, data_dir: Path, *, rate: float = 0.6) -> Tally:
    rng = random.Random(seed)
    tally = Tally("viessmann")
    names = list(dumps.MODELS)
    started = time.perf_counter()
    for n, name in enumerate(names):
        clock = _Clock(START)
        api = FuzzedApi(name, rng, clock, rate)
        settings = Settings(_env_file=None, data_dir=data_dir / f"v{n}")  # type: ignore[call-arg]
        source = ViessmannSource(settings, clock=clock, oauth_manager=api)
        device_tags = {dumps.DEVICE}
        counters = CounterOracle()
        share = cases // len(names) + (1 if n < cases % len(names) else 0)
        for case in range(share):
            clock.t += source.poll_seconds
            for _ in range(5):  # skip a backoff or a rate-limit block
                if source.due(clock.t):
                    break
                clock.t = max(clock.t + 1, source._next_attempt)
            points, took = poll_once(source, tally, f"{name} case {case}")
            if took > VIESSMANN_HANG_S:
                tally.add("hangs", f"{name} case {case}")
            check_points(points, clock.t, tally, device_tags)
            counters.check(points, tally)
            tally.counts["cases"] += 1
        tally.rejected += source.rejections.total
        source.close()
    tally.seconds = time.perf_counter() - started
    return tally
