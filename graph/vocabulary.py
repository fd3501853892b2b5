"""The words every package shares, defined once: device, event and content kinds, network classes, time.

Ingest validates against these, the jobs count by them, the app labels with them and the generator
draws from them. Each tuple has a ``Literal`` twin for type hints and pydantic models.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "CONTENT_KINDS",
    "COST_MODELS",
    "DAY_MS",
    "DEVICE_TYPES",
    "EVENT_TYPES",
    "HOUR_MS",
    "KIDS_GENRE",
    "NETWORK_CLASSES",
    "WEEK_MS",
    "ContentKind",
    "CostModel",
    "DeviceType",
    "EventType",
    "NetworkClass",
]

DeviceType = Literal["tv", "phone", "tablet", "desktop", "console", "other"]
EventType = Literal["view", "impression", "click", "search", "conversion", "bookmark"]
ContentKind = Literal["movie", "series_episode", "show", "live", "article", "recipe", "game", "clip", "other"]
NetworkClass = Literal["home", "cgnat", "mobile", "workplace", "public", "unknown"]
CostModel = Literal["cpm", "cpc", "cpa"]

#: in the order the app shows them (screens first by size)
DEVICE_TYPES: tuple[DeviceType, ...] = get_args(DeviceType)
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
CONTENT_KINDS: tuple[ContentKind, ...] = get_args(ContentKind)
#: index = the class code the household core stores (``graph.networks``)
NETWORK_CLASSES: tuple[NetworkClass, ...] = get_args(NetworkClass)
COST_MODELS: tuple[CostModel, ...] = get_args(CostModel)

#: the genre label of children's content in the catalog
KIDS_GENRE = "kids"

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
