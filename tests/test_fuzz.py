"""A short seeded run of bench/fuzz.py's generator: mutated device answers must not escape a poll, break the
schema contract, write implausible values or falling counters, or hang (the full run: ``bench/fuzz.py``)."""

from __future__ import annotations

import logging

import pytest

from tests.support.fuzzing import COLUMNS, fuzz_shelly, fuzz_viessmann

SEED = 20261130
CASES = {"shelly": 500, "viessmann": 800}  # about 30 s together


@pytest.mark.parametrize("name", sorted(CASES))
def test_fuzzed_device_input_finds_nothing(tmp_path, name: str) -> None:
    run = {"shelly": fuzz_shelly, "viessmann": fuzz_viessmann}[name]
    logging.disable(logging.CRITICAL)  # one line per fault episode and thousands of episodes
    try:
        tally = run(CASES[name], SEED, tmp_path)
    finally:
        logging.disable(logging.NOTSET)
    row = tally.row()
    assert row == {**dict.fromkeys(COLUMNS, 0), "cases": CASES[name]}, tally.examples
    assert tally.rejected > 0  # the mutations reached the validation ...
    assert tally.points > 5 * CASES[name]  # ... and most polls still wrote their good values
