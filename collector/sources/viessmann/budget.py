"""The Viessmann call ledger: every API call recorded in SQLite, rolling 24 h / 10 min counts, rate-limit blocks.

The counts survive restarts because they live in ``<data_dir>/viessmann_calls.sqlite``. ``RecordingSession``
wraps the HTTP session PyViCare calls through, so every request is checked against the budget before it
is made and recorded with its outcome after; there is no other way to the API.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authlib.integrations.base_client import InvalidTokenError, TokenExpiredError

from collector.settings import Settings
from collector.sources.base import Clock

LEDGER_FILE = "viessmann_calls.sqlite"
DAY, TEN_MINUTES = 86400.0, 600.0
_RATE_LIMIT = "rate_limit"
RATE_LIMIT_FALLBACK = 3600.0  # seconds without calls after a 429 whose reset time is unknown

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (at REAL NOT NULL, endpoint TEXT NOT NULL, outcome TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS calls_at ON calls (at);
CREATE TABLE IF NOT EXISTS blocks (name TEXT PRIMARY KEY, until REAL NOT NULL, reason TEXT NOT NULL);
"""


class BudgetExhausted(RuntimeError):
    """A call was refused because it would exceed our share of the plan."""


class RateLimited(RuntimeError):
    """The API said 429: no call at all until ``until`` (unix seconds)."""

    def __init__(self, until: float, reason: str) -> None:
        super().__init__(reason)
        self.until = until


@dataclass(frozen=True)
class Budget:
    per_day: int
    per_10min: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Budget:
        return cls(settings.viessmann_calls_allowed_per_day, settings.viessmann_calls_allowed_per_10min)


class CallLedger:
    def __init__(self, path: Path, budget: Budget, clock: Clock) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.budget, self.clock = path, budget, clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def for_settings(cls, settings: Settings, clock: Clock) -> CallLedger:
        return cls(settings.data_dir / LEDGER_FILE, Budget.from_settings(settings), clock)

    def record(self, endpoint: str, outcome: str) -> None:
        with self._lock:
            now = self.clock()
            self._db.execute("INSERT INTO calls VALUES (?, ?, ?)", (now, endpoint, outcome))
            self._db.execute("DELETE FROM calls WHERE at < ?", (now - 2 * DAY,))

    def count(self, window: float, now: float | None = None) -> int:
        since = (self.clock() if now is None else now) - window
        with self._lock:
            (n,) = self._db.execute("SELECT count(*) FROM calls WHERE at > ?", (since,)).fetchone()
        return int(n)

    def status(self) -> dict[str, int]:
        return {
            "calls_24h": self.count(DAY),
            "calls_10min": self.count(TEN_MINUTES),
            "budget_24h": self.budget.per_day,
            "budget_10min": self.budget.per_10min,
        }

    def allows(self, calls: int = 1, now: float | None = None) -> bool:
        return (
            self.blocked_until(now) is None
            and self.count(DAY, now) + calls <= self.budget.per_day
            and self.count(TEN_MINUTES, now) + calls <= self.budget.per_10min
        )

    def next_allowed(self, calls: int = 1, now: float | None = None) -> float:
        """Earliest unix time at which ``calls`` more calls fit the budget (now if they fit already)."""
        now = self.clock() if now is None else now
        blocked = self.blocked_until(now) or now
        with self._lock:
            times = [t for (t,) in self._db.execute("SELECT at FROM calls WHERE at > ? ORDER BY at", (now - DAY,))]
        moments = [blocked]
        for window, limit in ((DAY, self.budget.per_day), (TEN_MINUTES, self.budget.per_10min)):
            recent = [t for t in times if t > now - window]
            excess = len(recent) + calls - limit
            if excess > 0:
                moments.append(recent[excess - 1] + window)  # when enough of them have left the window
        return max(moments)

    def check(self, calls: int = 1) -> None:
        """Raise unless ``calls`` more calls are allowed now."""
        until = self.blocked_until()
        if until is not None:
            raise RateLimited(until, "Viessmann rate limit: waiting for the reset the API gave")
        if not self.allows(calls):
            raise BudgetExhausted(
                f"Viessmann call budget reached ({self.budget.per_day}/24 h, {self.budget.per_10min}/10 min)"
            )

    def block(self, until: float, reason: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO blocks VALUES (?, ?, ?)", (_RATE_LIMIT, until, reason))

    def blocked_until(self, now: float | None = None) -> float | None:
        with self._lock:
            row = self._db.execute("SELECT until FROM blocks WHERE name = ?", (_RATE_LIMIT,)).fetchone()
        if row is None or row[0] <= (self.clock() if now is None else now):
            return None
        return float(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def endpoint_class(url: str) -> str:
    if "/equipment/installations" in url:
        return "installations"
    if "/features/" in url:
        return "features"
    return "other"


class RecordingSession:
    """Wraps the OAuth session PyViCare calls: refuses calls beyond the budget, records every call made.

    ``timeout`` replaces PyViCare's fixed 31 s GET timeout with the configured one.
    """

    def __init__(self, inner: Any, ledger: CallLedger, timeout: float | None = None) -> None:
        self.inner, self.ledger, self.timeout = inner, ledger, timeout

    def get(self, url: str, **kwargs: Any) -> Any:
        if self.timeout is not None:
            kwargs["timeout"] = self.timeout
        return self._call("get", url, kwargs)

    def post(self, url: str, data: Any, **kwargs: Any) -> Any:
        return self._call("post", url, {"data": data, **kwargs})

    def _call(self, method: str, url: str, kwargs: dict[str, Any]) -> Any:
        self.ledger.check()
        endpoint = endpoint_class(url)
        try:
            if method == "get":
                response = self.inner.get(url, **kwargs)
            else:
                response = self.inner.post(url, kwargs.pop("data"), **kwargs)
        except (TokenExpiredError, InvalidTokenError):
            raise  # authlib refused a stale token locally: nothing was sent
        except Exception as error:
            self.ledger.record(endpoint, type(error).__name__)
            raise
        self.ledger.record(endpoint, str(response.status_code))
        if response.status_code == 429:
            # Blocked at once, before PyViCare reads the answer: a 429 without a usable limitReset must stop
            # the calls too. The source replaces this with the API's own reset time when it has one.
            self.ledger.block(self.ledger.clock() + RATE_LIMIT_FALLBACK, "HTTP 429")
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # token, client_id … of the authlib session
