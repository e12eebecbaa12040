"""Grafana's unified alerting, reimplemented for tests (no Grafana server here): one provisioned rule evaluated
at a given instant over the real InfluxDB, then its state machine stepped through evaluations.

Read from Grafana 11.6's sources:
- query A: the Flux backend substitutes its macros (grafana_emulation.flux_backend) for the rule's relative time
  range; ``now()`` in the query is the server's clock at evaluation, emulated with ``option now``.
- frames -> series (pkg/expr/converter.go): a frame with a time and a numeric field is one series, labelled with
  the frame's tags. No frame at all is the datasource's "no data" (execResults.NoData).
- reduce (pkg/expr/mathexp/reduce.go): sum, mean, min, max, count, last; modes ``strict`` (a NaN/null makes the
  result NaN; last/min/max of an empty series are NaN), ``dropNN`` (non-numbers dropped first, a NaN result
  becomes null) and ``replaceNN`` (non-numbers and a NaN result replaced by ``replaceWithValue``).
- threshold (pkg/expr/threshold.go): gt, lt, eq, ne, gte, lte, within_range, outside_range and the ``_included``
  variants; a null input stays null.
- math (pkg/expr/mathexp): ``$X <op> number`` and ``$X <op> $Y`` with + - * / > < >= <= == != && ||.
- result -> state (pkg/services/ngalert/eval/eval.go, evaluateExecutionResult): 0 Normal, any other number
  (NaN too) Alerting, null NoData, a query error Error.
- state machine (pkg/services/ngalert/state/state.go): resultNormal/resultAlerting (Pending until ``for`` has
  passed since the pending state started), resultNoData and resultError by noDataState/execErrState
  (Alerting, NoData/Error, OK, KeepLast); an instance whose series vanished goes stale after two intervals.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from influxdb_client.rest import ApiException

from tests.conftest import InfluxEnv
from tests.grafana.grafana_emulation import flux_backend, frames

NORMAL, PENDING, ALERTING, NO_DATA, ERROR = "Normal", "Pending", "Alerting", "NoData", "Error"
FIRING = {ALERTING, NO_DATA, ERROR}  # the states Grafana sends to its Alertmanager as firing
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

Labels = tuple[tuple[str, str], ...]
Values = dict[Labels, float | None]


def duration(text: str) -> timedelta:
    return timedelta(seconds=sum(int(n) * _SECONDS[unit] for n, unit in _DURATION.findall(text)))


# --- expressions ---------------------------------------------------------------------------------------------


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _not_number(value: float | None) -> bool:
    return value is None or math.isnan(value) or math.isinf(value)


def _strict(values: list[float | None], reducer: str) -> float:
    if reducer == "count":
        return float(len(values))
    if reducer == "last":
        return math.nan if not values or values[-1] is None else values[-1]
    if any(v is None or math.isnan(v) for v in values):
        return math.nan
    numbers = [v for v in values if v is not None]
    if reducer == "sum":
        return math.fsum(numbers)
    if reducer == "mean":
        return math.fsum(numbers) / len(numbers) if numbers else math.nan
    if not numbers:
        return math.nan
    return min(numbers) if reducer == "min" else max(numbers)


def reduce(values: list[float | None], reducer: str, mode: str = "", replace_with: float = 0.0) -> float | None:
    """mathexp.Series.Reduce with the DropNonNumber/ReplaceNonNumberWithValue mappers."""
    if reducer not in ("sum", "mean", "min", "max", "count", "last"):
        raise ValueError(f"reduction {reducer} not implemented")
    if mode == "dropNN":
        result = _strict([v for v in values if not _not_number(v)], reducer)
        return None if math.isnan(result) else result
    if mode == "replaceNN":
        result = _strict([replace_with if _not_number(v) else v for v in values], reducer)
        return replace_with if math.isnan(result) else result
    return _strict(values, reducer)


_PREDICATES: dict[str, Callable[[float, list[float]], bool]] = {
    "gt": lambda v, p: v > p[0],
    "lt": lambda v, p: v < p[0],
    "eq": lambda v, p: v == p[0],
    "ne": lambda v, p: v != p[0],
    "gte": lambda v, p: v >= p[0],
    "lte": lambda v, p: v <= p[0],
    "within_range": lambda v, p: p[0] < v < p[1],
    "outside_range": lambda v, p: v < p[0] or v > p[1],
    "within_range_included": lambda v, p: p[0] <= v <= p[1],
    "outside_range_included": lambda v, p: v <= p[0] or v >= p[1],
}


def threshold(value: float | None, kind: str, params: list[float]) -> float | None:
    if kind not in _PREDICATES:
        raise ValueError(f"threshold function {kind!r} unknown")
    if len(params) < (2 if "range" in kind else 1):
        raise ValueError(f"threshold {kind} needs more parameters than {params}")
    if value is None:
        return None
    return 1.0 if _PREDICATES[kind](value, params) else 0.0


_MATH_OPS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": lambda a, b: a / b if b else math.nan,
    ">=": lambda a, b: float(a >= b),
    "<=": lambda a, b: float(a <= b),
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    ">": lambda a, b: float(a > b),
    "<": lambda a, b: float(a < b),
    "&&": lambda a, b: float(bool(a) and bool(b)),
    "||": lambda a, b: float(bool(a) or bool(b)),
}
_MATH = re.compile(r"^\s*(\$\w+|[-\d.]+)\s*(>=|<=|==|!=|&&|\|\||[-+*/<>])\s*(\$\w+|[-\d.]+)\s*$")


def math_expression(expression: str, refs: dict[str, Values]) -> Values:
    """A binary math expression; numbers of two references are joined on equal labels (or one side unlabelled)."""
    match = _MATH.match(expression)
    if not match:
        raise ValueError(f"math expression {expression!r} is beyond this emulation")
    left, op, right = match.groups()

    def side(term: str) -> Values:
        return refs[term[1:]] if term.startswith("$") else {(): float(term)}

    a, b = side(left), side(right)
    out: Values = {}
    for labels_a, value_a in a.items():
        for labels_b, value_b in b.items():
            if labels_a and labels_b and labels_a != labels_b:
                continue
            labels = labels_a or labels_b
            out[labels] = None if value_a is None or value_b is None else _MATH_OPS[op](value_a, value_b)
    return out


# --- one evaluation -------------------------------------------------------------------------------------------


@dataclass
class Evaluation:
    at: datetime
    error: str | None = None
    no_data: bool = False
    conditions: Values = field(default_factory=dict)  # instance labels -> condition value
    values: dict[str, Values] = field(default_factory=dict)  # refId -> instance -> value (for annotations)


def at_instant(query: str, moment: datetime) -> str:
    """Flux as the server runs it at ``moment``: ``now()`` is the evaluation time."""
    lines = query.splitlines()
    imports = [line for line in lines if line.startswith("import ")]
    body = [line for line in lines if not line.startswith("import ")]
    return "\n".join([*imports, f"option now = () => {moment.isoformat().replace('+00:00', 'Z')}", *body])


def run_query(env: InfluxEnv, step: dict, moment: datetime, buckets: dict[str, str]) -> list[tuple[Labels, list]]:
    window = step["relativeTimeRange"]
    start, stop = moment - timedelta(seconds=window["from"]), moment - timedelta(seconds=window["to"])
    text = flux_backend(step["model"]["query"], start, stop, buckets[step["datasourceUid"]], env.org)
    tables = env.client.query_api().query(at_instant(text, moment), org=env.org)
    series = []
    for frame in frames(tables):
        columns = list(frame.fields.values())
        times = [value for value in columns[0]] if columns else []
        if len(columns) != 2 or not times or not isinstance(times[0], datetime):
            raise TypeError(f"frame is not a time series Grafana can reduce: {list(frame.fields)}")
        series.append((tuple(sorted(frame.labels.items())), [_number(v) for v in columns[1]]))
    return series


def evaluate(rule: dict, env: InfluxEnv, moment: datetime, buckets: dict[str, str]) -> Evaluation:
    """Every step of a provisioned rule at ``moment``."""
    result = Evaluation(moment)
    series: dict[str, list[tuple[Labels, list]]] = {}
    for step in rule["data"]:
        model, ref = step["model"], step["refId"]
        if step["datasourceUid"] != "__expr__":
            try:
                series[ref] = run_query(env, step, moment, buckets)
            except (ApiException, TypeError) as error:
                result.error = f"{ref}: {error}"
                return result
            if not series[ref]:
                result.no_data = True
                return result
        elif model["type"] == "reduce":
            settings = model.get("settings", {})
            result.values[ref] = {
                labels: reduce(values, model["reducer"], settings.get("mode", ""), settings.get("replaceWithValue", 0))
                for labels, values in series[model["expression"]]
            }
        elif model["type"] == "threshold":
            evaluator = model["conditions"][0]["evaluator"]
            result.values[ref] = {
                labels: threshold(value, evaluator["type"], evaluator["params"])
                for labels, value in result.values[model["expression"]].items()
            }
        elif model["type"] == "math":
            result.values[ref] = math_expression(model["expression"], result.values)
        else:
            raise ValueError(f"expression type {model['type']} is beyond this emulation")
    result.conditions = result.values[rule["condition"]]
    return result


# --- state over time ----------------------------------------------------------------------------------------


@dataclass
class Instance:
    state: str = NORMAL
    since: datetime | None = None  # StartsAt of the current state
    last_seen: datetime | None = None


@dataclass
class RuleState:
    """The rule's instances as Grafana's state manager keeps them, stepped by ``apply``."""

    rule: dict
    interval: timedelta
    instances: dict[Labels, Instance] = field(default_factory=dict)
    history: list[tuple[datetime, Labels, str]] = field(default_factory=list)

    @property
    def pending_for(self) -> timedelta:
        return duration(self.rule["for"])

    def _normal(self, inst: Instance, at: datetime) -> None:
        if inst.state != NORMAL:
            inst.state, inst.since = NORMAL, at

    def _alerting(self, inst: Instance, at: datetime) -> None:
        if inst.state == ALERTING:
            return
        if inst.state == PENDING:
            if inst.since is not None and at - inst.since >= self.pending_for:
                inst.state, inst.since = ALERTING, at
            return
        if self.pending_for > timedelta(0):
            inst.state, inst.since = PENDING, at
        else:
            inst.state, inst.since = ALERTING, at

    def _keep_last(self, inst: Instance, at: datetime) -> None:
        if inst.state in (ALERTING, PENDING):
            self._alerting(inst, at)
        else:
            self._normal(inst, at)

    def _special(self, inst: Instance, at: datetime, setting: str, own_state: str) -> None:
        """resultNoData / resultError: the rule's noDataState or execErrState decides."""
        if setting == "Alerting":
            self._alerting(inst, at)
        elif setting in ("NoData", "Error"):
            if inst.state != own_state:
                inst.state, inst.since = own_state, at
        elif setting == "OK":
            self._normal(inst, at)
        elif setting == "KeepLast":
            self._keep_last(inst, at)
        else:
            raise ValueError(f"unsupported state setting {setting}")

    def apply(self, evaluation: Evaluation) -> dict[Labels, str]:
        at = evaluation.at
        if evaluation.error is not None or evaluation.no_data:
            setting, own = (
                (self.rule["execErrState"], ERROR)
                if evaluation.error is not None
                else (self.rule["noDataState"], NO_DATA)
            )
            inst = self.instances.setdefault((), Instance())
            self._special(inst, at, setting, own)
            inst.last_seen = at
            seen = {()}
        else:
            seen = set()
            for labels, value in evaluation.conditions.items():
                inst = self.instances.setdefault(labels, Instance())
                inst.last_seen = at
                seen.add(labels)
                if value is None:
                    self._special(inst, at, self.rule["noDataState"], NO_DATA)
                elif value == 0:
                    self._normal(inst, at)
                else:  # any other number, NaN included
                    self._alerting(inst, at)
        for labels, inst in list(self.instances.items()):
            if labels not in seen and inst.last_seen is not None and at - inst.last_seen >= 2 * self.interval:
                del self.instances[labels]  # stale: resolved as MissingSeries
        states = {labels: inst.state for labels, inst in self.instances.items()}
        self.history.extend((at, labels, state) for labels, state in states.items())
        return states

    def firing(self) -> bool:
        return any(inst.state in FIRING for inst in self.instances.values())
