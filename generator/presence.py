"""A generated world's presence rows, made as the ingester makes them (for scoring the cores
without servers: ``bench/``, and the tests of ``generator.identifiability``)."""

from __future__ import annotations

from collections import Counter

from generator.pipeline import Generation
from ingest.batch import SourceRecord, prepare
from ingest.pseudonym import Pseudonymizer
from ingest.rows import hour_rows

__all__ = ["presence_rows"]


def presence_rows(gen: Generation) -> list[dict]:
    """Presence rows of a fresh run of ``gen``: ``ingest.batch.prepare`` per chunk, events summed
    per (device, network, hour) across chunks (late events arrive in later chunks), with the
    world's own pseudonym secret (the truth's keys)."""
    pseudo = Pseudonymizer(gen.params.secret)
    events: Counter = Counter()
    meta: dict = {}
    for ch in gen.chunks():
        prep = prepare(
            [SourceRecord("view", line, "x", 0, i) for i, line in enumerate(ch.lines)], pseudo, 2**62
        )
        for r in hour_rows(prep.presence):
            key = (r["device"], r["network"], r["hour"])
            events[key] += r["events"]
            meta[key] = (r["device_type"], r["family"])
    return [
        {
            "device": d,
            "device_type": meta[(d, n, h)][0],
            "network": n,
            "family": meta[(d, n, h)][1],
            "hour": h,
            "events": e,
        }
        for (d, n, h), e in events.items()
    ]
