"""House rules (a TOML file) on top of campaign records: validated as a whole, errors name the line."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from graph.activation.decide import Policy
from graph.errors import GraphError

__all__ = ["BadRules", "CapRule", "HouseRule", "apply_rules", "parse_rules"]

_Label = Annotated[StrictStr, Field(min_length=1, max_length=64)]


class BadRules(GraphError):
    """A rules file that cannot be used; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        self.source, self.line, self.problem = source, line, problem
        super().__init__(f"{source} line {line}: {problem}")


class CapRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    max: Annotated[int, Field(ge=1)]
    window_s: Annotated[int, Field(ge=1, le=2_592_000)]
    per: Literal["household", "device"] = "household"


class HouseRule(BaseModel):
    """One ``[[rule]]``: which campaigns (``"*"`` = all) and what it adds to them.

    Contexts add to the campaign's own, ``age_min`` raises it, ``frequency_cap`` replaces it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    campaigns: Annotated[list[_Label], Field(min_length=1)] | Literal["*"]
    avoid_contexts: list[_Label] = Field(default_factory=list)
    prefer_contexts: list[_Label] = Field(default_factory=list)
    age_min: Annotated[int, Field(ge=0, le=18)] | None = None
    frequency_cap: CapRule | None = None

    def matches(self, campaign_id: str) -> bool:
        return self.campaigns == "*" or campaign_id in self.campaigns


def parse_rules(text: str, source: str = "rules") -> list[HouseRule]:
    """The rules of a TOML text, or :class:`BadRules` with the line and the problem.

    >>> parse_rules('[[rule]]\\ncampaigns = "*"\\navoid_contexts = ["kids_watching"]')[0].avoid_contexts
    ['kids_watching']
    >>> parse_rules('[[rule]]\\ncampaigns = "*"\\nage_min = 40')
    Traceback (most recent call last):
    ...
    graph.activation.rules.BadRules: rules line 3: rule 1: age_min: Input should be less than or equal to 18
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"line (\d+)", str(err))
        raise BadRules(source, int(m.group(1)) if m else 0, str(err)) from None
    extra = sorted(set(doc) - {"rule"})
    if extra:
        raise BadRules(source, _line_of(text, extra[0] + " ", 0), f"unknown table or key {extra[0]!r}")
    rows = doc.get("rule", [])
    if not isinstance(rows, list):
        raise BadRules(source, _line_of(text, "rule", 0), "rules are [[rule]] tables")
    out = []
    for i, row in enumerate(rows):
        try:
            out.append(HouseRule.model_validate(row))
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"] if not isinstance(p, int)) or "rule"
            line = _line_of(text, first["loc"][0] if first["loc"] else "", i)
            raise BadRules(source, line, f"rule {i + 1}: {where}: {first['msg']}") from None
    return out


def _line_of(text: str, key: object, index: int) -> int:
    """The line of ``key`` inside the ``index``-th ``[[rule]]`` (its header line if not found)."""
    lines = text.splitlines()
    headers = [n for n, s in enumerate(lines) if s.strip() == "[[rule]]"]
    start = headers[index] if index < len(headers) else 0
    end = headers[index + 1] if index + 1 < len(headers) else len(lines)
    for n in range(start, end):
        if str(key) and lines[n].lstrip().startswith(str(key)):
            return n + 1
    return start + 1


def apply_rules(policy: Policy, rules: list[HouseRule]) -> Policy:
    """The policy with every matching rule applied in file order.

    >>> text = '[[rule]]\\ncampaigns = ["c"]\\nage_min = 18\\nfrequency_cap = {max = 1, window_s = 60}'
    >>> r = parse_rules(text)
    >>> p = apply_rules(Policy("c", 0, 1, age_min=12), r)
    >>> p.age_min, p.cap_max, p.cap_window_ms
    (18, 1, 60000)
    """
    for rule in rules:
        if not rule.matches(policy.campaign_id):
            continue
        policy = replace(
            policy,
            avoid=policy.avoid | frozenset(rule.avoid_contexts),
            prefer=policy.prefer | frozenset(rule.prefer_contexts),
            age_min=max(policy.age_min or 0, rule.age_min or 0) or policy.age_min,
        )
        if rule.frequency_cap is not None:
            cap = rule.frequency_cap
            policy = replace(policy, cap_max=cap.max, cap_window_ms=cap.window_s * 1000, cap_per=cap.per)
    return policy
