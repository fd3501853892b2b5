"""A small generated world, written once per session and ingested by the tests that need it."""

from __future__ import annotations

import time
from pathlib import Path

from generator.params import WorldParams
from generator.run import generate_to_dir
from graph.client import GraphClient
from ingest.batch import prepare
from ingest.file_source import chunks, file_records, open_lines
from ingest.pseudonym import Pseudonymizer
from ingest.sink import write_batch

SECRET = "integration-world-secret"


def make_world(out: Path, households: int = 60, days: int = 7, seed: int = 11) -> dict:
    truth, _ = generate_to_dir(WorldParams(households=households, days=days, seed=seed, secret=SECRET), out)
    return truth


def ingest_dir(client: GraphClient, out: Path, batch: int = 5000) -> int:
    """Catalog then events of a world directory, the way ``hausgraph ingest --from-file`` does."""
    pseudo = Pseudonymizer(SECRET)
    fresh = 0
    for name, kind in (
        ("content.jsonl", "content"),
        ("campaigns.jsonl", "campaign"),
        ("events.jsonl", "view"),
    ):
        if not (out / name).exists():
            continue
        with open_lines(str(out / name)) as stream:
            for chunk in chunks(file_records(stream, name, kind), batch):
                now = int(time.time() * 1000)
                fresh += write_batch(client, prepare(chunk, pseudo, now), f"file:{kind}", now).fresh
    return fresh
