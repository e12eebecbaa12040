"""Seeded fuzzer of device input: mutated Shelly answers over loopback HTTP, mutated Viessmann dumps through
PyViCare. Prints per source the cases and every failure column; all but ``cases`` must be zero.

    .venv/bin/python bench/fuzz.py                 # 10,000 cases per source, seed 13
    .venv/bin/python bench/fuzz.py --cases 500 --seed 7 --source shelly
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fuzzing import COLUMNS, fuzz_shelly, fuzz_viessmann

RUNS = {"shelly": fuzz_shelly, "viessmann": fuzz_viessmann}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases (polls) per source")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--source", choices=[*RUNS, "all"], default="all")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # sources and PyViCare log every fault episode: thousands of lines here
    failures = 0
    print(f"{'source':<10}" + "".join(f"{c:>18}" for c in COLUMNS) + f"{'rejected':>10}{'points':>9}{'s':>7}")
    for name, run in RUNS.items():
        if args.source not in (name, "all"):
            continue
        with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as tmp:
            tally = run(args.cases, args.seed, Path(tmp))
        row = tally.row()
        print(
            f"{name:<10}"
            + "".join(f"{row[c]:>18}" for c in COLUMNS)
            + f"{tally.rejected:>10}{tally.points:>9}{tally.seconds:>7.0f}",
            flush=True,
        )
        for column, example in tally.examples.items():
            print(f"  first {column}: {example}")
        failures += tally.failures
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
