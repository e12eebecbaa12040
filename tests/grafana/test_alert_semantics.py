"""Every provisioned alert rule, evaluated the way Grafana evaluates it (alert_emulation.py) over its real query
results on the real InfluxDB: it fires on its fault, not before its pending period, and a healthy simulated
week never leaves the Normal state."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from grafana.generator import __main__ as generator
from grafana.generator import queries
from tests.conftest import InfluxEnv, temporary_buckets
from tests.grafana import alert_scenarios as sim
from tests.grafana.alert_emulation import (
    ALERTING,
    ERROR,
    NO_DATA,
    NORMAL,
    PENDING,
    Evaluation,
    RuleState,
    duration,
    evaluate,
    reduce,
    threshold,
)
from tests.support.influxd import InfluxdServer

GROUP = yaml.safe_load(generator.RULES_FILE.read_text())["groups"][0]
RULES = {rule["uid"]: rule for rule in GROUP["rules"]}
INTERVAL = duration(GROUP["interval"])


def buckets(env: InfluxEnv) -> dict[str, str]:
    return {queries.INFLUX.uid: env.bucket_raw, queries.INFLUX_ROLLUP.uid: env.bucket_rollup}


def load(env: InfluxEnv, fault: sim.Fault | None, since: datetime | None = None) -> None:
    raw = list(sim.raw_points(fault, since=since))
    for first in range(0, len(raw), 20_000):
        env.write(raw[first : first + 20_000], bucket=env.bucket_raw)
    env.write(list(sim.rollup_points(fault)), bucket=env.bucket_rollup)


def minutes(start: datetime, stop: datetime, step: timedelta = INTERVAL) -> Iterator[datetime]:
    moment = start
    while moment <= stop:
        yield moment
        moment += step


# --- the rules against faults ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    rule: str
    fault: str
    window: timedelta  # the fault lasts this long, up to the end of the simulated week
    earliest: timedelta  # firing sooner than this after the fault started would be wrong
    latest: timedelta  # it must fire within this


SCENARIOS = (
    Scenario("hp-fault", "fault_code", timedelta(minutes=8), timedelta(0), timedelta(minutes=4)),
    Scenario("hp-locked", "malfunction_lock", timedelta(minutes=8), timedelta(0), timedelta(minutes=4)),
    Scenario("shelly-unreachable", "shelly_down", timedelta(minutes=8), timedelta(minutes=2), timedelta(minutes=5)),
    Scenario("collector-stale", "collector_down", timedelta(minutes=26), timedelta(minutes=20), timedelta(minutes=22)),
    # stale counts from the last successful poll, up to one poll period (~2 min) before the fault
    Scenario("viessmann-stale", "viessmann_down", timedelta(minutes=70), timedelta(minutes=62), timedelta(minutes=66)),
    Scenario("viessmann-budget", "budget_exhausted", timedelta(minutes=4), timedelta(0), timedelta(minutes=1)),
    Scenario("viessmann-rate-limited", "rate_limited", timedelta(minutes=4), timedelta(0), timedelta(minutes=1)),
    Scenario("outbox-growing", "outbox_growing", timedelta(minutes=24), timedelta(minutes=17), timedelta(minutes=20)),
    Scenario("short-cycling", "short_cycling", timedelta(minutes=150), timedelta(minutes=60), timedelta(minutes=140)),
    Scenario("heating-rod-long", "rod_on", timedelta(minutes=135), timedelta(hours=2), timedelta(minutes=128)),
    Scenario("dhw-low", "dhw_cold", timedelta(minutes=38), timedelta(minutes=30), timedelta(minutes=35)),
)


def test_every_rule_has_a_fault_scenario() -> None:
    assert {s.rule for s in SCENARIOS} | {"cop-low"} == set(RULES)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.rule)
def test_the_rule_fires_on_its_fault_after_its_pending_period(influxd: InfluxdServer, scenario: Scenario) -> None:
    rule = RULES[scenario.rule]
    start = sim.END - scenario.window
    with temporary_buckets(influxd, prefix="a") as env:
        load(env, sim.Fault(scenario.fault, start), since=start - timedelta(days=1))
        state = RuleState(rule, INTERVAL)
        first_alerting = None
        for moment in minutes(start - 2 * INTERVAL, sim.END):
            states = state.apply(evaluate(rule, env, moment, buckets(env)))
            if moment < start:
                assert set(states.values()) <= {NORMAL}, (moment, states)
            if first_alerting is None and ALERTING in states.values():
                first_alerting = moment
    assert first_alerting is not None, state.history[-3:]
    delay = first_alerting - start
    assert scenario.earliest <= delay <= scenario.latest, (delay, scenario)
    if duration(rule["for"]):  # the condition held through the pending period first
        pending = [at for at, _, s in state.history if s == PENDING]
        assert pending and first_alerting - pending[0] >= duration(rule["for"])


def test_cop_low_fires_the_morning_after_a_bad_day(influxd: InfluxdServer) -> None:
    rule = RULES["cop-low"]
    with temporary_buckets(influxd, prefix="a") as env:
        load(env, sim.Fault("cop_low", sim.last_complete_day()), since=sim.END - timedelta(hours=1))
        state = RuleState(rule, INTERVAL)
        evaluation = evaluate(rule, env, sim.END, buckets(env))
        labels = (("boundary", "H2"), ("category", "combined"), ("source", "device"))
        assert state.apply(evaluation) == {labels: ALERTING}
        assert evaluation.values["B"][labels] < 0


# --- a healthy week -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def healthy_week(influxd: InfluxdServer) -> Iterator[InfluxEnv]:
    with temporary_buckets(influxd, prefix="w") as env:
        load(env, None)
        yield env


HEALTHY_STEP = timedelta(minutes=47)  # co-prime with the poll periods and the hour: every phase gets visited


@pytest.mark.parametrize("uid", sorted(RULES))
def test_a_healthy_week_leaves_every_rule_normal(healthy_week: InfluxEnv, uid: str) -> None:
    rule = RULES[uid]
    state = RuleState(rule, HEALTHY_STEP)
    evaluations = []
    for moment in minutes(sim.END - timedelta(days=7), sim.END, HEALTHY_STEP):
        evaluation = evaluate(rule, healthy_week, moment, buckets(healthy_week))
        assert evaluation.error is None, evaluation
        assert set(state.apply(evaluation).values()) == {NORMAL}, evaluation
        evaluations.append(evaluation)
    # silent because the figure stayed in bounds, not because there was none (a fault list is empty when healthy)
    computed = sum(bool(e.conditions) for e in evaluations)
    assert computed == (0 if uid == "hp-fault" else len(evaluations)), (uid, computed, len(evaluations))


# --- the emulation itself, against the cases Grafana's own sources spell out -------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)
maybe = st.one_of(finite, st.none(), st.just(math.nan), st.just(math.inf))


@given(st.lists(maybe, max_size=20), st.sampled_from(["sum", "mean", "min", "max", "last", "count"]))
def test_reduce_modes(values: list[float | None], reducer: str) -> None:
    numbers = [v for v in values if v is not None and math.isfinite(v)]
    dropped = reduce(values, reducer, "dropNN")
    if not numbers and reducer not in ("sum", "count"):
        assert dropped is None  # e.g. last of nothing: NaN, which dropNN turns into null (NoData)
    elif reducer == "count":
        assert dropped == len(numbers)
    elif reducer == "last":
        assert dropped == numbers[-1]
    replaced = reduce(values, reducer, "replaceNN", 7.0)
    assert replaced is not None and not math.isnan(replaced)
    strict = reduce(values, reducer)
    if reducer in ("sum", "mean", "min", "max") and any(v is None or (v is not None and math.isnan(v)) for v in values):
        assert strict is not None and math.isnan(strict)


def test_thresholds_and_ranges() -> None:
    assert threshold(2.0, "gt", [2.0]) == 0 and threshold(2.0, "gte", [2.0]) == 1
    assert threshold(1.0, "within_range", [1.0, 3.0]) == 0
    assert threshold(1.0, "within_range_included", [1.0, 3.0]) == 1
    assert threshold(3.0, "outside_range", [1.0, 3.0]) == 0
    assert threshold(3.0, "outside_range_included", [1.0, 3.0]) == 1
    assert threshold(None, "lt", [0.0]) is None
    with pytest.raises(ValueError):
        threshold(1.0, "within_range", [1.0])


def _step(
    state: RuleState, minute: int, value: float | None = None, *, no_data: bool = False, error: bool = False
) -> str:
    at = sim.END + timedelta(minutes=minute)
    evaluation = Evaluation(at, error="boom" if error else None, no_data=no_data, conditions={(): value})
    return state.apply(evaluation)[()]


def test_pending_then_alerting_and_the_states_for_no_data_and_errors() -> None:
    rule = {"for": "5m", "noDataState": "Alerting", "execErrState": "Error"}
    state = RuleState(rule, INTERVAL)
    assert [_step(state, m, 1.0) for m in range(7)] == [PENDING] * 5 + [ALERTING] * 2
    assert _step(state, 7, 0.0) == NORMAL
    # no data counts as alerting, through the pending period too
    assert [_step(state, m, no_data=True) for m in range(8, 14)] == [PENDING] * 5 + [ALERTING]
    assert _step(state, 14, error=True) == ERROR
    state = RuleState({"for": "0m", "noDataState": "NoData", "execErrState": "KeepLast"}, INTERVAL)
    assert _step(state, 0, None) == NO_DATA
    assert _step(state, 1, 1.0) == ALERTING and _step(state, 2, error=True) == ALERTING
    assert _step(state, 3, math.nan) == ALERTING  # NaN is not 0: Grafana alerts on it
