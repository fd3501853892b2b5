"""Settings of the graph jobs' pure cores: every weight, threshold and resolution lives here.

The jobs never hide a number in their logic; tuning means building another of these
frozen dataclasses (``dataclasses.replace(p, resolution=2.0)``) and passing it down.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = [
    "DAY_MS",
    "DEVICE_TYPES",
    "HOUR_MS",
    "NETWORK_CLASSES",
    "AffinityParams",
    "GraphParams",
    "HouseholdParams",
    "NetworkParams",
    "PersonaParams",
    "PropensityParams",
    "RetentionParams",
    "SocialParams",
]

# re-exported: the cores index device types and network classes by these tuples' integer codes
from graph.vocabulary import DAY_MS, DEVICE_TYPES, HOUR_MS, NETWORK_CLASSES


@dataclass(frozen=True)
class NetworkParams:
    """How a network (IPv4 address or IPv6 /64) is classified from its presence profile.

    >>> NetworkParams().local_offset_hours
    1
    """

    local_offset_hours: int = 1  # UTC -> local time (CET); the logs' hours are UTC ...
    # ... unless read from the data: the offset at which the TVs' hours look like TV viewing (graph.clock)
    infer_local_offset: bool = True
    office_start: int = 9  # local hour, weekdays only
    office_end: int = 17
    evening_start: int = 18  # evenings, nights and weekends are home time
    night_end: int = 7
    min_device_hours: int = 3  # below this a network is "unknown"
    shared_min_concurrent: int = 20  # devices seen within one hour: more than one home lives here
    cgnat_min_concurrent_tvs: int = 3  # TVs at once: several living rooms share the address
    # ... unless the same devices are there every day (a big family on its own address, not homes that
    # come and go): devices over the period at most this times its busiest day's, each seen on this many
    # days on average; then only this many TVs at once make it shared
    settled_max_turnover: float = 1.25
    settled_min_mean_days: float = 3.0
    settled_cgnat_min_concurrent_tvs: int = 5
    # devices that come and go and this many TVs at once: homes behind a carrier address, even when few
    # devices a day are seen there (a carrier's address holds a handful of a broadcaster's homes)
    turnover_cgnat_min_concurrent_tvs: int = 4
    # an IPv4 address used in one hour next to two IPv6 home networks that share no device that day
    # is one public address behind several homes (a DS-Lite AFTR, CGNAT with native IPv6), however few
    # devices it sees: on this many local days it is shared, not a home
    shared_v4_min_days: int = 2
    office_min_fraction: float = 0.6  # share of device-hours in weekday office hours
    home_min_fraction: float = 0.4  # share of device-hours in evenings / nights / weekends
    home_min_mean_days: float = 1.5  # mean distinct days a device stays on a home network ...
    home_max_devices_per_day: int = 16  # ... or few devices a day (a daily-reassigned home address)
    public_max_mean_days: float = 1.3  # cafés, hotels: devices come once
    public_min_devices: int = 6
    mobile_min_handheld: float = 0.8  # share of typed devices that are phones / tablets


@dataclass(frozen=True)
class HouseholdParams:
    """Co-presence weighting, clustering and id stability of the household job."""

    network: NetworkParams = field(default_factory=NetworkParams)
    incremental_window_hours: int = 48  # incremental runs re-cluster neighbours seen this recently
    # incremental runs never split or merge; a known device moves to another stored household only
    # when its co-presence weight there beats the old household's by this factor and this much
    move_margin: float = 2.0
    move_min_weight: float = 3.0
    # a full run with stored households (live mode, graph.households.hold) moves a known device, or
    # splits / merges its household, only when this many full runs in a row, spanning at least this
    # many hours, propose it, or when its co-presence weight there beats the stored household's by
    # this factor (and move_min_weight); 1 and 0 follow every full run (the clustering itself never
    # depends on these). 4x, not 2x: on the CGNAT variant 2x let 1.7 % of devices flip in 30 min
    full_run_confirmations: int = 2
    full_run_confirm_hours: float = 6.0
    full_run_move_margin: float = 4.0
    # a full run with stored households also runs the Louvain splits of large components from them
    # and keeps that cut unless a cold run's modularity beats it by more than warm_slack
    # (graph.clustering.split_graph): look-alike homes are not re-cut on minutes of new data
    warm_start: bool = True
    warm_slack: float = 0.0
    # weight of one co-present window by network class; shared networks are not evidence
    home_weight: float = 1.0
    unknown_weight: float = 0.0
    block_hours: int = 3  # co-presence is counted per (network, local 3-hour block) ...
    night_start: int = 18  # ... and aggregated per day window; nights are [18:00, 09:00) local
    night_end: int = 9
    night_weight: float = 1.0  # a night together says more than an afternoon
    day_weight: float = 0.6
    full_weight_devices: int = 6  # devices at once on a network before a window is discounted
    max_group_devices: int = 40  # larger simultaneous crowds are never a household
    min_home_windows: int = 2  # device needs this many home-like windows to be assigned at all
    min_together: int = 2  # distinct windows two devices must share for an edge
    min_fraction: float = 0.34  # ... relative to the less active one's windows at any residence
    residence_classes: tuple[str, ...] = ("home", "cgnat", "unknown")  # where a device may live
    # a device key on more residences than this within one hour, in at least shared_key_min_hours
    # hours, is many devices (an app's placeholder MAC, cloned MACs): no household evidence
    max_residences_per_hour: int = 4
    shared_key_min_hours: int = 2
    singleton_min_windows: int = 5  # a lone device with this much home evidence is a household of one
    # a device with too little evidence for either, seen at no place a home could be but on its
    # home windows, joins the one household it shared them with (graph.households.attach)
    attach_short_histories: bool = True
    # ... if it was active on at most this many windows anywhere per home window
    attach_max_window_ratio: float = 2.0
    # ... or, seen alone, if all its rows at a home are inside one household's stay on the address
    # (graph.leases, with social links' stays): the address was that home's then
    attach_in_lease: bool = True
    # the IPv4 side of a DS-Lite home (graph.households.v4_side): devices seen only on a carrier
    # address join the one household whose devices used it, in the hours they were on their IPv6
    # home network, on every address day both were seen there, and on at least this many
    join_v4_sides: bool = True
    v4_side_min_days: int = 3
    # ... "seen only on a carrier address": a device seen on home networks on at most this share of
    # the days it was behind a carrier (a phone of a carrier home visiting a friend's is still one)
    v4_side_home_day_share: float = 0.5
    # a device whose last this many active days were at a home of its own, while its household was
    # at its own home, has left it (graph.households.parting): unassigned; 0 keeps every device
    parting_days: int = 2
    max_household_size: int = 10  # components larger than this are split
    min_density: float = 0.5  # components sparser than this are tried for a split ...
    min_split_modularity: float = 0.3  # ... kept only if the split is this clear (homes are often sparse)
    max_cut_ratio: float = 0.5  # a split of a large component: edge density across / inside, at most
    resolution: float = 1.0  # Louvain resolution for components that need splitting
    louvain_starts: int = 3  # seeded runs per split, best modularity kept
    resolution_step: float = 2.0  # multiply when a community is still too large
    max_split_depth: int = 3
    confident_windows: int = 7  # windows together for full support
    singleton_confidence: float = 0.6  # cap for households of one
    inherit_share: float = 0.5  # overlap must exceed this share of the cluster or the old household
    merge_share: float = 0.3  # a second old household contributing this share makes a merge
    max_evidence_networks: int = 3
    # raw membership score -> observed precision (isotonic fit, bench/calibrate.py DEFAULT_WORLDS, on
    # this generator's worlds: default s1 and the variants' s4 at 300 x 7 / 300 x 14 / 1000 x 14, with
    # away-only's guests; default seeds 2, 3 held out, bench/accuracy.md); empty: raw
    confidence_curve: tuple[tuple[float, float], ...] = (
        (0.0, 0.12), (0.048, 0.917), (0.13, 0.917), (0.143, 0.945), (0.421, 0.945), (0.426, 0.95),
        (0.566, 0.95), (0.567, 0.972), (0.636, 0.972), (0.637, 0.994), (0.774, 0.994), (0.775, 0.995),
        (0.819, 0.995), (0.82, 0.996), (0.873, 0.996), (0.874, 0.998), (1.0, 0.998),
    )  # fmt: skip
    # homes behind carrier-grade NAT: devices that move between the carrier's addresses together
    cgnat_weight: float = 1.0  # weight of a window together on one CGNAT address, for such a pair
    cgnat_day_start_hour: int = 3  # UTC hour at which an address day starts (carriers remap at night)
    cgnat_horizon_days: int = 3  # a move is (day, address) -> (a day up to this much later, another address)
    cgnat_max_group: int = 60  # devices making one move beyond this are no evidence (skipped)
    cgnat_min_moves: int = 1  # moves made together
    # -log chance of an unrelated device sharing the pair's addresses (per stint on one address):
    # a pool of two addresses gives ~0.7 a stint, so few stints there are no evidence
    cgnat_min_evidence: float = 2.0
    cgnat_pool_evidence_factor: float = 0.75  # ... and this times log(devices behind the pool)
    cgnat_min_days: int = 3  # address days on the same address
    cgnat_min_agreement: float = 0.85  # ... as a share of the days both were behind the carrier
    cgnat_min_share: float = 0.5  # ... as a share of the less active device's address days
    # devices people carry: a day at a friend's behind another carrier address is excused
    # (cgnat_min_agreement), a weekend at friends' is a visit (graph.social); a pair with any other
    # device (a TV, console or desktop does not go visiting) agrees on every day both were behind
    # the carrier
    carried_types: tuple[str, ...] = ("phone", "tablet")
    # screens that never leave home: two of them in the same hours on different residences on
    # this many days, and on one on at most that many (a lease handed over within an hour), are
    # two homes, cut apart whatever ties them (a guest's phone; graph.households.apart)
    fixed_types: tuple[str, ...] = ("tv", "console")
    min_apart_days: int = 2
    max_together_days: int = 1
    max_apart_screens: int = 40  # ... in components of at most this many (pairs grow as its square)

    @property
    def residence_codes(self) -> list[int]:
        """Class codes of ``residence_classes`` (``graph.vocabulary.NETWORK_CLASSES``).

        >>> HouseholdParams().residence_codes
        [0, 1, 5]
        """
        return [NETWORK_CLASSES.index(c) for c in self.residence_classes]

    @property
    def carried_codes(self) -> list[int]:
        """Device type codes (``graph.vocabulary.DEVICE_TYPES``) of ``carried_types``.

        >>> HouseholdParams().carried_codes
        [1, 2]
        """
        return [DEVICE_TYPES.index(x) for x in self.carried_types]

    @property
    def fixed_codes(self) -> list[int]:
        """Device type codes of ``fixed_types``.

        >>> HouseholdParams().fixed_codes
        [0, 4]
        """
        return [DEVICE_TYPES.index(x) for x in self.fixed_types]

    def __post_init__(self) -> None:
        for name in ("carried_types", "fixed_types"):
            unknown = sorted(set(getattr(self, name)) - set(DEVICE_TYPES))
            if unknown:
                raise ValueError(f"{name}: unknown device types {unknown} (known: {', '.join(DEVICE_TYPES)})")

    def at_offset(self, offset: int) -> HouseholdParams:
        """These settings in local time ``UTC + offset``, the carriers' remap night kept at its local
        hour, inferring no more (``graph.clock``; a pinned ``HAUSGRAPH_LOCAL_OFFSET_HOURS``).

        >>> q = HouseholdParams().at_offset(-5)
        >>> q.network.local_offset_hours, q.cgnat_day_start_hour, q.network.infer_local_offset
        (-5, 9, False)
        """
        start = (self.cgnat_day_start_hour + self.network.local_offset_hours - offset) % 24
        network = replace(self.network, local_offset_hours=offset, infer_local_offset=False)
        return replace(self, network=network, cgnat_day_start_hour=start)


@dataclass(frozen=True)
class SocialParams:
    """When a device seen on another household's home network is a visit."""

    min_visits: int = 2  # distinct windows (evenings / days) of visits
    # address ownership by lease (graph.leases): a household's stay on an address is a run of its
    # hours there with gaps of at most this; a visit is a stay of at most max_visit_hours inside
    # another household's stay (its devices there before, during and after)
    stay_gap_hours: int = 12
    max_visit_hours: int = 10
    # ... or a stay of a weekend (at most this long) of the devices people carry (a weekend at a
    # friend's or the parents'), held inside one stay of the host's: the host there when it began
    # and still there near its end (a lease between two of an earlier holder's is never held so)
    max_long_visit_hours: int = 54  # (HouseholdParams.carried_types: TVs, consoles and towers stay home)
    max_visit_share: float = 0.5  # visited network's windows / visitor's home windows; above: lives there
    min_host_windows: int = 2  # a host lives on the address: its devices there in this many windows
    # a device on a CGNAT address its own household does not live behind is visiting one of the
    # households behind it at that time; such a visit counts for a link with a visit seen on a
    # home network too (which of the few candidate hosts it was is not known) ...
    min_home_visits: int = 1
    # ... or when the visits naming the pair make them friends with at least this posterior
    # (graph.carrier_links: prior friends / households, each naming a likelihood ratio against
    # the chance of living on the visited address); carrier_friends = friend households per home
    carrier_link_posterior: float = 0.9
    carrier_friends: float = 3.0

    def __post_init__(self) -> None:
        if not 0.0 < self.carrier_link_posterior < 1.0:
            raise ValueError(f"carrier_link_posterior must be in (0, 1), got {self.carrier_link_posterior}")
        if not self.carrier_friends > 1.0:
            raise ValueError(f"carrier_friends must be > 1, got {self.carrier_friends}")

    max_cgnat_hosts: int = 100  # more candidate hosts in the block: the visit counts for none
    cgnat_resident_day_share: float = 0.4  # on CGNAT addresses this share of its days: the device lives there
    # ... and such a dual-stack device (a DS-Lite home's) shows its home's IPv4 side in the hours it is
    # on its home /64 too, or on an address it used on this many address days (not one evening's visit)
    dual_stack_home_days: int = 2


@dataclass(frozen=True)
class AffinityParams:
    """Genre lift, top lists and similar-household search."""

    smoothing_seconds: float = 600.0  # prior seconds spread by catalogue shares (shrinks small homes)
    top_n: int = 5
    kids_genres: tuple[str, ...] = ("kids",)
    similar_k: int = 5
    similar_min_cosine: float = 0.5


@dataclass(frozen=True)
class RetentionParams:
    """How long the graph keeps evidence (the ``retention`` job).

    >>> RetentionParams().days
    180
    """

    days: int = 180  # presence, watch and exposure edges older than this go, and devices seen only before
    batch: int = 10_000  # deletions per transaction


@dataclass(frozen=True)
class PersonaParams:
    """Activity periods, ghost and sleepy regions, the persona rules (in order) and the age-band rules.

    Every rule reads figures of one timeframe (a calendar week, Monday 00:00 UTC) of one device;
    shares are of that week's events or of its watched seconds whose genre is known.

    >>> PersonaParams().order[:3]
    ('ghoster', 'kids', 'binger')
    """

    history_days: int = 84  # the job reads this many days back from the data's latest day
    chunk_devices: int = 100_000  # the core works on slices of this many devices (bounds its memory)
    # layer 2: activity periods and regions
    gap_tolerance_days: int = 1  # inactive days allowed inside one activity period
    sleepy_days: int = 7  # a run of this many absent days is a sleepy region
    ghost_window_days: int = 7  # a ghost region: windows of this length ...
    ghost_max_active_days: int = 2  # ... with at most this many active days ...
    interest_share: float = 0.30  # ... and no genre above this share of seconds (an "interest")
    interest_min_seconds: float = 7200.0  # a genre share needs this much viewing to be an interest ...
    interest_min_days: int = 2  # ... spread over this many active days (one evening is no interest)
    # layer 3: the rules, tried in this order; the first that holds is the week's persona
    order: tuple[str, ...] = (
        "ghoster",
        "kids",
        "binger",
        "night_owl",
        "weekender",
        "loyal",
        "explorer",
        "casual",
    )
    ghost_min_gap_days: int = 4  # prolonged inactivity: a gap this long before an active day of the week
    ghost_min_device_events: int = 2  # a device with one event ever is no behaviour: casual
    ghost_max_events: int = 20  # sparse clicks and exploration: at most this many events in the week
    # ... or sporadic short sessions: in the 7 days up to the week's last active day (inside the data)
    # at most this many events and seconds watched, and no day with more events than ghost_session_max_events
    # (a ghoster's phone that a household's TV wakes now and then is active on many days, briefly)
    ghost_trail_days: int = 7
    ghost_trail_max_events: int = 25
    ghost_trail_max_seconds: float = 14400.0
    ghost_session_max_events: int = 8
    kids_min_share: float = 0.5  # kids' genre share of seconds
    binge_min_views: int = 4  # views of one series inside one activity period of the week ...
    binge_min_share: float = 0.3  # ... that are this share of all the week's views
    night_hours_utc: tuple[int, ...] = (21, 22, 23, 0, 1, 2, 3)  # 22:00-05:00 CET
    daytime_hours_utc: tuple[int, ...] = tuple(range(8, 17))  # 09:00-18:00 CET
    night_min_share: float = 0.5  # share of the week's events at night
    weekend_min_share: float = 0.7  # share of the week's events on Saturday and Sunday
    loyal_min_share: float = 0.35  # one genre's share of seconds (several genres per title dilute it)
    explorer_min_entropy: float = 0.8  # genre entropy / log(genres seen) ...
    explorer_min_genres: int = 6  # ... over at least this many genres
    min_events: int = 10  # below: night_owl, weekender, loyal and explorer do not apply (too little)
    # transitions and churn
    churn_sleepy_days: int = 14  # an absence this long (between weeks, or trailing) raises the risk a step
    churn_lookback_weeks: int = 4  # a device's churn risk: the highest of its transitions this recent
    # age bands, from the whole history of a device
    kid_min_kids_share: float = 0.75  # kids' genre share of a kid's seconds ...
    kid_max_rating: int = 12  # ... whose days stay at or below this rating ...
    kid_min_young_days: float = 0.5  # ... on this share of the days with a known rating
    teen_max_rating: int = 12  # a teen's days stay at or below this rating ...
    teen_min_young_days: float = 0.7  # ... on this share of the rated days
    adult_min_rating: int = 16  # days with this rating or more say adult
    senior_genres: tuple[str, ...] = ("news", "documentary")
    senior_min_share: float = 0.5  # seconds of senior genres, on a TV, in daytime ...
    senior_min_daytime: float = 0.5  # ... share of events 08:00-17:00 UTC
    age_min_views: int = 5  # fewer views: no age band
    age_full_views: int = 60  # views for full confidence


@dataclass(frozen=True)
class PropensityParams:
    """Time-decayed ad features, the next-week conversion model and look-alike expansion.

    >>> PropensityParams().horizon_days
    7
    """

    half_life_impression_days: float = 3.0  # each event's weight halves after this long
    half_life_click_days: float = 7.0
    half_life_search_days: float = 3.0
    half_life_conversion_days: float = 14.0
    half_life_friend_days: float = 14.0  # friends' conversions
    horizon_days: int = 7  # predict a conversion within this many days
    train_step_days: int = 1  # training snapshots: one per day of [0, T - 2 * horizon]
    min_history_days: int = 3  # first snapshot: after this many days of data
    profile_prior: float = 5.0  # pseudo-converters at the population's genre mix (campaign profiles)
    min_households: int = 50  # fewer distinct households in a training set: no model
    min_positives: int = 10  # fewer converting (household, campaign) rows: no model
    regularisation_c: float = 1.0  # inverse L2 strength of the logistic regression
    spline_knots: int = 3  # B-spline knots per feature (quadratic bases: knots + 1 per feature)
    recalibrate_recent_snapshots: int = 2  # intercept matched to the latest N training moments (0: off)
    top_contributions: int = 3
    calibration_bins: int = 10
    lookalike_c: float = 0.5


@dataclass(frozen=True)
class GraphParams:
    """All graph-job settings of one process."""

    households: HouseholdParams = field(default_factory=HouseholdParams)
    social: SocialParams = field(default_factory=SocialParams)
    affinity: AffinityParams = field(default_factory=AffinityParams)
    retention: RetentionParams = field(default_factory=RetentionParams)
    personas: PersonaParams = field(default_factory=PersonaParams)
    propensity: PropensityParams = field(default_factory=PropensityParams)
