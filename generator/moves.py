"""Devices and people that really change household mid-world (variant ``movers``).

Each move chain takes two single-person homes ``a`` and ``b`` and one more home ``c``:

* on day ``x``, ``a``'s person moves in with ``b``'s, bringing every device of ``a`` (a couple
  moves in together); the line at ``a`` (its address, its ISP) is free from then on;
* on day ``x + 1`` or ``x + 2`` the free line at ``a`` is taken either by a person of ``c`` with
  the devices they own (a student moves out: a new household of one), or by the whole home
  ``c`` (every person and device: a home that moves to another ISP and address; its true
  household does not change, only its network does).

Households are slots of the world's arrays (``dev_home``, ``person_home``, the network plan); a
slot's true household id (``World.hh_label``) is what the truth records, so a home that moves
keeps its id on a new slot. :func:`apply_moves` changes the world at the start of a day; the
days must be simulated in order (as :class:`generator.pipeline.Generation` does).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

__all__ = ["MOVE_KINDS", "Move", "apply_moves", "plan_moves", "rekey_pairs"]

#: ``join``: a single moves in with another; ``leave``: a person moves out into a home of their
#: own; ``home``: a whole home moves to another line (ISP, address), its household unchanged.
MOVE_KINDS = ("join", "leave", "home")


@dataclass(frozen=True)
class Move:
    """One move at the start of world day ``day``: ``persons`` and ``devices`` go from slot
    ``src`` to slot ``dst``; ``label`` is the true household id of ``dst`` from then on."""

    day: int
    kind: str
    persons: tuple[int, ...]
    devices: tuple[int, ...]
    src: int
    dst: int
    label: str


def plan_moves(
    seed: int,
    days: int,
    share: float,
    hh_ids: list[str],
    hh_persons: list[list[int]],
    hh_devices: list[list[int]],
    dev_owner: np.ndarray,
    person_role: np.ndarray,
) -> list[Move]:
    """Move chains for about ``share`` of the households (see the module), on days in the second
    half of the world. Deterministic for ``seed``; draws from its own generator (the rest of
    the world is the same as without moves).

    >>> persons = [[0], [1], [2, 3], [4], [5]]
    >>> devices = [[0], [1, 2], [3, 4, 5], [6], [7]]
    >>> owner = np.array([0, 1, -1, 2, 3, -1, 4, 5])
    >>> ids = [f"H{i}" for i in range(5)]
    >>> moves = plan_moves(5, 14, 0.5, ids, persons, devices, owner, np.array([0, 0, 0, 1, 0, 0]))
    >>> [(m.day, m.kind, m.src, m.dst, m.devices, m.label) for m in moves]  # doctest: +NORMALIZE_WHITESPACE
    [(9, 'join', 3, 0, (6,), 'H0'), (10, 'leave', 2, 3, (4,), 'H2-10'), (8, 'join', 4, 1, (7,), 'H1')]
    >>> [m.kind for m in plan_moves(1, 14, 0.5, ids, persons, devices, owner, np.zeros(6, int))]
    ['join', 'home', 'join']
    """
    if share <= 0:
        return []
    if days < 4:
        raise ValueError(f"moves need a world of at least 4 days, got {days}")
    rng = np.random.default_rng([seed, 31])
    n = len(hh_persons)
    singles = [h for h in rng.permutation(n).tolist() if len(hh_persons[h]) == 1 and hh_devices[h]]
    chains = min(max(1, round(share * n)), len(singles) // 2)
    used = set(singles[: 2 * chains])
    others = [h for h in rng.permutation(n).tolist() if h not in used and hh_devices[h]]
    moves: list[Move] = []
    for i in range(chains):
        a, b = singles[2 * i], singles[2 * i + 1]
        x = int(rng.integers(days // 2, days - 2))
        moves.append(Move(x, "join", tuple(hh_persons[a]), tuple(hh_devices[a]), a, b, hh_ids[b]))
        if not others:
            continue
        c = others.pop()
        y = x + int(rng.integers(1, 3))
        movers = [p for p in hh_persons[c] if person_role[p] < 2]
        own = [p for p in movers if any(dev_owner[d] == p for d in hh_devices[c])]
        if len(hh_persons[c]) > 1 and own and rng.random() < 0.5:
            p = own[int(rng.integers(len(own)))]
            devs = tuple(d for d in hh_devices[c] if dev_owner[d] == p)
            moves.append(Move(y, "leave", (p,), devs, c, a, f"{hh_ids[c]}-{y}"))
        else:
            moves.append(Move(y, "home", tuple(hh_persons[c]), tuple(hh_devices[c]), c, a, hh_ids[c]))
    return moves


def rekey_pairs(counts: Counter, src: int, dst: int) -> Counter:
    """Pair counters of a home that moved into (or became) ``dst``: its pairs are ``dst``'s now, as
    its friendships are; a pair of the two homes themselves is no pair any more.

    >>> rekey_pairs(Counter({(1, 5): 2, (3, 5): 1, (1, 3): 4, (0, 1): 1}), src=1, dst=3)
    Counter({(3, 5): 3, (0, 3): 1})
    """
    out: Counter = Counter()
    for (u, v), n in counts.items():
        u, v = (dst if u == src else u), (dst if v == src else v)
        if u != v:
            out[(min(u, v), max(u, v))] += n
    return out


def apply_moves(world, day: int, counters: tuple[Counter, ...] = ()) -> list[Move]:
    """Carry out the world's moves of ``day`` (on ``dev_home``, ``person_home``, ``hh_persons``,
    ``hh_devices``, ``hh_label``, the friendships of a moved home and, in place, the pair
    ``counters`` kept of them: visits so far go with the friendships); returns them."""
    todo = [m for m in world.moves if m.day == day]
    for m in todo:
        world.dev_home[list(m.devices)] = m.dst
        world.person_home[list(m.persons)] = m.dst
        world.hh_persons[m.dst] = sorted(set(world.hh_persons[m.dst]) | set(m.persons))
        world.hh_persons[m.src] = [p for p in world.hh_persons[m.src] if p not in m.persons]
        world.hh_devices[m.dst] = sorted(set(world.hh_devices[m.dst]) | set(m.devices))
        world.hh_devices[m.src] = [d for d in world.hh_devices[m.src] if d not in m.devices]
        world.hh_label[m.dst] = m.label
        if m.kind != "leave":  # friends now visit the home where their friends live
            world.friends = sorted(rekey_pairs(Counter(world.friends), m.src, m.dst))
            for c in counters:
                moved = rekey_pairs(c, m.src, m.dst)
                c.clear()
                c.update(moved)
    return todo
