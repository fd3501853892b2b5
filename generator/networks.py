"""Networks as confounders: dynamic and static ISPs, CGNAT, IPv6 prefixes, offices, cafés, carriers.

A :class:`NetworkPlan` is fixed for a world; a :class:`NetworkState` advances day by day
(leases renew at 03:00 UTC) and resolves each event's location to the public address seen.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import numpy as np

from generator.params import WorldParams

__all__ = ["HOME_KINDS", "LEASE_MS", "LOC_KINDS", "NetworkPlan", "NetworkState", "plan_networks"]

HOME_KINDS = ("dynamic_daily", "dynamic_weekly", "static", "cgnat", "ipv6")
LOC_KINDS = ("home", "office", "mobile", "cafe", "visit")
LEASE_MS = 3 * 3_600_000
_V4 = {  # public /16s per network family
    "dynamic_daily": ("91.64", "91.65"),
    "dynamic_weekly": ("84.128", "84.129"),
    "static": ("188.192",),
    "cgnat": ("37.24",),
    "dslite": ("95.90",),
    "office": ("62.153", "212.114"),
    "cafe": ("85.214",),
    "mobile0": ("80.187",),
    "mobile1": ("176.0",),
    "mobile2": ("109.40",),
}
_V6_HIGH = 0x2A028070  # 2a02:8070::/32


def _v4_pool(rng: np.random.Generator, family: str, n: int) -> list[str]:
    nets = _V4[family]
    picks = rng.choice(len(nets) * 64_516, size=n, replace=False)  # x.y.1-254.1-254
    return [f"{nets[p // 64_516]}.{p % 64_516 // 254 + 1}.{p % 254 + 1}" for p in picks]


@dataclass
class NetworkPlan:
    """Fixed network facts of a world."""

    seed: int
    home_kind: np.ndarray  # index into HOME_KINDS
    home_phase: np.ndarray  # weekly lease phase / IPv6 rotation period (days, 0 = static)
    pools: dict[str, list[str]]
    static_ip: dict[int, str]
    office_ips: list[list[str]]
    cafe_ips: list[str]
    dev_iid: np.ndarray  # uint64 interface id for IPv6
    dev_v4only: np.ndarray  # in an IPv6 (DS-Lite) home, this device only speaks IPv4
    v4_fallback: float  # share of a dual-stack device's requests that still use IPv4 (via the AFTR)
    dense: DensePools | None = None  # regional pools with leases at varying hours (variant dense-pools)
    group_remap: float = 0.0  # nightly chance that a carrier address's homes move together (carrier-groups)
    quiet_v4: np.ndarray | None = None  # per home: its dual-stack devices never use IPv4 (quiet-v4)


@dataclass
class DensePools:
    """Regional address pools of dynamic homes, and CGNAT carriers of several sizes."""

    region: np.ndarray  # per home: pool index for dynamic homes, -1 otherwise
    pools: list[list[str]]  # per region
    lease_hours: tuple[int, ...]  # UTC hours a region's leases may renew at (drawn per region and day)
    return_share: float
    cg_pool: np.ndarray  # per CGNAT home: index into cg_pools, -1 otherwise
    cg_pools: list[list[str]]


def _plan_dense(params: WorldParams, kind: np.ndarray) -> DensePools:
    """Regions of about ``pool_region_homes`` dynamic homes, each with a pool used at ``pool_fill``."""
    rng = np.random.default_rng([params.seed, 4])
    n = len(kind)
    region = np.full(n, -1, dtype=np.int64)
    dyn = rng.permutation(np.flatnonzero(kind <= 1))
    pools: list[list[str]] = []
    addrs = iter(_v4_pool(rng, "dynamic_daily", 2 * len(dyn) + 4))
    for members in np.array_split(dyn, max(1, round(len(dyn) / params.pool_region_homes))):
        region[members] = len(pools)
        fill = rng.uniform(min(params.pool_fill), max(params.pool_fill))
        pools.append([next(addrs) for _ in range(max(len(members) + 1, int(np.ceil(len(members) / fill))))])
    cg_pool = np.full(n, -1, dtype=np.int64)
    cg_pools: list[list[str]] = []
    cg = rng.permutation(np.flatnonzero(kind == 3))
    mix = params.homes_per_cgnat_address_mix or (params.homes_per_cgnat_address,)
    sizes = [
        params.carrier_addresses(len(part), mix[j]) for j, part in enumerate(np.array_split(cg, len(mix)))
    ]
    cg_addrs = iter(_v4_pool(rng, "cgnat", sum(sizes)))
    for j, part in enumerate(np.array_split(cg, len(mix))):
        cg_pool[part] = j
        cg_pools.append([next(cg_addrs) for _ in range(sizes[j])])
    return DensePools(region, pools, tuple(params.lease_hours), params.return_share, cg_pool, cg_pools)


def plan_networks(params: WorldParams, devices: int, offices: int) -> NetworkPlan:
    """Draw the network plan of a world (deterministic for its params)."""
    seed, households = params.seed, params.households
    rng = np.random.default_rng([seed, 3])
    kind = rng.choice(len(HOME_KINDS), size=households, p=params.home_mix)
    count = np.bincount(kind, minlength=len(HOME_KINDS))
    pools = {
        "dynamic_daily": _v4_pool(rng, "dynamic_daily", int(count[0] * 1.2) + 2),
        "dynamic_weekly": _v4_pool(rng, "dynamic_weekly", int(count[1] * 1.3) + 2),
        "cgnat": _v4_pool(
            rng, "cgnat", params.carrier_addresses(int(count[3]), params.homes_per_cgnat_address)
        ),
        "dslite": _v4_pool(
            rng, "dslite", params.carrier_addresses(int(count[4]), params.homes_per_dslite_address)
        ),
    }
    for c in range(3):
        pools[f"mobile{c}"] = _v4_pool(rng, f"mobile{c}", max(6, households // 60))
    statics = _v4_pool(rng, "static", int(count[2]) + 1)
    static_ip = {int(h): statics[i] for i, h in enumerate(np.flatnonzero(kind == 2))}
    office_pool = _v4_pool(rng, "office", offices * 3)
    office_ips = [office_pool[3 * o : 3 * o + int(rng.choice([1, 1, 2, 3]))] for o in range(offices)]
    cafe_ips = _v4_pool(rng, "cafe", max(2, households // 50))
    phase = np.where(
        kind == 4,
        rng.choice(list(params.ipv6_rotation_days), size=households),
        rng.integers(0, 7, size=households),
    )
    iid = rng.integers(1, 2**63, size=devices, dtype=np.int64).astype(np.uint64)
    return NetworkPlan(
        seed,
        kind,
        phase,
        pools,
        static_ip,
        office_ips,
        cafe_ips,
        iid,
        rng.random(devices) < params.ipv4_only_share,
        params.ipv4_fallback_rate,
        _plan_dense(params, kind) if params.pool_region_homes > 0 else None,
        params.carrier_group_remap,
        # its own generator: the other worlds' draws stay as they were
        np.random.default_rng([seed, 44]).random(households) < params.quiet_v4_share
        if params.quiet_v4_share
        else None,
    )


@dataclass
class NetworkState:
    """Per-day leases; call :meth:`advance` with consecutive days starting at 0."""

    plan: NetworkPlan
    day: int = -1
    v4_prev: list[str] = field(default_factory=list)
    v4_cur: list[str] = field(default_factory=list)
    v6_prev: np.ndarray | None = None
    v6_cur: np.ndarray | None = None
    shared_homes: dict[str, set[int]] = field(default_factory=dict)  # CGNAT/DS-Lite addr -> homes
    _free_weekly: list[str] = field(default_factory=list)
    _cg: dict[int, str] = field(default_factory=dict)
    lease_ms: np.ndarray | None = None  # per home: UTC time of day its lease of the day starts
    _history: dict[int, list[str]] = field(default_factory=dict)  # dense pools: a home's recent addresses

    def _advance_dense(self, day: int, cur: list[str], rng: np.random.Generator) -> None:
        """Regional pools: every region renews its due leases at one hour of the day (drawn per
        region and day); a renewing home gets one of its last week's addresses back now and then."""
        plan, dp = self.plan, self.plan.dense
        kind = plan.home_kind
        lease = np.full(len(kind), LEASE_MS, dtype=np.int64)
        for r, pool in enumerate(dp.pools):
            homes = np.flatnonzero(dp.region == r)
            hour = dp.lease_hours[int(rng.integers(len(dp.lease_hours)))]
            lease[homes] = hour * 3_600_000
            due = [int(h) for h in homes if day == 0 or kind[h] == 0 or (day + plan.home_phase[h]) % 7 == 0]
            held = {cur[h] for h in homes if cur[h]} - {cur[h] for h in due}
            free = [a for a in pool if a not in held]
            for h in rng.permutation(due).tolist():
                recent = [a for a in self._history.get(h, [])[-7:] if a in free and a != cur[h]]
                if recent and rng.random() < dp.return_share:
                    a = recent[int(rng.integers(len(recent)))]
                else:
                    a = free[int(rng.integers(len(free)))]
                free.remove(a)
                cur[h] = a
                self._history.setdefault(h, []).append(a)
        moved = self._group_moves(day, cur, np.flatnonzero(kind == 3), lambda h: dp.cg_pools[dp.cg_pool[h]])
        for h in np.flatnonzero(kind == 3):
            cg = dp.cg_pools[dp.cg_pool[h]]
            if (day == 0 or rng.random() < 0.35) and h not in moved:
                cur[h] = cg[int(rng.integers(len(cg)))]
            self.shared_homes.setdefault(cur[h], set()).add(int(h))
        self.lease_ms = lease

    def _group_moves(self, day: int, cur: list[str], homes: np.ndarray, pool_of) -> set[int]:
        """Carrier addresses drained tonight (``plan.group_remap`` each): all homes on one move to a
        single new address of their pool together. Returns the homes moved (none without the variant,
        and no draw from the day's other generators, so other worlds stay as they were)."""
        if not self.plan.group_remap or day == 0:
            return set()
        rng = np.random.default_rng([self.plan.seed, 10, day])
        on: dict[str, list[int]] = {}
        for h in homes.tolist():
            on.setdefault(cur[h], []).append(h)
        moved: set[int] = set()
        for addr in sorted(on):
            if rng.random() < self.plan.group_remap:
                pool = pool_of(on[addr][0])
                new = pool[int(rng.integers(len(pool)))]
                for h in on[addr]:
                    cur[h] = new
                moved.update(on[addr])
        return moved

    def advance(self, day: int) -> None:
        """Renew leases for ``day`` (must be the previous day + 1)."""
        assert day == self.day + 1, "days must be advanced in order"
        plan = self.plan
        rng = np.random.default_rng([plan.seed, 7, day])
        kind, n = plan.home_kind, len(plan.home_kind)
        cur = list(self.v4_cur) if self.v4_cur else [""] * n
        if plan.dense is not None:
            self._advance_dense(day, cur, np.random.default_rng([plan.seed, 9, day]))
        daily = np.flatnonzero(kind == 0) if plan.dense is None else np.zeros(0, np.int64)
        pool = plan.pools["dynamic_daily"]
        for h, a in zip(daily, rng.permutation(len(pool))[: len(daily)]):
            cur[h] = pool[a]
        if day == 0:
            self._free_weekly = list(plan.pools["dynamic_weekly"])
        for h in np.flatnonzero(kind == 1) if plan.dense is None else ():
            if day == 0 or (day + plan.home_phase[h]) % 7 == 0:
                if cur[h]:
                    self._free_weekly.append(cur[h])
                i = int(rng.integers(len(self._free_weekly)))
                self._free_weekly[i], self._free_weekly[-1] = self._free_weekly[-1], self._free_weekly[i]
                cur[h] = self._free_weekly.pop()
        for h, ip in plan.static_ip.items():
            cur[h] = ip
        carrier = np.flatnonzero((kind == 4) | ((kind == 3) & (plan.dense is None)))
        moved = self._group_moves(
            day, cur, carrier, lambda h: plan.pools["cgnat" if kind[h] == 3 else "dslite"]
        )
        for h in carrier:
            cg = plan.pools["cgnat" if kind[h] == 3 else "dslite"]
            if (day == 0 or rng.random() < 0.35) and h not in moved:  # CGNAT remaps homes over time
                cur[h] = cg[int(rng.integers(len(cg)))]
            self.shared_homes.setdefault(cur[h], set()).add(int(h))
        v6 = np.zeros(n, dtype=np.uint64) if self.v6_cur is None else self.v6_cur.copy()
        for h in np.flatnonzero(kind == 4):
            period = plan.home_phase[h]
            if day == 0 or (period and day % period == 0):
                v6[h] = np.uint64((_V6_HIGH << 32) | int(rng.integers(1, 2**32)))
        self.v4_prev = self.v4_cur if day else cur
        self.v6_prev = self.v6_cur if day else v6
        self.v4_cur, self.v6_cur, self.day = cur, v6, day

    def resolve(
        self, kind: np.ndarray, loc: np.ndarray, dev: np.ndarray, tod_ms: np.ndarray, carrier: np.ndarray
    ) -> tuple[list[str], np.ndarray]:
        """Public address of each event: a string table and an index into it per event.

        ``kind``/``loc`` are the location (LOC_KINDS index, and home/office/café id), ``dev`` the
        device, ``tod_ms`` the UTC time of day (before 03:00 the previous lease still holds).
        """
        plan, n_h = self.plan, len(self.v4_cur)
        table = self.v4_prev + self.v4_cur
        aid = np.zeros(len(kind), dtype=np.int64)
        at_home = (kind == 0) | (kind == 4)
        if self.lease_ms is None:
            late = tod_ms >= LEASE_MS
        else:
            late = tod_ms >= np.where(at_home, self.lease_ms[np.where(at_home, loc, 0)], LEASE_MS)
        aid[at_home] = loc[at_home] + n_h * late[at_home]
        off_base = len(table)
        office_flat = [ip for ips in plan.office_ips for ip in ips]
        office_start = np.cumsum([0] + [len(x) for x in plan.office_ips])[:-1]
        office_len = np.array([len(x) for x in plan.office_ips])
        table += office_flat
        m = kind == 1
        aid[m] = off_base + office_start[loc[m]] + dev[m] % office_len[loc[m]]
        m = kind == 3
        aid[m] = len(table) + loc[m]
        table += plan.cafe_ips
        m = kind == 2
        for c in range(3):  # carrier-grade NAT on mobile: a small shared pool, remapped every 15 min
            pool = plan.pools[f"mobile{c}"]
            mc = m & (carrier[dev] == c)
            slot = dev[mc] * 7919 + self.day * 96 + tod_ms[mc] // 900_000
            aid[mc] = len(table) + slot % len(pool)
            table += pool
        fallback = np.random.default_rng([plan.seed, 8, self.day]).random(len(kind)) < plan.v4_fallback
        if plan.quiet_v4 is not None:
            fallback &= ~(at_home & plan.quiet_v4[np.where(at_home, loc, 0)])
        v6 = at_home & (plan.home_kind[loc] == 4) & ~plan.dev_v4only[dev] & ~fallback
        if v6.any():
            prefix = np.where(late[v6], self.v6_cur[loc[v6]], self.v6_prev[loc[v6]])
            combo = np.stack([prefix, plan.dev_iid[dev[v6]]], axis=1)
            uniq, inv = np.unique(combo, axis=0, return_inverse=True)
            base = len(table)
            table += [ipaddress.IPv6Address((int(p) << 64) | int(i)).compressed for p, i in uniq]
            aid[v6] = base + inv.reshape(-1)
        return table, aid
