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
) -> list[dict]:
    """A household's devices together on its home network in the evenings."""
    days = list(days)
    rows = []
    for name, dtype in members:
        rows += stay(f"{prefix}-{name}", dtype, network, days, hours)
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
