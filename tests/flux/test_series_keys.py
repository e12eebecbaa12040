"""Why every task re-appends its tag columns in sorted order before ``to()``, and that each one does.

Flux's ``to()`` passes tags to InfluxDB in the table's column order and InfluxDB builds the series key from them
as given (it assumes sorted tags). A record literal's column order varies between runs, so without the re-append
a re-run can write a second series with the same visible tags instead of overwriting the first.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import InfluxEnv

TASKS = Path(__file__).resolve().parents[2] / "influxdb" / "tasks"
TO_WITH_TAGS = re.compile(r"\|> to\(\s*bucket:[^)]*?tagColumns: \[([^\]]*)\]", re.S)


def test_influxdb_keys_a_to_series_by_column_order(influx: InfluxEnv) -> None:
    """The server behaviour the re-append works around (if this ever fails, the workaround can go)."""
    for order in ('source: "x", kind: "y"', 'kind: "y", source: "x"'):
        influx.query(
            f'import "array"\narray.from(rows: [{{_time: 2025-01-01T00:00:00Z, _measurement: "m", {order}, v: 1.0}}])'
            f' |> to(bucket: "{influx.bucket_rollup}", org: "{influx.org}", tagColumns: ["kind", "source"],'
            ' fieldFn: (r) => ({"v": r.v}))'
        )
    rows = influx.query(f'from(bucket: "{influx.bucket_rollup}") |> range(start: 2024-01-01T00:00:00Z)')
    assert len(rows) == 2 and {(r["kind"], r["source"]) for r in rows} == {("y", "x")}


def test_every_task_re_appends_its_tags_in_sorted_order_before_to() -> None:
    checked = 0
    for path in sorted(TASKS.glob("*.flux")):
        text = path.read_text()
        for match in TO_WITH_TAGS.finditer(text):
            tags = re.findall(r'"([^"]+)"', match.group(1))
            if len(tags) < 2:
                continue  # a single tag cannot be out of order
            before = text[: match.start()].rstrip().splitlines()[-len(tags) - 1 :]
            renames = ", ".join(f'{t}: "_tag_{t}"' for t in sorted(tags))
            expected = [f"    |> rename(columns: {{{renames}}})"]
            expected += [f"    |> map(fn: (r) => ({{r with {t}: r._tag_{t}}}))" for t in sorted(tags)]
            assert before == expected, f"{path.name}: tags {tags} are not re-appended in sorted order before to()"
            checked += 1
    # energy_minute (electric, heat, cooling), energy_daily, energy_monthly, cop, carnot, jaz (actuals, forecast),
    # cycling, performance_map (two)
    assert checked == 12
