"""The monthly report: the month's figures from the task outputs the dashboards show, rendered as an HTML page
with PNG figures under the data directory and sent to the phone channels (``collector report --month``)."""

from pathlib import Path


def report_dir(data_dir: Path, month: str) -> Path:
    return data_dir / "reports" / month
