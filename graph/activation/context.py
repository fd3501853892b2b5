"""The live context of a household: what it watches now, as labels an ad may avoid or prefer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graph.activation.state import ContentInfo, Viewing
from graph.vocabulary import KIDS_GENRE

__all__ = ["GENRE_SHARE", "KIDS_SHARE", "KIDS_WATCHING", "LiveContext", "live_context"]

#: a genre is a label when it has at least this share of the seconds watched in the last 2 hours
GENRE_SHARE = 0.30
#: kids' content at least this share of the seconds makes ``kids_watching``
KIDS_SHARE = 0.50
KIDS_WATCHING = "kids_watching"


@dataclass(frozen=True)
class LiveContext:
    """Labels plus the mixes (shares of seconds watched) they were derived from."""

    labels: tuple[str, ...] = ()
    seconds: float = 0.0
    genres: dict[str, float] = field(default_factory=dict)
    kinds: dict[str, float] = field(default_factory=dict)
    age_ratings: dict[int, float] = field(default_factory=dict)
    kid_title_playing: bool = False

    @property
    def kids_watching(self) -> bool:
        return KIDS_WATCHING in self.labels


def mixes(
    views: Iterable[Viewing], catalog: Mapping[str, ContentInfo]
) -> tuple[float, dict[str, float], dict[str, float], dict[int, float]]:
    """Total seconds and the genre, kind and age-rating shares of ``views``.

    >>> cat = {"a": ContentInfo(("kids",), "show", 0), "b": ContentInfo(("news",), "live", 0)}
    >>> mixes([Viewing(0, "a", 30.0), Viewing(1, "b", 90.0)], cat)
    (120.0, {'kids': 0.25, 'news': 0.75}, {'show': 0.25, 'live': 0.75}, {0: 1.0})
    """
    total = 0.0
    genres: dict[str, float] = defaultdict(float)
    kinds: dict[str, float] = defaultdict(float)
    ratings: dict[int, float] = defaultdict(float)
    for v in views:
        total += v.seconds
        info = catalog.get(v.content)
        if info is None:
            continue
        for g in info.genres:
            genres[g] += v.seconds
        if info.kind is not None:
            kinds[info.kind] += v.seconds
        if info.age_rating is not None:
            ratings[info.age_rating] += v.seconds
    if total <= 0:
        return 0.0, {}, {}, {}
    return tuple(  # type: ignore[return-value]
        [total] + [{k: s / total for k, s in m.items() if s > 0} for m in (genres, kinds, ratings)]
    )


def kid_title_playing(views: Iterable[Viewing], catalog: Mapping[str, ContentInfo], now_ms: int) -> bool:
    """Whether a kids' title (genre ``kids``) started at or before ``now_ms`` and is still running.

    >>> kid_title_playing([Viewing(0, "a", 60.0)], {"a": ContentInfo(("kids",))}, now_ms=30_000)
    True
    """
    for v in views:
        info = catalog.get(v.content)
        if info and KIDS_GENRE in info.genres and v.ts <= now_ms < v.ts + v.seconds * 1000:
            return True
    return False


def live_context(views: list[Viewing], catalog: Mapping[str, ContentInfo], now_ms: int) -> LiveContext:
    """Labels of the views of the last 2 hours: genres with ≥ 30 % of the seconds, ``kids_watching``.

    ``kids_watching`` when kids' content is ≥ 50 % of the seconds or a kids' title is playing now.

    >>> cat = {"x": ContentInfo(("christmas", "movie")), "k": ContentInfo(("kids",))}
    >>> live_context([Viewing(0, "x", 5400.0), Viewing(10, "k", 600.0)], cat, now_ms=300_000).labels
    ('christmas', 'movie', 'kids_watching')
    """
    total, genres, kinds, ratings = mixes(views, catalog)
    playing = kid_title_playing(views, catalog, now_ms)
    labels = [g for g, share in sorted(genres.items()) if share >= GENRE_SHARE - 1e-12]
    labels.sort(key=lambda g: -genres[g])
    if playing or genres.get(KIDS_GENRE, 0.0) >= KIDS_SHARE - 1e-12:
        labels.append(KIDS_WATCHING)
    return LiveContext(tuple(labels), total, genres, kinds, ratings, playing)
