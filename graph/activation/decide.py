"""The decision: may this device be shown this campaign's ad now? Stable reason codes, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graph.activation.context import LiveContext, live_context
from graph.activation.state import CONTEXT_MS, ActivationState, ContentInfo

__all__ = [
    "ALLOW_REASONS",
    "DENY_REASONS",
    "REASONS",
    "Audience",
    "Decision",
    "FollowUp",
    "Policy",
    "decide",
    "follow_up",
]

#: reasons that deny, in the order they are reported
DENY_REASONS = ("campaign_not_live", "budget_spent", "age_min", "avoid_context", "frequency_cap")
#: reasons that come with an allow (and may come with a deny)
ALLOW_REASONS = ("unknown_device", "shared_key", "prefer_context")
REASONS = DENY_REASONS + ALLOW_REASONS


@dataclass(frozen=True)
class Policy:
    """What a campaign allows, after the house rules (``cap_per``: ``household`` or ``device``)."""

    campaign_id: str
    start_ms: int
    end_ms: int
    cap_max: int = 3
    cap_window_ms: int = 3_600_000
    cap_per: str = "household"
    age_min: int | None = None
    avoid: frozenset[str] = frozenset()
    prefer: frozenset[str] = frozenset()
    budget: float = float("inf")
    spent: float = 0.0


@dataclass(frozen=True)
class Audience:
    """Who is asking: the device, and its household with every member device (or none)."""

    device: str
    household: str | None = None
    members: tuple[str, ...] = ()
    # the key is many devices (an app's placeholder MAC: graph.households.shared_keys)
    shared: bool = False

    @property
    def known(self) -> bool:
        return self.household is not None


@dataclass(frozen=True)
class Decision:
    allow: bool
    reasons: tuple[str, ...]
    impressions_in_window: int
    reserved: int
    cap: int
    cap_per: str
    context: LiveContext = field(default_factory=LiveContext)


@dataclass(frozen=True)
class FollowUp:
    """An ad another device of the household saw (no device key: only its type)."""

    ts: int
    campaign_id: str
    ad_id: str
    device_type: str | None


def capped_devices(policy: Policy, who: Audience) -> tuple[str, ...]:
    """The devices whose impressions count against the cap: the household's, or the device alone.

    >>> capped_devices(Policy("c", 0, 1), Audience("d1", "h", ("d1", "d2")))
    ('d1', 'd2')
    >>> capped_devices(Policy("c", 0, 1, cap_per="device"), Audience("d1", "h", ("d1", "d2")))
    ('d1',)
    """
    if who.known and policy.cap_per == "household":
        return who.members or (who.device,)
    return (who.device,)


def context_reasons(policy: Policy, ctx: LiveContext) -> list[str]:
    """``age_min`` when the live audience includes a child, ``avoid_context``/``prefer_context`` by label.

    The live audience's youngest viewer counts as a child (age 0) when ``kids_watching``; otherwise it
    is unknown and ``age_min`` does not deny.

    >>> ctx = LiveContext(("christmas", "kids_watching"))
    >>> context_reasons(Policy("c", 0, 1, age_min=18, avoid=frozenset({"christmas"})), ctx)
    ['age_min', 'avoid_context']
    """
    out = []
    if policy.age_min and ctx.kids_watching:
        out.append("age_min")
    labels = set(ctx.labels)
    if policy.avoid & labels:
        out.append("avoid_context")
    if policy.prefer & labels:
        out.append("prefer_context")
    return out


def decide(
    state: ActivationState,
    catalog: Mapping[str, ContentInfo],
    policy: Policy,
    who: Audience,
    now_ms: int,
) -> Decision:
    """Allow or deny one impression of ``policy``'s campaign to ``who`` at ``now_ms``.

    >>> s = ActivationState(retain_ms=3_600_000)
    >>> p = Policy("c", 0, 10**13, cap_max=1)
    >>> who = Audience("tv", "h1", ("tv", "phone"))
    >>> decide(s, {}, p, who, now_ms=1_000).allow
    True
    >>> _ = s.add_impression("phone", 900, "c", "a", eid=1, now_ms=1_000)
    >>> decide(s, {}, p, who, now_ms=1_000).reasons
    ('frequency_cap',)

    A key that is many devices (an app's placeholder MAC) is allowed with no cap of its own:

    >>> _ = s.add_impression("02:00", 900, "c", "a", eid=2, now_ms=1_000)
    >>> d = decide(s, {}, p, Audience("02:00", shared=True), now_ms=1_000)
    >>> d.allow, d.reasons, d.impressions_in_window
    (True, ('shared_key',), 0)
    """
    reasons: list[str] = []
    if not policy.start_ms <= now_ms < policy.end_ms:
        reasons.append("campaign_not_live")
    if policy.spent >= policy.budget:
        reasons.append("budget_spent")
    if who.shared:  # many devices' impressions and views: no cap or live context of one holds
        return Decision(not reasons, (*reasons, "shared_key"), 0, 0, policy.cap_max, "device")
    members = who.members if who.known and who.members else (who.device,)
    ctx = live_context(state.views_since(members, now_ms - CONTEXT_MS, now_ms), catalog, now_ms)
    ctx_reasons = context_reasons(policy, ctx)
    reasons += [r for r in ctx_reasons if r != "prefer_context"]
    since = now_ms - policy.cap_window_ms
    devices = capped_devices(policy, who)
    seen = sum(state.count(d, policy.campaign_id, since, now_ms) for d in devices)
    held = sum(state.reserved(d, policy.campaign_id, now_ms) for d in devices)
    if seen + held >= policy.cap_max:
        reasons.append("frequency_cap")
    allow = not reasons
    if not who.known:
        reasons.append("unknown_device")
    if "prefer_context" in ctx_reasons:
        reasons.append("prefer_context")
    cap_per = policy.cap_per if who.known else "device"
    return Decision(allow, tuple(reasons), seen, held, policy.cap_max, cap_per, ctx)


def follow_up(
    state: ActivationState,
    who: Audience,
    within_ms: int,
    now_ms: int,
    types: Mapping[str, str | None] | None = None,
) -> list[FollowUp]:
    """The ads the household's other devices saw in the last ``within_ms``, newest first.

    A device without a household gets nothing (a social link is not a household). A device's type is
    the one its events reported, else ``types[device]``.

    >>> s = ActivationState(retain_ms=3_600_000)
    >>> _ = s.add_impression("tv", 1_000, "c", "cook-ad", eid=1, now_ms=1_000, device_type="tv")
    >>> follow_up(s, Audience("phone", "h", ("tv", "phone")), within_ms=300_000, now_ms=60_000)
    [FollowUp(ts=1000, campaign_id='c', ad_id='cook-ad', device_type='tv')]
    """
    if not who.known:
        return []
    out = []
    for d in who.members:
        if d == who.device:
            continue
        st = state.devices.get(d)
        kind = (st.device_type if st else None) or (types or {}).get(d)
        out.extend(
            FollowUp(e.ts, e.campaign, e.ad, kind)
            for e in state.exposures_since(d, now_ms - within_ms, now_ms)
        )
    out.sort(key=lambda f: (-f.ts, f.campaign_id, f.ad_id))
    return out
