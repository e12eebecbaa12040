"""Insights an owner acts on, computed from the derived series: the performance map and the weather-normalised
comparison of two periods (``performance``)."""
