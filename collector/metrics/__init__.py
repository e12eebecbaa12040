"""Pure-Python twins of the Flux tasks in influxdb/tasks/: the same series computed from plain lists of points.

Each module mirrors one task and shares its rules (documented in influxdb/README.md); tests/flux proves that the
task on a real InfluxDB and its twin produce the same points. The CLI report can use them without InfluxDB.
"""
