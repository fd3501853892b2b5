"""Activation's pure core: live exposures, viewing and reservations per device, context, decisions."""

from graph.activation.context import GENRE_SHARE, KIDS_SHARE, KIDS_WATCHING, LiveContext, live_context
from graph.activation.decide import (
    ALLOW_REASONS,
    DENY_REASONS,
    REASONS,
    Audience,
    Decision,
    FollowUp,
    Policy,
    decide,
    follow_up,
)
from graph.activation.rules import BadRules, HouseRule, apply_rules, parse_rules
from graph.activation.state import CONTEXT_MS, RESEND_MS, ActivationState, ContentInfo, Exposure, Viewing

__all__ = [
    "ALLOW_REASONS",
    "CONTEXT_MS",
    "DENY_REASONS",
    "GENRE_SHARE",
    "KIDS_SHARE",
    "KIDS_WATCHING",
    "REASONS",
    "RESEND_MS",
    "ActivationState",
    "Audience",
    "BadRules",
    "ContentInfo",
    "Decision",
    "Exposure",
    "FollowUp",
    "HouseRule",
    "LiveContext",
    "Policy",
    "Viewing",
    "apply_rules",
    "decide",
    "follow_up",
    "live_context",
    "parse_rules",
]
