"""Heat-pump monitor collector: Shelly Pro 3EM + Viessmann → InfluxDB 2, configuration changelog in SQLite."""

__version__ = "0.1.0"
