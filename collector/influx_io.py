"""Synchronous InfluxDB writes of contract points, grouped by bucket.

This is the bottom of the write path: the runtime's durable outbox (collector/runtime) calls it and decides
what to do with failures; it raises influxdb-client's exceptions unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS

from collector.points import Point
from collector.schema import Bucket
from collector.settings import Settings


def bucket_name(settings: Settings, bucket: Bucket) -> str:
    return settings.influx_bucket_raw if bucket is Bucket.RAW else settings.influx_bucket_rollup


def make_client(settings: Settings, token: str | None = None, timeout_ms: int = 10_000) -> InfluxDBClient:
    secret = token or (settings.influx_token.get_secret_value() if settings.influx_token else "")
    return InfluxDBClient(url=settings.influx_url, token=secret, org=settings.influx_org, timeout=timeout_ms)


class InfluxWriter:
    def __init__(self, settings: Settings, client: InfluxDBClient | None = None) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        self._api = self.client.write_api(write_options=SYNCHRONOUS)

    def write(self, points: Sequence[Point]) -> None:
        by_bucket: dict[Bucket, list[str]] = defaultdict(list)
        for p in points:
            by_bucket[p.bucket].append(p.to_line())
        for bucket, lines in by_bucket.items():
            self._api.write(
                bucket=bucket_name(self.settings, bucket),
                org=self.settings.influx_org,
                record=lines,
                write_precision="ns",
            )

    def close(self) -> None:
        self._api.close()
        self.client.close()
