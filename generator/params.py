"""Parameters of a synthetic world; everything the generator does is a function of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from ingest.contract import DAY_MS
from ingest.pseudonym import DEMO_SECRET

__all__ = ["DAY_MS", "DEFAULT_START", "LOCAL_OFFSET_MS", "VARIANTS", "WorldParams", "variant_params"]

DEFAULT_START = date(2026, 10, 1)
#: Behaviour is modelled in Central European local time (UTC+1); "evening" means local evening.
LOCAL_OFFSET_MS = 3_600_000


@dataclass(frozen=True)
class WorldParams:
    """Size, seed and dirt of a world.

    >>> WorldParams(households=3, days=2).start_ms
    1790812800000
    """

    households: int = 200
    days: int = 14
    seed: int = 1
    start: date = DEFAULT_START
    malformed_rate: float = 0.005
    duplicate_rate: float = 0.01
    late_rate: float = 0.02
    event_id_rate: float = 0.3
    bid_copy_rate: float = 0.02  # ad events re-sent under a new id within 2 s (duplicate bids)
    secret: str = field(default=DEMO_SECRET, repr=False)
    # network mix: share of homes per kind (dynamic daily, dynamic weekly, static, CGNAT, IPv6+DS-Lite)
    home_mix: tuple[float, float, float, float, float] = (0.30, 0.20, 0.10, 0.20, 0.20)
    # carriers (CGNAT, and the IPv4 side of DS-Lite through the AFTR): port-block allocation shares a
    # public address among ~32 subscribers (64k ports in 2k-port blocks), sticky per subscriber until its
    # line reconnects; the world's homes are a sample of the carrier's subscribers (the broadcaster's
    # viewers, ``viewer_share`` of them), so a pool holds homes_at_density = subscribers x share per
    # address, and never fewer than ``carrier_min_addresses`` (a carrier's pool does not shrink with the
    # broadcaster's sample). ``homes_per_*_address`` > 0 sets the world density directly (old worlds: 25/30)
    carrier_subscribers_per_address: int = 32
    viewer_share: float = 0.15
    carrier_min_addresses: int = 16
    homes_per_cgnat_address: float = 0.0
    homes_per_dslite_address: float = 0.0
    ipv6_rotation_days: tuple[int, ...] = (1, 1, 7, 7, 0)  # drawn per IPv6 home; 0 = stable prefix
    # DS-Lite homes: share of IPv4-only devices, and of dual-stack requests that still go over IPv4
    # (happy-eyeballs fallback, IPv4-only endpoints), i.e. via the carrier's shared AFTR address
    ipv4_only_share: float = 0.15
    ipv4_fallback_rate: float = 0.05
    office_share: float = 0.6  # adults who work at an office
    households_per_office: int = 30
    # dense address pools (0 = off: one pool per ISP, 1.2-1.3 x its homes, leases renewed at 03:00 UTC):
    # dynamic homes split into regions of about this many homes, each with its own pool ...
    pool_region_homes: int = 0
    pool_fill: tuple[float, float] = (0.8, 0.9)  # ... used at this share (drawn per region) ...
    lease_hours: tuple[int, ...] = (3,)  # ... renewed at one of these UTC hours (per region and day) ...
    return_share: float = 0.0  # ... and a home given back one of its last week's addresses this often
    homes_per_cgnat_address_mix: tuple[float, ...] = ()  # CGNAT carriers of several densities (homes/address)
    # carriers that drain an address (NAT box failover, pool rebalancing) move all its subscribers
    # to one new address together: each night an address's homes move as a group with this chance.
    # repr=False keeps the world cache tags (bench/tune_households.py) of the other variants
    carrier_group_remap: float = field(default=0.0, repr=False)
    # ghosters' habits, shares of (sporadic: 15 % of days; returner: a day or two after 10-17 days away;
    # trial: one visit of a day or two, never again; household: half the days, one brief pick-up each)
    ghost_styles: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    # move chains (generator.moves) per household: a single moves in with another, then a person
    # moves out into the freed line or a whole home moves onto it (another ISP and address)
    move_share: float = 0.0
    # households that use the broadcaster's app only away from home (at friends', on the move, at
    # work): their devices send no event at home, so they are seen only as guests (repr=False: as above)
    away_only_share: float = field(default=0.0, repr=False)
    # the world's viewers live this many hours behind Central European time: every timestamp
    # is later in UTC by as much (6: US Eastern), leases and all (repr=False: as above)
    utc_shift_hours: int = field(default=0, repr=False)
    # phones and tablets whose app cannot read the Wi-Fi MAC (Android 6+, iOS 7+) and sends the system's
    # placeholder 02:00:00:00:00:00 on some of their events (placeholder_mac_events of them): one key,
    # many homes at once (graph.households.shared_keys; repr=False: as above)
    placeholder_mac_share: float = field(default=0.0, repr=False)
    placeholder_mac_events: float = field(default=0.3, repr=False)
    # DS-Lite homes whose dual-stack devices never use IPv4 (every service they use has IPv6): the
    # carrier address shows only their IPv4-only devices, beside homes that do (repr=False: as above)
    quiet_v4_share: float = field(default=0.0, repr=False)
    # phones, tablets and laptops whose owner spends the world's last two days at another home (a
    # weekend at friends' or the parents'): at home they are seen only at the host's, and still
    # belong to their own household (graph.households.parting must not take them; repr=False: as above)
    weekend_away_share: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        if abs(sum(self.home_mix) - 1.0) > 1e-9 or min(self.home_mix) < 0:
            raise ValueError(f"home_mix must be 5 non-negative shares summing to 1, got {self.home_mix}")
        if (
            not 0 <= self.office_share <= 1
            or self.households_per_office < 1
            or min(self.homes_per_cgnat_address, self.homes_per_dslite_address) < 0
            or self.carrier_subscribers_per_address < 1
            or not 0 < self.viewer_share <= 1
            or self.carrier_min_addresses < 1
        ):
            raise ValueError(
                "office_share in [0, 1], households_per_office, carrier_subscribers_per_address and"
                " carrier_min_addresses >= 1, viewer_share in (0, 1], homes_per_*_address >= 0"
            )
        if not self.ipv6_rotation_days or min(self.ipv6_rotation_days) < 0:
            raise ValueError("ipv6_rotation_days: one or more periods in days (0 = stable)")
        if not (0 < min(self.pool_fill) <= max(self.pool_fill) <= 1) or not self.lease_hours:
            raise ValueError("pool_fill: shares in (0, 1]; lease_hours: one or more UTC hours")
        if (
            any(not 0 <= h < 24 for h in self.lease_hours)
            or min(self.homes_per_cgnat_address_mix or (1,)) <= 0
        ):
            raise ValueError("lease_hours in 0..23, homes_per_cgnat_address_mix > 0")
        if not 0 <= self.carrier_group_remap <= 1:
            raise ValueError(
                f"carrier_group_remap: a nightly chance in [0, 1], got {self.carrier_group_remap}"
            )
        if not -12 <= self.utc_shift_hours <= 12:
            raise ValueError(f"utc_shift_hours: in [-12, 12], got {self.utc_shift_hours}")
        if not (0 <= self.placeholder_mac_share <= 1 and 0 <= self.placeholder_mac_events <= 1):
            raise ValueError("placeholder_mac_share and placeholder_mac_events: shares in [0, 1]")
        if not 0 <= self.away_only_share <= 1:
            raise ValueError(f"away_only_share: a share of households in [0, 1], got {self.away_only_share}")
        if not 0 <= self.weekend_away_share <= 1:
            raise ValueError(
                f"weekend_away_share: a share of handheld devices in [0, 1], got {self.weekend_away_share}"
            )
        if not 0 <= self.quiet_v4_share <= 1:
            raise ValueError(f"quiet_v4_share: a share of DS-Lite homes in [0, 1], got {self.quiet_v4_share}")
        if not 0 <= self.move_share <= 0.5:
            raise ValueError(f"move_share: move chains per household in [0, 0.5], got {self.move_share}")
        if self.move_share and self.days < 4:
            raise ValueError(f"moves (variant movers) need a world of at least 4 days, got {self.days}")
        if len(self.ghost_styles) != 4 or min(self.ghost_styles) < 0 or sum(self.ghost_styles) <= 0:
            raise ValueError(f"ghost_styles: 4 non-negative weights, not all 0, got {self.ghost_styles}")

    def carrier_addresses(self, homes: int, homes_per_address: float = 0.0) -> int:
        """Public addresses of a carrier pool holding ``homes`` of the world at ``homes_per_address``
        (0 = subscribers per address x viewer share), at least ``carrier_min_addresses``.

        >>> WorldParams().carrier_addresses(60), WorldParams().carrier_addresses(200)
        (16, 41)
        >>> WorldParams(carrier_min_addresses=2).carrier_addresses(60, 25)  # the old tiny pools
        2
        """
        density = homes_per_address or self.carrier_subscribers_per_address * self.viewer_share
        return max(self.carrier_min_addresses, int(homes // density))

    @property
    def start_ms(self) -> int:
        dt = datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)
        return int(dt.timestamp()) * 1000

    def day_start_ms(self, day: int) -> int:
        """UTC midnight of world day ``day`` (0-based), epoch ms."""
        return self.start_ms + day * DAY_MS


#: Named world settings for evaluation beyond the default: each overrides some fields.
VARIANTS: dict[str, dict] = {
    "default": {},
    # 45 % of homes behind carrier-grade NAT, at the densest port-block sharing (64 subscribers/address)
    "more-cgnat": {"home_mix": (0.20, 0.10, 0.05, 0.45, 0.20), "carrier_subscribers_per_address": 64},
    # 85 % of adults commute, to three times as many (smaller) offices
    "more-workplaces": {"office_share": 0.85, "households_per_office": 10},
    # a third of homes on IPv6, every prefix rotated daily
    "daily-ipv6": {"home_mix": (0.25, 0.15, 0.10, 0.15, 0.35), "ipv6_rotation_days": (1,)},
    # small regional pools used at >= 80 %, daily and weekly leases renewed at varying hours, addresses
    # that come back to earlier holders within the week, CGNAT carriers of several sizes
    "dense-pools": {
        "home_mix": (0.40, 0.25, 0.05, 0.15, 0.15),
        "pool_region_homes": 125,
        "lease_hours": tuple(range(24)),
        "return_share": 0.35,
        # carriers sharing an address among 16, 32, 64 subscribers (x viewer share 0.15), small regional
        # pools (at least 4 addresses): pools of several sizes
        "homes_per_cgnat_address_mix": (2.4, 4.8, 9.6),
        "carrier_min_addresses": 4,
    },
    # the old harsh carriers: pools sized by the world's homes (25 per CGNAT, 30 per AFTR address, at
    # least 2), so a 300-home world has 2 + 2 addresses and a home's address trajectory says little
    "tiny-carriers": {
        "homes_per_cgnat_address": 25,
        "homes_per_dslite_address": 30,
        "carrier_min_addresses": 2,
    },
    # ghosters of four habits in equal shares: sporadic, returning after long absences, one-off
    # trial users, and devices the household picks up briefly on many days
    "ghost-styles": {"ghost_styles": (0.25, 0.25, 0.25, 0.25)},
    # carriers that move an address's homes together (a drained address, a NAT failover): 15 % of
    # addresses a night, on top of the homes remapped one by one; co-residents then follow each other
    # (the tag is the variant name: carrier_group_remap is not in the world cache's hash)
    "carrier-groups": {"carrier_group_remap": 0.15},
    # devices and people that really change household in the second half of the world: singles
    # who move in together, a person who moves out, whole homes that move to another ISP/address
    "movers": {"move_share": 0.04},
    # 5 % of households never use the app at home, only as guests at friends' (and on the move): a
    # device seen once at a home is not always that home's (the tag is the variant name, as above)
    "away-only": {"away_only_share": 0.05},
    # a broadcaster in New York: the same viewers six hours later in UTC (the tag is the name, as above)
    "another-zone": {"utc_shift_hours": 6},
    # 20 % of phones and tablets send the placeholder MAC on 30 % of their events (the tag is the name)
    "placeholder-macs": {"placeholder_mac_share": 0.2},
    # half the DS-Lite homes' phones and laptops never fall back to IPv4: their IPv4-only TVs share
    # the carrier's address with homes that do (graph.households.v4_side must not give them away)
    "quiet-v4": {"quiet_v4_share": 0.5},
    # 5 % of phones, tablets and laptops spend the last two days at a friends' home, whose household is
    # there too: a weekend away is no move (the tag is the variant name, as above)
    "weekend-away": {"weekend_away_share": 0.05},
}


def variant_params(name: str, **fields) -> WorldParams:
    """WorldParams of a named variant; ``fields`` (households, seed, ...) apply on top.

    >>> variant_params("daily-ipv6", seed=2).ipv6_rotation_days
    (1,)
    """
    if name not in VARIANTS:
        raise ValueError(f"unknown world variant {name!r}; choose one of {', '.join(VARIANTS)}")
    return WorldParams(**{**VARIANTS[name], **fields})
