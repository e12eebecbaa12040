"""Viessmann heat pump through PyViCare within the API budget (see README.md in this folder)."""

from collector.sources.viessmann.source import ViessmannSource

__all__ = ["ViessmannSource"]
