"""The erased devices, which ingest drops with reason ``erased`` (counted, never stored).

The graph keeps only a digest of each erased device's key (``erasure_digest``), so the list
itself names no device; ingest compares the digests of the keys it computes anyway. The set is
read once at start and again every ``refresh_s`` seconds (:class:`SuppressionList`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from graph.client import GraphClient
from graph.privacy import erasure_digest

__all__ = ["ERASED", "SuppressionList", "erasure_digest", "read_suppressed"]

log = logging.getLogger(__name__)

#: the reason code of events of erased devices
ERASED = "erased"


def read_suppressed(client: GraphClient) -> frozenset[str]:
    """Every digest on the suppression list."""
    return frozenset(r["digest"] for r in client.read("ingest/read_suppressed"))


class SuppressionList:
    """The suppression list as of at most ``refresh_s`` ago; ``key in it`` asks about a device key."""

    def __init__(
        self,
        load: Callable[[], frozenset[str]],
        refresh_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._refresh_s = refresh_s
        self._clock = clock
        self._digests: frozenset[str] = frozenset()
        self._loaded_at: float | None = None

    @classmethod
    def of(cls, digests: frozenset[str] | set[str]) -> SuppressionList:
        """A fixed list (tests, file ingest of one batch).

        >>> fixed = SuppressionList.of({erasure_digest("k")})
        >>> "k" in fixed, "other" in fixed
        (True, False)
        """
        fixed = cls(lambda: frozenset(digests), refresh_s=float("inf"))
        fixed.refresh()
        return fixed

    def refresh(self) -> None:
        """Read the list now; on failure keep the last one (the next batch tries again)."""
        try:
            self._digests = self._load()
        except Exception as err:
            log.warning("suppression list not refreshed error=%s", type(err).__name__)
            if self._loaded_at is None:
                raise
        self._loaded_at = self._clock()

    def current(self) -> SuppressionList:
        """Itself, refreshed when older than ``refresh_s``."""
        if self._loaded_at is None or self._clock() - self._loaded_at >= self._refresh_s:
            self.refresh()
        return self

    def __len__(self) -> int:
        return len(self._digests)

    def __bool__(self) -> bool:  # an empty (or not yet read) list is still a list, not "none"
        return True

    def __contains__(self, device_key: object) -> bool:
        return bool(self._digests) and erasure_digest(str(device_key)) in self._digests
