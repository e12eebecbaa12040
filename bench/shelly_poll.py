"""Benchmark of the Shelly source: CPU time per sample and resident memory over many polls against the emulator.

The emulator runs in a child process so its work is not counted; the source's clock steps 10 s per poll (no
gaps, no backfill: the steady state). A second figure times the emulator's driver, as simulation mode uses it.

    .venv/bin/python bench/shelly_poll.py [--polls 2000] [--profile triphase|monophase]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from collector.settings import Settings
from collector.sources.shelly import ShellySource
from collector.sources.shelly.emulator import ShellyEmulator


def rss_mib(field: str = "VmRSS") -> float:
    """Resident memory (VmRSS) or its peak (VmHWM) of this process, MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_polls(polls: int, profile: str) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "collector.sources.shelly.emulator", "--profile", profile],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        address = child.stdout.readline().strip() if child.stdout else ""
        now = [time.time()]
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(_env_file=None, shelly_host=address, data_dir=Path(data_dir))  # type: ignore[call-arg]
            source = ShellySource(settings, clock=lambda: now[0])
            for _ in range(20):  # warm-up: imports, first connection, identification
                source.poll()
                now[0] += 10
            rss_before = rss_mib()
            cpu, wall = time.process_time(), time.perf_counter()
            points = 0
            for _ in range(polls):
                points += len(source.poll())
                now[0] += 10
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            assert source.health.state == "ok", source.health
            source.close()
    finally:
        child.terminate()
        child.wait()
    print(f"shelly source, {profile}: {polls} polls, {points} points")
    print(f"  CPU per sample   {cpu / polls * 1e3:.2f} ms   (wall {wall / polls * 1e3:.2f} ms incl. the emulator)")
    print(
        f"  resident memory  {rss_mib():.1f} MiB (after warm-up {rss_before:.1f} MiB, peak {rss_mib('VmHWM'):.1f} MiB)"
    )


def bench_emulator_driver(days: int) -> None:
    """Simulation mode: set_power + advance every 10 simulated seconds with a varying load."""
    t0 = 1_790_000_000.0
    emulator = ShellyEmulator(clock=lambda: t0)
    rss_before = rss_mib()
    cpu = time.process_time()
    steps = days * 8640
    for i in range(steps):
        t = t0 + i * 10
        emulator.set_power(1000.0 + (i // 30) % 40 * 50, 300.0, 30.0)
        emulator.advance(t)
    cpu = time.process_time() - cpu
    print(f"emulator driver: {days} simulated days ({steps} steps, load changing every 5 min)")
    print(f"  CPU {cpu:.2f} s ({cpu / steps * 1e6:.1f} µs per step), history +{rss_mib() - rss_before:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=2000)
    parser.add_argument("--profile", choices=("triphase", "monophase"), default="triphase")
    parser.add_argument("--days", type=int, default=7, help="simulated days for the emulator driver figure")
    args = parser.parse_args()
    bench_polls(args.polls, args.profile)
    bench_emulator_driver(args.days)


if __name__ == "__main__":
    main()
