"""Configuration changelog: every real heat-pump setting change, stored in SQLite, shown as Grafana annotations."""

from collector.changelog.store import (
    Change,
    ChangelogFileError,
    CorruptChangelogFile,
    ForeignChangelogFile,
    NewerChangelogSchema,
)
from collector.changelog.tracker import ChangeTracker

__all__ = [
    "Change",
    "ChangeTracker",
    "ChangelogFileError",
    "CorruptChangelogFile",
    "ForeignChangelogFile",
    "NewerChangelogSchema",
]
