"""Pure preparation of one poll's records: validate, pseudonymize, aggregate, count."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ingest.campaigns import CampaignRecord, campaign_rows, parse_campaign
from ingest.contract import ContentRecord, ViewEvent, parse_content, parse_view
from ingest.errors import InvalidRecord
from ingest.pseudonym import Pseudonymizer
from ingest.rows import content_rows, presence_rows
from ingest.suppression import ERASED, SuppressionList

__all__ = ["LATE_AFTER_MS", "DeadLetter", "Prepared", "SourceRecord", "prepare"]

#: An event this much older than the newest one of its batch counts as late.
LATE_AFTER_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One raw message: where it came from (topic or file, partition, offset or line)."""

    kind: str  # "view", "content" or "campaign"
    value: bytes
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A rejected record with the original bytes, the reason and where it came from."""

    record: SourceRecord
    reason: str
    detail: str


@dataclass
class Prepared:
    """Everything one transaction writes, plus what goes to the dead letters."""

    presence: list[dict[str, Any]] = field(default_factory=list)
    content: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    valid: int = 0
    valid_views: int = 0
    late: int = 0
    #: events of erased devices: dropped, counted under reason ``erased``, raw record not kept
    erased: int = 0
    next_offsets: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def dead_by_reason(self) -> Counter[str]:
        counts = Counter(d.reason for d in self.dead)
        if self.erased:
            counts[ERASED] += self.erased
        return counts

    def dead_letter_rows(self, now_ms: int) -> list[dict[str, Any]]:
        """``{id, day, reason, count}`` rows for the per-day dead-letter counters."""
        day = datetime.fromtimestamp(now_ms / 1000, tz=UTC).date().isoformat()
        return [
            {"id": f"{day}|{reason}", "day": day, "reason": reason, "count": n}
            for reason, n in sorted(self.dead_by_reason.items())
        ]


def prepare(
    records: list[SourceRecord],
    pseudo: Pseudonymizer,
    now_ms: int,
    suppressed: SuppressionList | None = None,
) -> Prepared:
    """Validate and aggregate ``records``; never raises on bad input.

    Parameters
    ----------
    records : list of SourceRecord
        One poll's worth, in any order.
    pseudo : Pseudonymizer
        Turns MACs and IPs into keys; nothing raw leaves this function except inside
        dead letters, which keep the original bytes by design.
    now_ms : int
        The processing clock (events more than 1 h ahead are rejected).
    suppressed : SuppressionList, optional
        Erased devices: their events are counted as ``erased`` and dropped (not stored, not
        dead-lettered: the raw record is not kept either).
    """
    out = Prepared()
    views: list[ViewEvent] = []
    catalog: list[ContentRecord] = []
    plans: list[CampaignRecord] = []
    for rec in records:
        pos = (rec.topic, rec.partition)
        out.next_offsets[pos] = max(out.next_offsets.get(pos, 0), rec.offset + 1)
        try:
            if rec.kind == "content":
                catalog.append(parse_content(rec.value))
            elif rec.kind == "campaign":
                plans.append(parse_campaign(rec.value))
            else:
                views.append(parse_view(rec.value, now_ms))
        except InvalidRecord as err:
            out.dead.append(DeadLetter(rec, err.reason, err.detail))
        except Exception as err:  # noqa: BLE001 - a contract bug must not stop the stream or lose the record
            out.dead.append(DeadLetter(rec, "internal_error", type(err).__name__))
    if suppressed is not None and len(suppressed):
        kept = [v for v in views if pseudo.mac(v.mac) not in suppressed]
        out.erased = len(views) - len(kept)
        views = kept
    out.valid = len(views) + len(catalog) + len(plans)
    out.valid_views = len(views)
    if views:
        newest = max(v.ts_ms for v in views)
        out.late = sum(1 for v in views if v.ts_ms < newest - LATE_AFTER_MS)
    out.presence = presence_rows(views, pseudo)
    out.content = content_rows(catalog)
    out.campaigns = campaign_rows(plans)
    return out
