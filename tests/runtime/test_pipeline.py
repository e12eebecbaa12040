"""The durable write pipeline against the real InfluxDB: outages, rejections, order, restarts."""

from __future__ import annotations

import time
from pathlib import Path

from influxdb_client import InfluxDBClient

from collector.points import Point
from collector.runtime.outbox import Outbox, outbox_path
from collector.runtime.pipeline import Pipeline
from collector.runtime.service import open_pipeline
from collector.settings import Settings
from collector.sources.base import Backoff
from tests.conftest import InfluxEnv
from tests.runtime.fakes import count_flux, powers, wait_until
from tests.support.influxd import InfluxdServer, influxd_binary


def fast_pipeline(settings: Settings) -> Pipeline:
    pipeline = open_pipeline(settings)
    pipeline.backoff = Backoff(0.1, 0.5)  # retry quickly: the test waits for the drain
    return pipeline


def test_points_flow_in_batches_and_leave_the_outbox(influx: InfluxEnv, tmp_path: Path) -> None:
    settings = influx.settings(tmp_path, write_batch_size=7, write_flush_seconds=0.2)
    pipeline = fast_pipeline(settings).start()
    try:
        for p in powers(50):
            pipeline.sink([p])
        assert wait_until(lambda: pipeline.outbox.depth == 0)
    finally:
        pipeline.stop(5)
    assert influx.query(count_flux(influx.bucket_raw))[0]["_value"] == "50"
    assert pipeline.last_latency_ms is not None


def test_leftovers_of_an_earlier_run_drain_first_in_order(influx: InfluxEnv, tmp_path: Path) -> None:
    settings = influx.settings(tmp_path, write_batch_size=5, write_flush_seconds=60)
    outbox = Outbox(outbox_path(settings.data_dir), settings.outbox_max_points)
    outbox.append(powers(12))  # a previous process sampled these and was killed before writing
    outbox.close()
    pipeline = fast_pipeline(settings)
    assert pipeline.outbox.depth == 12
    written: list[list[float]] = []
    write = pipeline._write
    pipeline._write = lambda points: (write(points), written.append([p.fields[0][1] for p in points]))
    pipeline.start()
    try:
        # flush interval is a minute: only the start-up drain can have written them this soon
        assert wait_until(lambda: pipeline.outbox.depth == 0, timeout=20)
    finally:
        pipeline.stop(5)
    assert [v for batch in written for v in batch] == [float(i) for i in range(12)]
    assert influx.query(count_flux(influx.bucket_raw))[0]["_value"] == "12"


def test_malformed_points_go_to_dead_letters_and_the_rest_flows(influx: InfluxEnv, tmp_path: Path) -> None:
    settings = influx.settings(tmp_path, write_batch_size=100, write_flush_seconds=0.2)
    good = powers(20)
    influx.write(good[:1])  # the field "power" is now a float in this bucket
    type_conflict = Point(
        "shelly_power", (("device", "fake"), ("phase", "total")), (("power", "text"),), good[5].time_ns + 1
    )
    unparsable = Point("shelly_power", (("device", "fake"),), (("power", float("inf")),), good[9].time_ns + 1)
    pipeline = fast_pipeline(settings)
    pipeline.sink([*good[:7], type_conflict, *good[7:13], unparsable, *good[13:]])
    pipeline.start()
    try:
        assert wait_until(lambda: pipeline.outbox.depth == 0, timeout=30)
    finally:
        pipeline.stop(5)
    assert influx.query(count_flux(influx.bucket_raw))[0]["_value"] == "20"
    letters = pipeline.outbox.dead_letters()
    assert [line for line, _ in letters] == [type_conflict.to_line(), unparsable.to_line()]
    assert "HTTP 422" in letters[0][1] and "conflict" in letters[0][1]
    assert "HTTP 400" in letters[1][1]


def test_auth_failure_is_retried_not_dead_lettered(influx: InfluxEnv, tmp_path: Path) -> None:
    settings = influx.settings(tmp_path, influx_token="not-the-token", write_flush_seconds=0.1)
    pipeline = fast_pipeline(settings).start()
    try:
        pipeline.sink(powers(3))
        assert wait_until(lambda: pipeline.consecutive_failures >= 3, timeout=20)
    finally:
        pipeline.stop(0.5)
    outbox = Outbox(outbox_path(settings.data_dir), 10)
    assert (outbox.depth, outbox.dead_letter_count()) == (3, 0)


def test_influxdb_stopped_during_writes_loses_nothing(tmp_path: Path) -> None:
    server = InfluxdServer(influxd_binary(), tmp_path / "influxd").start()
    try:
        server.create_buckets("raw", "rollup")
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            influx_url=server.url,
            influx_org=server.org,
            influx_token=server.token,
            influx_bucket_raw="raw",
            influx_bucket_rollup="rollup",
            data_dir=tmp_path / "data",
            write_batch_size=4,
            write_flush_seconds=0.1,
        )
        pipeline = fast_pipeline(settings).start()
        sampled = powers(60)
        for i, p in enumerate(sampled):
            if i == 20:
                server.stop()
            if i == 45:
                assert pipeline.outbox.depth >= 20  # everything since the stop waited in the outbox
                server.start()
            pipeline.sink([p])
            time.sleep(0.03)
        assert wait_until(lambda: pipeline.outbox.depth == 0)
        pipeline.stop(5)
        with InfluxDBClient(url=server.url, token=server.token, org=server.org) as client:
            rows = InfluxEnv(server, client, "raw", "rollup").query(count_flux("raw"))
        assert rows[0]["_value"] == "60"
    finally:
        server.stop()
