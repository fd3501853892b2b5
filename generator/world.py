"""Households, persons and devices of a world, with their tastes, habits, networks and friends."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from generator.catalog import GENRES, Catalog, build_catalog
from generator.moves import Move, plan_moves
from generator.networks import NetworkPlan, plan_networks
from generator.params import WorldParams
from ingest.pseudonym import Pseudonymizer

__all__ = ["FORMS", "FORM_TYPE", "PERSONAS", "ROLES", "World", "build_world"]

ROLES = ("adult", "teen", "kid")
PERSONAS = (
    "mainstream",
    "binge_watcher",
    "ghoster",
    "sports_fan",
    "foodie",
    "news_junkie",
    "kids_fan",
    "gamer",
    "romantic",
    "crime_buff",
)
_PERSONA_GENRES = {
    "sports_fan": ("sports",),
    "foodie": ("cooking",),
    "news_junkie": ("news",),
    "kids_fan": ("kids",),
    "gamer": ("gaming",),
    "romantic": ("romance", "drama"),
    "crime_buff": ("crime", "thriller"),
}
#: Physical device forms; FORM_TYPE gives the contract's device_type of each.
FORMS = ("tv", "phone", "tablet", "laptop", "desktop", "console")
FORM_TYPE = ("tv", "phone", "tablet", "desktop", "desktop", "console")
_BASE_RATE = np.array([30.0, 26.0, 14.0, 12.0, 12.0, 10.0])  # events per active day
_OUIS = {  # realistic vendor OUIs per form
    "tv": ("a4:5e:60", "f4:7b:09", "cc:6e:a4", "8c:79:f5", "70:2a:d5", "b8:bc:5b"),
    "phone": ("f0:99:b6", "3c:2e:ff", "ac:5f:3e", "e4:5f:01", "d8:9b:3b", "60:f8:1d", "9c:e0:63"),
    "tablet": ("dc:a9:04", "f0:db:e2", "78:4f:43", "50:32:37"),
    "laptop": ("3c:22:fb", "a4:83:e7", "8c:85:90", "f8:ff:c2", "98:e0:d9"),
    "desktop": ("00:d8:61", "b4:2e:99", "18:c0:4d", "30:9c:23"),
    "console": ("7c:bb:8a", "00:d9:d1", "98:b6:e9", "c8:3f:26"),
}
_SOURCES = {
    "tv": ("tv-app", "hbbtv"),
    "phone": ("mobile-app", "web"),
    "tablet": ("mobile-app", "web"),
    "laptop": ("web", "partner-recipes"),
    "desktop": ("web", "partner-news"),
    "console": ("console-app",),
}


@dataclass
class World:
    """A world: flat numpy arrays indexed by person / device / household number."""

    params: WorldParams
    catalog: Catalog
    hh_ids: list[str]
    hh_size: np.ndarray
    person_home: np.ndarray
    person_role: np.ndarray
    person_persona: list[str]
    person_taste: np.ndarray  # persons x genres, rows sum to 1
    person_activity: np.ndarray
    person_office: np.ndarray  # -1 = not an office worker
    person_series: np.ndarray  # favourite series (binge), -1 none
    dev_home: np.ndarray
    dev_owner: np.ndarray  # -1 = shared by the household
    dev_form: np.ndarray  # index into FORMS
    dev_rate: np.ndarray
    dev_reported: list[str | None]  # device_type the app reports (None = field omitted)
    dev_mac: list[str]  # normalized
    dev_mac_forms: list[tuple[str, str, str, str]]
    dev_key: list[str]
    dev_source: list[str]
    dev_skew_ms: np.ndarray
    dev_carrier: np.ndarray
    friends: list[tuple[int, int]]
    net: NetworkPlan
    hh_persons: list[list[int]]
    hh_devices: list[list[int]]
    hh_label: list[str] = field(default_factory=list)  # true household id per slot (moves change it)
    moves: list[Move] = field(default_factory=list)  # variant movers (generator.moves)

    @property
    def n_devices(self) -> int:
        return len(self.dev_mac)


def _mac_forms(mac: str) -> tuple[str, str, str, str]:
    h = mac.replace(":", "")
    return (mac, mac.upper().replace(":", "-"), f"{h[0:4]}.{h[4:8]}.{h[8:12]}", h.upper())


def _household_roles(rng: np.random.Generator) -> list[int]:
    size = int(rng.choice([1, 2, 3, 4, 5, 6], p=[0.38, 0.33, 0.12, 0.11, 0.04, 0.02]))
    adults = 1 if size == 1 else (2 if size > 2 or rng.random() < 0.85 else 1)
    adults = min(adults, size)
    young = size - adults
    return [0] * adults + [1 if rng.random() < 0.4 else 2 for _ in range(young)]


def build_world(params: WorldParams) -> World:
    """Build a world deterministically from ``params`` (same params, same world)."""
    rng = np.random.default_rng([params.seed, 1])
    catalog = build_catalog(params.seed)
    pseud = Pseudonymizer(params.secret)
    n_series = len(catalog.series_episodes)
    n_offices = max(2, params.households // params.households_per_office)
    p: dict[str, list] = {k: [] for k in ("home", "role", "persona", "taste", "act", "office", "series")}
    d: dict[str, list] = {
        k: [] for k in ("home", "owner", "form", "rate", "rep", "mac", "src", "skew", "car")
    }
    hh_persons: list[list[int]] = []
    hh_devices: list[list[int]] = []
    macs: set[str] = set()

    def add_device(h: int, owner: int, form: int, act: float) -> None:
        name = FORMS[form]
        while True:
            oui = _OUIS[name][int(rng.integers(len(_OUIS[name])))]
            mac = oui + ":" + ":".join(f"{b:02x}" for b in rng.integers(0, 256, size=3))
            if mac not in macs:
                break
        macs.add(mac)
        r = rng.random()
        rep = (
            FORM_TYPE[form]
            if r < 0.84
            else (
                None
                if r < 0.94
                else (
                    "other"
                    if r < 0.97
                    else "tablet"
                    if name == "phone"
                    else "desktop"
                    if name != "desktop"
                    else "other"
                )
            )
        )
        hh_devices[h].append(len(d["mac"]))
        d["home"].append(h)
        d["owner"].append(owner)
        d["form"].append(form)
        d["rate"].append(_BASE_RATE[form] * act * rng.lognormal(0, 0.3))
        d["rep"].append(rep)
        d["mac"].append(mac)
        d["src"].append(_SOURCES[name][int(rng.integers(len(_SOURCES[name])))])
        d["skew"].append(int(rng.normal(0, 240_000)) if rng.random() < 0.03 else 0)
        d["car"].append(int(rng.integers(3)))

    for h in range(params.households):
        roles = _household_roles(rng)
        hh_persons.append([])
        hh_devices.append([])
        for role in roles:
            pid = len(p["home"])
            hh_persons[h].append(pid)
            persona = "mainstream"
            r = rng.random()
            if role == 2:
                persona = "kids_fan"
            elif r < 0.10:
                persona = "binge_watcher"
            elif r < 0.17:
                persona = "ghoster"
            elif r < 0.55:
                persona = str(
                    rng.choice(
                        list(_PERSONA_GENRES)[:-1] if role == 0 else ["gamer", "sports_fan", "romantic"]
                    )
                )
                persona = "kids_fan" if persona == "kids_fan" else persona
            taste = rng.dirichlet(np.full(len(GENRES), 0.4))
            for g in _PERSONA_GENRES.get(persona, ()):
                taste[GENRES.index(g)] += 1.5
            if role == 2:
                taste = taste * 0.2
                taste[GENRES.index("kids")] += 2.0
            taste[GENRES.index("christmas")] = 0.005
            taste /= taste.sum()
            act = 0.04 if persona == "ghoster" else float(rng.lognormal(0, 0.35))
            p["home"].append(h)
            p["role"].append(role)
            p["persona"].append(persona)
            p["taste"].append(taste)
            p["act"].append(act)
            p["office"].append(
                int(rng.integers(n_offices)) if role == 0 and rng.random() < params.office_share else -1
            )
            p["series"].append(int(rng.integers(n_series)) if persona == "binge_watcher" else -1)
            if role < 2 or rng.random() < 0.25:
                add_device(h, pid, 1, act)
            if rng.random() < (0.3 if role == 0 else 0.25):
                add_device(h, pid, 2, act)
            if role < 2 and rng.random() < (0.55 if role == 0 else 0.35):
                add_device(h, pid, 3, act)
        house_act = float(np.mean(p["act"][-len(roles) :]))
        for _ in range(1 + int(rng.random() < 0.25 * len(roles)) + int(rng.random() < 0.1)):
            add_device(h, -1, 0, max(house_act, 0.3))
        if rng.random() < 0.2:
            add_device(h, -1, 4, house_act)
        if rng.random() < (0.5 if any(r > 0 for r in roles) else 0.12):
            add_device(h, -1, 5, house_act)
        if rng.random() < 0.15:
            add_device(h, -1, 2, house_act)
    friends = _friend_pairs(rng, params.households)
    net = plan_networks(params, len(d["mac"]), n_offices)
    hh_ids = [f"H{h + 1:05d}" for h in range(params.households)]
    moves = plan_moves(
        params.seed,
        params.days,
        params.move_share,
        hh_ids,
        hh_persons,
        hh_devices,
        np.array(d["owner"]),
        np.array(p["role"]),
    )
    return World(
        params=params,
        catalog=catalog,
        hh_ids=hh_ids,
        hh_size=np.array([len(x) for x in hh_persons]),
        person_home=np.array(p["home"]),
        person_role=np.array(p["role"]),
        person_persona=p["persona"],
        person_taste=np.array(p["taste"]),
        person_activity=np.array(p["act"]),
        person_office=np.array(p["office"]),
        person_series=np.array(p["series"]),
        dev_home=np.array(d["home"]),
        dev_owner=np.array(d["owner"]),
        dev_form=np.array(d["form"]),
        dev_rate=np.array(d["rate"]),
        dev_reported=d["rep"],
        dev_mac=d["mac"],
        dev_mac_forms=[_mac_forms(m) for m in d["mac"]],
        dev_key=[pseud.mac(m) for m in d["mac"]],
        dev_source=d["src"],
        dev_skew_ms=np.array(d["skew"], dtype=np.int64),
        dev_carrier=np.array(d["car"]),
        friends=friends,
        net=net,
        hh_persons=hh_persons,
        hh_devices=hh_devices,
        hh_label=list(hh_ids),
        moves=moves,
    )


def _friend_pairs(rng: np.random.Generator, n: int) -> list[tuple[int, int]]:
    """Friendships between households, mostly among "neighbours" in id order (a small world)."""
    pairs: set[tuple[int, int]] = set()
    for a in range(n):
        for _ in range(int(rng.choice([0, 1, 1, 2, 3]))):
            b = int((a + rng.integers(1, 40)) % n) if rng.random() < 0.7 else int(rng.integers(n))
            if a != b:
                pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)
