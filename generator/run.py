"""Thin shells around :class:`~generator.pipeline.Generation`: world to files or to Kafka."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson

from generator.kafka_parallel import ParallelKafkaSink
from generator.params import WorldParams
from generator.pipeline import Generation
from generator.sinks import FileSink, KafkaSink, write_private
from generator.truth import build_truth

__all__ = ["generate_to_dir", "generate_to_kafka", "generate_to_sinks"]

Progress = Callable[[int, int], None]  # (days done, lines so far)


def generate_to_sinks(
    params: WorldParams, events, content, progress: Progress | None = None, campaigns=None
) -> Generation:
    """Stream the world's catalog into ``content``, its campaign records into ``campaigns`` (when given)
    and its event lines into ``events``."""
    gen = Generation(params)
    content.write(gen.content_lines(), [r["content_id"].encode() for r in gen.world.catalog.records])
    if campaigns is not None:
        campaigns.write(*gen.campaign_lines())
    lines = 0
    for day, chunk in enumerate(gen.chunks()):
        events.write(chunk.lines, chunk.keys)
        lines += len(chunk.lines)
        if progress:
            progress(day + 1, lines)
    return gen


def generate_to_dir(
    params: WorldParams, out: Path, gzip: bool = False, progress: Progress | None = None
) -> tuple[dict, dict]:
    """Write ``events.jsonl[.gz]``, ``content.jsonl``, ``campaigns.jsonl`` and ``truth.json`` to ``out``;
    return (truth, stats)."""
    out.mkdir(parents=True, exist_ok=True)
    with (
        FileSink(out / ("events.jsonl.gz" if gzip else "events.jsonl")) as ev,
        FileSink(out / "content.jsonl") as ct,
        FileSink(out / "campaigns.jsonl") as cp,
    ):
        gen = generate_to_sinks(params, ev, ct, progress, campaigns=cp)
    truth = build_truth(gen)
    write_private(out / "truth.json", orjson.dumps(truth, option=orjson.OPT_INDENT_2))
    return truth, gen.stats.summary()


def generate_to_kafka(
    params: WorldParams,
    bootstrap: str,
    views_topic: str = "views",
    content_topic: str = "content",
    truth_path: Path | None = None,
    progress: Progress | None = None,
    compression: str | None = "gzip",
    campaigns_topic: str | None = "campaigns",
    producers: int = 1,
) -> tuple[dict, dict]:
    """Send the whole world to Kafka as fast as possible; optionally write the truth file.

    With ``producers`` > 1 the event lines go out from that many processes
    (:class:`generator.kafka_parallel.ParallelKafkaSink`); catalog and campaigns from this one.
    """
    with KafkaSink(bootstrap, content_topic, compression) as ct:
        cp = KafkaSink(bootstrap, campaigns_topic, compression, producer=ct._p) if campaigns_topic else None
        if producers > 1:
            with ParallelKafkaSink(bootstrap, views_topic, compression, producers) as ev:
                gen = generate_to_sinks(params, ev, ct, progress, campaigns=cp)
        else:
            ev = KafkaSink(bootstrap, views_topic, compression, producer=ct._p)
            gen = generate_to_sinks(params, ev, ct, progress, campaigns=cp)
    truth = build_truth(gen)
    if truth_path is not None:
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        write_private(truth_path, orjson.dumps(truth, option=orjson.OPT_INDENT_2))
    return truth, gen.stats.summary()
