"""Shelly Pro 3EM source: local RPC over HTTP every 10 s, digest auth, counter resets, backfill from history.

Documentation: README.md beside this file. Emulator for tests and simulation: ``emulator.ShellyEmulator``.
"""

from collector.sources.shelly.source import ShellySource

__all__ = ["ShellySource"]
