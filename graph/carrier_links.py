"""Links seen only behind carriers: how likely two households are friends, from visits that
name them among the few households living on a shared (CGNAT / DS-Lite) address.

A visit seen only on a carrier address names every household living there at the time
(``k`` of the ``N`` households living behind carrier addresses that day): the host is one of
them, and which one is not in the data. One such naming says little, but the carrier remaps
homes, so a household that is named again on another address, or named the other way round
(its device seen where the first lives), becomes likely. The steps weigh that as a likelihood
ratio against chance, per pair of households:

- prior odds that a given pair are friends: ``friends / households``;
- a visit of A naming C: ``P(named | friends) / P(named | not)``
  ``= (q + (1 - q) k / N) / (k / N) = 1 - q + q N / k``, with ``q = 1 / friends`` the chance
  that a visit of A goes to a given friend; namings on the same address count once (C living
  on after a remap there, not a new coincidence);
- a visit of A *not* naming C: ``(1 - q)`` (a friend would have been visited now and then).

A link needs the posterior at least ``SocialParams.carrier_link_posterior``.
"""

from __future__ import annotations

import math

import numpy as np

from graph.networks import sorted_runs
from graph.params import SocialParams

__all__ = ["carrier_link_pairs", "pair_log_odds", "visit_weights"]


def visit_weights(
    visitor: np.ndarray, host: np.ndarray, date: np.ndarray, net: np.ndarray, n_day: np.ndarray
) -> tuple[np.ndarray, ...]:
    """One row per (visit, candidate host): a visit is a household's carrier rows on one date.

    Parameters
    ----------
    visitor, host, date, net, n_day : arrays of int
        Per visit row (a candidate host per row, as :func:`graph.social._cgnat_visits` gives):
        the visiting household, a candidate host, the local date, the address, and how many
        households live behind carrier addresses that day.

    Returns
    -------
    tuple of arrays
        ``(visitor, host, date, k, n, net)`` per distinct (visitor, date, host): ``k`` candidates
        of the visit, ``n`` = ``max(N of its rows, k)``, ``net`` its first (lowest) address.

    Examples
    --------
    Household 0 on address 7 on date 3, where households 1 and 2 live (50 behind carriers):

    >>> v, h, d, k, n, a = visit_weights(np.array([0, 0, 0]), np.array([1, 2, 1]),
    ...                                  np.array([3, 3, 3]), np.array([7, 7, 7]), np.array([50, 50, 50]))
    >>> h.tolist(), k.tolist(), n.tolist(), a.tolist()
    ([1, 2], [2, 2], [50, 50], [7, 7])
    """
    z = np.zeros(0, np.int64)
    if not len(visitor):
        return z, z, z, z, z, z
    visitor, host, date = (np.asarray(x, np.int64) for x in (visitor, host, date))
    net, n_day = np.asarray(net, np.int64), np.asarray(n_day, np.int64)
    d0 = int(date.min())
    nd, nh = int(date.max()) - d0 + 1, int(max(visitor.max(), host.max())) + 1
    visit = visitor * nd + (date - d0)
    vkey, inv = np.unique(visit, return_inverse=True)
    n = np.zeros(len(vkey), np.int64)
    np.maximum.at(n, inv, n_day)
    first = np.full(len(vkey), np.iinfo(np.int64).max)
    np.minimum.at(first, inv, net)
    vh, _ = sorted_runs(visit * nh + host)
    vi = np.searchsorted(vkey, vh // nh)
    k = np.bincount(vi, minlength=len(vkey))
    return (
        vh // nh // nd,
        vh % nh,
        vh // nh % nd + d0,
        k[vi],
        np.maximum(n[vi], k[vi]),
        first[vi],
    )


def pair_log_odds(
    visitor: np.ndarray,
    host: np.ndarray,
    date: np.ndarray,
    k: np.ndarray,
    n: np.ndarray,
    net: np.ndarray,
    households: int,
    friends: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log posterior odds that each named pair of households are friends (module docstring).

    Parameters
    ----------
    visitor, host, date, k, n, net : arrays of int
        :func:`visit_weights`' rows.
    households : int
        Households in the assignment (the prior: ``friends / households``).
    friends : float
        Friend households per household, ``> 1``.

    Returns
    -------
    lo, hi, log_odds : arrays
        Per named pair ``lo < hi`` (household codes), ascending.

    Examples
    --------
    Household 0 is named by 1's visits on two addresses (of 3 and 2 candidates, 100 behind
    carriers); 1's third visit names only household 5. Prior ``log(3 / 300)``, the namings
    ``log(2/3 + 100/9) + log(2/3 + 100/6)``, one visit of 1 without 0 ``log(2/3)``:

    >>> lo, hi, lo_odds = pair_log_odds(np.array([1, 1, 1]), np.array([0, 0, 5]), np.array([2, 6, 9]),
    ...                                 np.array([3, 2, 1]), np.array([100, 100, 100]),
    ...                                 np.array([7, 8, 9]), households=300, friends=3.0)
    >>> lo.tolist(), hi.tolist(), [round(x, 2) for x in lo_odds.tolist()]
    ([0, 1], [1, 5], [0.31, -1.89])
    """
    if not len(visitor):
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0)
    visitor, host = np.asarray(visitor, np.int64), np.asarray(host, np.int64)
    q = 1.0 / friends
    named = np.log(1.0 - q + q * np.asarray(n, float) / np.asarray(k, float))
    miss = math.log(1.0 - q)
    nh = int(max(visitor.max(), host.max())) + 1
    # every visit of a household not naming the other costs log(1 - q): visits per household
    vd = np.unique(visitor * (int(np.max(date)) - int(np.min(date)) + 1) + (date - int(np.min(date))))
    span = int(np.max(date)) - int(np.min(date)) + 1
    visits = np.bincount(vd // span, minlength=nh)
    lo, hi = np.minimum(visitor, host), np.maximum(visitor, host)
    pair = lo * nh + hi
    # namings on one address count once (the pair's best there); either direction
    g, gi = np.unique(pair * (int(np.max(net)) + 1) + np.asarray(net, np.int64), return_inverse=True)
    best = np.full(len(g), -np.inf)
    np.maximum.at(best, gi, named)
    keys, pi = np.unique(pair, return_inverse=True)
    score = np.zeros(len(keys))
    np.add.at(score, np.searchsorted(keys, g // (int(np.max(net)) + 1)), best)
    # visits of each side that named the other (a visit names a host at most once per row here)
    naming = np.bincount(pi, minlength=len(keys))
    klo, khi = keys // nh, keys % nh
    unnamed = visits[klo] + visits[khi] - naming
    return klo, khi, math.log(friends / max(households, 1)) + score + miss * unnamed


def carrier_link_pairs(
    visitor: np.ndarray,
    host: np.ndarray,
    date: np.ndarray,
    net: np.ndarray,
    n_day: np.ndarray,
    households: int,
    sp: SocialParams,
) -> set[tuple[int, int]]:
    """Household code pairs ``(lo, hi)`` whose carrier-only visits make them friends with at least
    ``sp.carrier_link_posterior`` (:func:`visit_weights` then :func:`pair_log_odds`).

    Examples
    --------
    >>> pairs = carrier_link_pairs(np.array([1, 1, 0]), np.array([0, 0, 1]), np.array([2, 6, 9]),
    ...                            np.array([7, 8, 9]), np.array([400, 400, 400]), 300, SocialParams())
    >>> sorted(pairs)
    [(0, 1)]
    """
    rows = visit_weights(visitor, host, date, net, n_day)
    lo, hi, odds = pair_log_odds(*rows, households=households, friends=sp.carrier_friends)
    p = sp.carrier_link_posterior
    keep = odds >= math.log(p / (1.0 - p))
    return set(zip(lo[keep].tolist(), hi[keep].tolist()))
