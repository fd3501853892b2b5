"""Parameters of a synthetic world; everything the generator does is a function of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from ingest.pseudonym import DEMO_SECRET

__all__ = ["WorldParams", "DEFAULT_START", "DAY_MS", "LOCAL_OFFSET_MS"]

DEFAULT_START = date(2026, 10, 1)
DAY_MS = 86_400_000
#: Behaviour is modelled in Central European local time (UTC+1); "evening" means local evening.
LOCAL_OFFSET_MS = 3_600_000


@dataclass(frozen=True)
class WorldParams:
    """Size, seed and dirt of a world.

    >>> WorldParams(households=3, days=2).start_ms
    1790812800000
    """

    households: int = 200
    days: int = 14
    seed: int = 1
    start: date = DEFAULT_START
    malformed_rate: float = 0.005
    duplicate_rate: float = 0.01
    late_rate: float = 0.02
    event_id_rate: float = 0.3
    secret: str = field(default=DEMO_SECRET, repr=False)

    @property
    def start_ms(self) -> int:
        dt = datetime(self.start.year, self.start.month, self.start.day, tzinfo=timezone.utc)
        return int(dt.timestamp()) * 1000

    def day_start_ms(self, day: int) -> int:
        """UTC midnight of world day ``day`` (0-based), epoch ms."""
        return self.start_ms + day * DAY_MS
