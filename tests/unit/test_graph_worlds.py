"""Tiny hand-made presence worlds shared by the graph tests (and a check of the builders)."""

from __future__ import annotations

from collections.abc import Iterable

H = 3_600_000
T0 = 1_791_158_400_000  # Monday 2026-10-05 00:00 UTC
DEFAULT_MEMBERS = (("tv", "tv"), ("ph", "phone"), ("tab", "tablet"))


def stay(
    device: str, dtype: str | None, network: str, days: Iterable[int], hours: Iterable[int], family: int = 4
) -> list[dict]:
    """Presence rows of ``device`` on ``network`` at the given UTC hours of the given days."""
    hours = list(hours)
    return [
        {
            "device": device,
            "device_type": dtype,
            "network": network,
            "family": family,
            "hour": T0 + (24 * d + h) * H,
            "events": 1,
        }
        for d in days
        for h in hours
    ]


def home(
    prefix: str,
    network: str,
    days: Iterable[int] = range(14),
    members=DEFAULT_MEMBERS,
    hours: Iterable[int] = (18, 19, 20),
    family: int = 4,
) -> list[dict]:
    """A household's devices together on its home network in the evenings."""
    days = list(days)
    rows = []
    for name, dtype in members:
        rows += stay(f"{prefix}-{name}", dtype, network, days, hours, family)
    return rows


def households_of(result: dict) -> dict[str, set[str]]:
    """household id -> member device keys."""
    out: dict[str, set[str]] = {}
    for m in result["memberships"]:
        out.setdefault(m["household_id"], set()).add(m["device"])
    return out


def test_builders_make_the_expected_rows():
    rows = home("a", "n", days=[0, 1])
    assert len(rows) == 3 * 2 * 3
    assert {r["device"] for r in rows} == {"a-tv", "a-ph", "a-tab"}
    assert min(r["hour"] for r in rows) == T0 + 18 * H


def ds_lite_street(days: int = 14) -> list[dict]:
    """Six DS-Lite homes: each has its own IPv6 /64 (``v6-i``), where its phone and tablet are in
    the evenings, and reaches IPv4 through a carrier address it shares (``aftr1``: homes 0-2,
    ``aftr2``: homes 3-5); in the second week the carrier remaps home 0 to ``aftr2``, and home 3
    moves between the two every three days. The phones use the carrier address in the hour they
    are on their /64 on a few days (IPv4-only services; home 3's three days far apart). IPv4-only
    devices: home 0's TV, seen only on home 0's carrier address; home 1's TV, on ``aftr1`` all
    along, as home 2 is; home 3's TV and console, every evening on home 3's carrier address."""
    half = days // 2
    fallback = [1, 4, 8, 11, 13]

    def aftr(i: int, d: int) -> str:
        if i == 3:
            return ("aftr2", "aftr1")[d // 3 % 2]
        first = "aftr1" if i < 3 else "aftr2"
        return first if d < half or i != 0 else "aftr2"

    rows = []
    for i in range(6):
        rows += home(f"d{i}", f"v6-{i}", range(days), (("ph", "phone"), ("tab", "tablet")), family=6)
        for d in fallback if i != 3 else [2, 9, 13]:
            rows += stay(f"d{i}-ph", "phone", aftr(i, d), [d], [19])
    for dev in ("d0-tv", "d1-tv", "d3-tv", "d3-con"):
        i = int(dev[1])
        for d in range(days):
            rows += stay(dev, dev.split("-")[1].replace("con", "console"), aftr(i, d), [d], [20, 21])
    return rows
