"""Validation at the edge as properties over any input: parsing device history pages and live answers is total
(records or a PayloadError, never another exception) and what passes lies within the schema contract."""

from __future__ import annotations

import logging
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from collector import schema
from collector.sources.shelly import readings, templates
from collector.sources.shelly.client import PayloadError
from collector.validation import Rejected, Rejections, check, number

HUGE = 10**400  # too large for a float
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-HUGE, max_value=HUGE) | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)
NUMBERS = st.integers(min_value=-HUGE, max_value=HUGE) | st.floats(allow_nan=True, allow_infinity=True)


def _block(ts: Any, period: Any, values: Any) -> dict[str, Any]:
    return {"ts": ts, "period": period, "values": values}


PAGES = (
    st.fixed_dictionaries(
        {"data": st.lists(st.builds(_block, st.integers(0, 2**41) | JSON, st.sampled_from([60, 30, 0]) | JSON, JSON))},
        optional={"keys": st.just(list(templates.RECORD_KEYS)) | JSON, "next_record_ts": JSON},
    )
    | JSON
)


@given(PAGES)
@settings(max_examples=300, deadline=None)
def test_history_pages_parse_to_aligned_unique_minutes_or_a_payload_error(page: Any) -> None:
    duplicates: list[Rejected] = []
    try:
        records = readings.parse_records(page, templates.RECORD_KEYS, "page", duplicates.append)
    except PayloadError:
        return
    minutes = [ts for ts, _ in records]
    assert all(ts % 60 == 0 for ts in minutes)
    assert len(minutes) == len(set(minutes))
    assert all(r.reason == "duplicate" for r in duplicates)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "a_act_power",
                "b_act_power",
                "c_act_power",
                "a_pf",
                "total_act",
                "a_total_act_energy",
                "b_total_act_energy",
                "c_total_act_energy",
                "total_act_ret",
                "a_freq",
                "a_voltage",
                "total_act_power",
            ]
        ),
        NUMBERS | JSON,
    )
)
@settings(max_examples=300, deadline=None)
def test_live_values_are_plausible_or_left_out(flat: dict[str, Any]) -> None:
    rejections = Rejections(logging.getLogger("test"), "shelly")
    try:
        values = readings.extract(readings.LIVE, flat, "status", rejections.rejected)
    except PayloadError:
        return
    for (measurement, _), fields in values.items():
        for name, value in fields.items():
            bounds = schema.plausible(measurement, name)
            assert math.isfinite(value) and (bounds is None or bounds.admits(value))


@given(NUMBERS | JSON)
def test_number_accepts_only_finite_numbers(value: Any) -> None:
    try:
        result = number(value, "x")
    except Rejected as error:
        assert error.reason == "malformed"
        return
    assert math.isfinite(result) and not isinstance(value, bool)


def test_every_range_is_declared_on_a_numeric_field_of_the_contract() -> None:
    for (measurement, name), bounds in schema.PLAUSIBLE.items():
        spec = schema.measurement(measurement).field(name)
        assert spec.kind in (schema.Kind.FLOAT, schema.Kind.INT)
        assert bounds.low < bounds.high
    assert check("shelly_power", "pf", -1.0, "pf") == -1.0
