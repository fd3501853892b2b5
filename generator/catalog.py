"""The content catalog: series with episodes, films, shows, live, articles, recipes, games, clips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

__all__ = ["GENRES", "Catalog", "build_catalog", "christmas_share"]

GENRES = (
    "cooking",
    "kids",
    "sports",
    "news",
    "romance",
    "documentary",
    "christmas",
    "crime",
    "comedy",
    "drama",
    "music",
    "gaming",
    "thriller",
    "scifi",
    "travel",
    "reality",
)
_G = {g: i for i, g in enumerate(GENRES)}
_RATING = {
    "kids": 0,
    "cooking": 0,
    "news": 0,
    "documentary": 6,
    "music": 0,
    "sports": 0,
    "travel": 0,
    "christmas": 0,
    "comedy": 6,
    "romance": 12,
    "drama": 12,
    "reality": 12,
    "gaming": 12,
    "scifi": 12,
    "crime": 16,
    "thriller": 16,
}
_WORDS = (
    "Night",
    "River",
    "Kitchen",
    "Secret",
    "Harbour",
    "Golden",
    "Winter",
    "City",
    "Wild",
    "Little",
    "Last",
    "Summer",
    "Forest",
    "Star",
    "Home",
    "Lost",
    "Red",
    "Silent",
    "Big",
    "Happy",
    "North",
    "Island",
    "Station",
    "Garden",
    "Dragon",
    "Empire",
    "Road",
    "Moon",
)
#: (kind, count, id prefix, genre choices, how many genres)
_KINDS = (
    ("movie", 420, "mov", None, 2),
    ("show", 90, "shw", None, 1),
    ("live", 24, "liv", ("sports", "news", "music"), 1),
    ("article", 600, "art", ("news", "sports", "travel", "cooking"), 1),
    ("recipe", 320, "rcp", ("cooking",), 1),
    ("game", 60, "gam", ("gaming", "kids"), 1),
    ("clip", 320, "clp", None, 1),
)


@dataclass(frozen=True)
class Catalog:
    """Catalog records plus the lookup tables the behaviour model samples from."""

    records: list[dict]
    kinds: list[str]
    genre_items: list[np.ndarray]  # per genre: item indices, most popular first
    series_episodes: list[np.ndarray]  # per series: item indices in episode order
    ratings: np.ndarray

    def __len__(self) -> int:
        return len(self.records)


def christmas_share(day: date) -> float:
    """Extra share of views that go to Christmas content on ``day`` (seasonal).

    >>> christmas_share(date(2026, 10, 1)), round(christmas_share(date(2026, 12, 20)), 2)
    (0.0, 0.25)
    """
    start = date(day.year, 11, 10)
    if day < start or day > date(day.year, 12, 31):
        return 0.0
    return min(0.25, 0.25 * (day - start).days / 40)


def _title(rng: np.random.Generator) -> str:
    return " ".join(_WORDS[i] for i in rng.choice(len(_WORDS), size=int(rng.integers(1, 4)), replace=False))


def build_catalog(seed: int, n_series: int = 140) -> Catalog:
    """Build the catalog for ``seed`` (deterministic).

    >>> cat = build_catalog(1); len(cat) > 3000 and cat.records[0]["kind"]
    'series_episode'
    """
    rng = np.random.default_rng([seed, 11])
    recs: list[dict] = []
    series_eps: list[np.ndarray] = []
    free_genres = [g for g in GENRES if g != "christmas"]
    for s in range(n_series):
        genres = list(rng.choice(free_genres, size=int(rng.integers(1, 3)), replace=False))
        if rng.random() < 0.06:
            genres.append("christmas")
        title = _title(rng)
        sid = f"ser-{s:04d}"
        first = len(recs)
        for season in range(1, int(rng.integers(1, 5)) + 1):
            for ep in range(1, int(rng.integers(6, 13)) + 1):
                recs.append(
                    {
                        "content_id": f"ep-{s:04d}-s{season:02d}e{ep:02d}",
                        "title": f"{title} S{season}E{ep}",
                        "kind": "series_episode",
                        "series_id": sid,
                        "genres": genres,
                    }
                )
        series_eps.append(np.arange(first, len(recs)))
    for kind, count, prefix, choices, ng in _KINDS:
        pool = list(choices) if choices else free_genres
        for i in range(count):
            genres = list(rng.choice(pool, size=min(ng, len(pool)), replace=False))
            if kind in ("movie", "show", "clip") and rng.random() < 0.05:
                genres = ["christmas"] + genres[:1]
            recs.append(
                {"content_id": f"{prefix}-{i:05d}", "title": _title(rng), "kind": kind, "genres": genres}
            )
    ratings = np.zeros(len(recs), dtype=np.int8)
    for i, r in enumerate(recs):
        ratings[i] = max(_RATING[g] for g in r["genres"])
        if rng.random() < 0.9:  # some records lack an age rating, as real feeds do
            r["age_rating"] = int(ratings[i])
        if rng.random() < 0.02:
            del r["title"]
    # Zipf popularity: a random rank per item; genre lists sorted most popular first.
    rank = rng.permutation(len(recs))
    genre_items = []
    for g in GENRES:
        items = np.array([i for i, r in enumerate(recs) if g in r["genres"]], dtype=np.int64)
        genre_items.append(items[np.argsort(rank[items], kind="stable")])
    return Catalog(recs, [r["kind"] for r in recs], genre_items, series_eps, ratings)
