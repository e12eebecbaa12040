"""Property tests of the counter rule (collector/metrics/counter.py) on arbitrary meter histories: powers held over
10 s steps, counters rounded to 2 decimals like the Shelly's, with resets (to 0 and to any lower value), jumps,
single-sample glitches of any size, lost samples and duplicated ones. The truth is the power history itself."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from collector.metrics.counter import NS, CounterSample, book_counter, book_minute_record, max_interval_wh
from collector.metrics.energy import counter_series
from collector.points import point
from collector.schema import COUNTER_DROP_TOLERANCE_WH, meter_max_power_w

MAX_W = meter_max_power_w(120.0)
STEP_S = 10
MAX_GAP_S = 120
ROUNDING_WH = 0.005  # a two-decimal reading is within this of the true counter


@dataclass
class History:
    samples: list[CounterSample]  # what the collector stored (time-sorted, duplicates removed)
    truth: list[float]  # true energy of every step, Wh
    kept: list[bool]  # whether the step's start sample was stored
    segments: int  # counter segments (1 + resets + jumps): each adds at most one rounding error
    glitches: int


@st.composite
def histories(draw: st.DrawFn) -> History:
    n = draw(st.integers(3, 60))
    powers = draw(st.lists(st.floats(0.0, 25_000.0), min_size=n, max_size=n))
    start = draw(st.floats(0.0, 1e7))
    # at step i: "" normal, "reset" (to 0 or below), "jump" (far above the bound), "glitch", "lost"
    faults = draw(
        st.lists(st.sampled_from(["", "", "", "", "reset", "jump", "glitch", "lost"]), min_size=n, max_size=n)
    )
    faults[0] = faults[-1] = ""  # the first and last sample are stored and plain
    for i in range(1, n):
        # a reset interval books the power sample held over it: exact over one step only
        if faults[i] in ("reset", "jump") and faults[i - 1] == "lost":
            faults[i - 1] = ""
        # a reset and a jump back within 20 s look exactly like a glitch: one of them is left out
        if faults[i] in ("reset", "jump") and faults[i - 1] in ("reset", "jump"):
            faults[i] = ""
    true_counter, offset, segments, glitches = start, 0.0, 1, 0
    samples, kept = [], []
    for i, power in enumerate(powers):
        fault = faults[i]
        neighbours_plain = faults[i - 1] == "" and faults[i + 1] == "" if 0 < i < n - 1 else False
        reading = true_counter + offset
        if fault == "reset" and reading > 200.0:
            target = draw(st.sampled_from([0.0, draw(st.floats(0.0, reading - 100.0))]))
            offset += target - reading
            reading, segments = target, segments + 1
        elif fault == "jump":
            offset += draw(st.floats(max_interval_wh(MAX_W, MAX_GAP_S) + 1.0, 1e8))
            reading, segments = true_counter + offset, segments + 1
        shown = round(reading, 2)
        if fault == "glitch" and neighbours_plain:
            shown = round(reading - draw(st.floats(0.01, 1e4)), 2)
            glitches += 1
        if fault != "lost":
            samples.append(CounterSample(i * STEP_S * NS, shown, power))
        kept.append(fault != "lost")
        true_counter += power * STEP_S / 3600.0
    truth = [p * STEP_S / 3600.0 for p in powers[:-1]]
    return History(samples, truth, kept[:-1], segments, glitches)


def booked_total(history: History) -> tuple[list, float]:
    booked, _ = book_counter(history.samples, 0, MAX_GAP_S, MAX_W)
    return booked, sum(b.wh for b in booked)


@settings(max_examples=150, deadline=None)
@given(histories())
def test_booked_energy_is_never_negative_nor_above_the_physical_bound(history: History) -> None:
    booked, _ = booked_total(history)
    for b in booked:
        assert 0.0 <= b.wh <= max_interval_wh(MAX_W, b.seconds) + 1e-9, b


@settings(max_examples=150, deadline=None)
@given(histories())
def test_booked_energy_never_exceeds_the_truth_beyond_rounding(history: History) -> None:
    _, total = booked_total(history)
    assert total <= sum(history.truth) + 2 * ROUNDING_WH * history.segments + 1e-6


@settings(max_examples=150, deadline=None)
@given(histories())
def test_where_no_sample_was_lost_the_booked_energy_is_the_truth(history: History) -> None:
    if not all(history.kept):
        return
    booked, total = booked_total(history)
    # resets and jumps are booked from the power sample: exact for power held over the step
    tolerance = 2 * ROUNDING_WH * history.segments + COUNTER_DROP_TOLERANCE_WH + 1e-6
    assert abs(total - sum(history.truth)) <= tolerance, (total, sum(history.truth))
    assert sum(b.seconds for b in booked) == STEP_S * len(history.truth)  # a skipped glitch loses no time


@settings(max_examples=100, deadline=None)
@given(histories())
def test_lost_samples_only_ever_lose_energy(history: History) -> None:
    """Gaps within the gap rule book the counter across them; the energy of longer gaps is missing, never made
    up."""
    _, total = booked_total(history)
    assert total <= sum(history.truth) + 2 * ROUNDING_WH * history.segments + 1e-6


@settings(max_examples=50, deadline=None)
@given(histories(), st.lists(st.integers(0, 200), max_size=20))
def test_duplicated_samples_change_nothing(history: History, copies: list[int]) -> None:
    """The collector may write a sample twice (outbox replay): InfluxDB keeps one point per series and time."""

    def as_points(samples: list[CounterSample]) -> list:
        found = []
        for s in samples:
            found.append(point("shelly_energy", {"device": "em1", "phase": "total"}, {"imported": s.reading}, s.t / NS))
            found.append(point("shelly_power", {"device": "em1", "phase": "total"}, {"power": s.power}, s.t / NS))
        return found

    points = as_points(history.samples)
    doubled = points + [points[i % len(points)] for i in copies]
    [series] = counter_series(doubled, 0, 10**19).values()
    assert book_counter(series, 0, MAX_GAP_S, MAX_W) == book_counter(history.samples, 0, MAX_GAP_S, MAX_W)


def test_the_rule_on_the_issue_cases() -> None:
    """The cases of issue 12: a drop to a non-zero value, a 0.01 Wh and a 5 Wh step-back, a reset to 0."""

    def book(readings: list[float], power: float = 1800.0) -> tuple[float, int, int, int]:
        series = [CounterSample(i * 10 * NS, v, power) for i, v in enumerate(readings)]
        booked, skipped = book_counter(series, 0, MAX_GAP_S, MAX_W)
        return (
            round(sum(b.wh for b in booked), 6),
            sum(b.reset for b in booked),
            sum(b.clamped for b in booked),
            len(skipped),
        )

    assert book([2_600_000.0, 2_600_005.0, 12_345.0, 12_350.0]) == (15.0, 1, 0, 0)  # 5 Wh per 10 s at 1800 W
    assert book([100.0, 99.99, 105.0, 110.0]) == (10.0, 0, 0, 1)
    assert book([100.0, 95.0, 105.0, 110.0]) == (10.0, 0, 0, 1)
    assert book([100.0, 105.0, 0.0, 5.0]) == (15.0, 1, 0, 0)
    assert book([100.0, 105.0, 9_999_999.0, 10_000_004.0]) == (15.0, 0, 1, 0)
    assert book([100.0, 105.0, 104.995, 110.0]) == (10.0, 0, 0, 1)  # a sub-tolerance drop that comes back
    assert book_minute_record(-3.0, MAX_W) == (0.0, True)
    assert book_minute_record(50.0, MAX_W) == (50.0, False)
    assert book_minute_record(1e9, MAX_W) == (max_interval_wh(MAX_W, 60), True)
