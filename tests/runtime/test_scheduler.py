"""One worker per job: a hung job never delays another job's cadence, and shutdown has a deadline."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from collector.runtime.scheduler import RECOVERY_SECONDS, Overruns, Scheduler


def test_a_hung_job_does_not_delay_the_others(caplog: pytest.LogCaptureFixture) -> None:
    fast_runs: list[float] = []
    slow_runs: list[float] = []
    release = threading.Event()
    scheduler = Scheduler()
    scheduler.every(0.1, "fast", lambda: fast_runs.append(time.monotonic()))
    scheduler.every(0.1, "slow", lambda: (slow_runs.append(time.monotonic()), release.wait(30)))
    stop = threading.Event()
    threading.Timer(1.5, stop.set).start()
    with caplog.at_level(logging.WARNING):
        scheduler.run(stop)
    assert len(slow_runs) == 1  # its ticks were skipped while it hung, not queued up
    assert len(fast_runs) >= 10  # about 15 ticks in 1.5 s: the hung job took none of them
    skipped = [r for r in caplog.records if "skipping this tick" in r.getMessage()]
    assert len(skipped) == 1  # one line for the whole episode
    assert scheduler.shutdown(0.2) == ["slow"]  # abandoned after the deadline
    release.set()


def test_a_failing_job_keeps_its_worker(caplog: pytest.LogCaptureFixture) -> None:
    runs: list[int] = []

    def flaky() -> None:
        runs.append(1)
        raise ValueError("bug")

    scheduler = Scheduler()
    scheduler.every(0.05, "flaky", flaky)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    with caplog.at_level(logging.ERROR):
        scheduler.run(stop)
    assert scheduler.shutdown(1.0) == []
    assert len(runs) >= 3
    assert len([r for r in caplog.records if "job failed" in r.getMessage()]) == 1


def test_a_job_alternating_late_and_on_time_logs_one_episode_with_summaries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """scripts/run-local --speed 600 used to log ~260 warning/recovery pairs in 100 s."""
    now = [0.0]
    overruns = Overruns("shelly", clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="collector.runtime.scheduler"):
        for tick in range(300):  # 150 s of 0.5-s ticks, every other one late
            now[0] = tick * 0.5
            overruns.skip(0.6) if tick % 2 else overruns.on_time()
        assert overruns.started is not None  # still in the episode: never RECOVERY_TICKS on time in a row
        tick = 300
        while overruns.started is not None:  # on time from now on: the episode ends after RECOVERY_SECONDS
            now[0] = tick * 0.5
            overruns.on_time()
            tick += 1
    assert now[0] - 149.5 == RECOVERY_SECONDS  # the last skip was at 149.5 s
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "skipping this tick" in m]) == 1
    summaries = [m for m in messages if "still overrunning" in m]
    assert len(summaries) == 2 and summaries[0] == "shelly: still overrunning: 61 of 121 ticks skipped in the last 60 s"
    assert messages[-1] == "shelly: keeping up again after 179 s; 150 of 359 ticks were skipped"
    assert len(messages) == 4
    assert overruns.started is None
