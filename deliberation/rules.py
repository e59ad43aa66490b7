"""Forum rules for district teams, as pure functions: settings, items and phases.

Each check returns nothing or raises ``RuleError(code, params)``; the service turns the
code into a message. No Flask, no SQLAlchemy.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

PHASES = ("draft", "proposals", "deliberation", "voting", "closed", "published")
FROZEN = frozenset({"voting", "closed", "published"})


@dataclass
class RuleError(ValueError):
    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code} {self.params}"


@dataclass(frozen=True)
class Settings:
    starts_at: datetime
    ends_at: datetime
    min_picks: int
    max_picks: int
    cost_cap: int | None
    envelope: int
    deliberation_ends_at: datetime | None = None


def check_settings(settings: Settings, field_envelopes: Mapping[str, int | None]) -> None:
    """A forum's settings are valid when:

    - the voting window ends after it starts (``window_order``);
    - 1 <= min_picks <= max_picks (``picks_range``);
    - the envelope is a positive whole amount (``envelope``), and a cost cap, when set, too
      (``cost_cap``);
    - the fields' own envelopes, where set, are positive and add up to at most the forum
      envelope (``field_envelopes``);
    - deliberation, when its end is set, ends no later than voting opens
      (``deliberation_order``).
    """
    if settings.ends_at <= settings.starts_at:
        raise RuleError("window_order")
    ends = settings.deliberation_ends_at
    if ends is not None and ends > settings.starts_at:
        raise RuleError("deliberation_order")
    if not 1 <= settings.min_picks <= settings.max_picks:
        raise RuleError("picks_range", {"min": settings.min_picks, "max": settings.max_picks})
    if settings.envelope <= 0:
        raise RuleError("envelope")
    if settings.cost_cap is not None and settings.cost_cap <= 0:
        raise RuleError("cost_cap")
    shares = [amount for amount in field_envelopes.values() if amount is not None]
    if any(amount <= 0 for amount in shares):
        raise RuleError("field_envelopes", {"total": sum(shares), "envelope": settings.envelope})
    if sum(shares) > settings.envelope:
        raise RuleError("field_envelopes", {"total": sum(shares), "envelope": settings.envelope})


def is_resident(forum_district: str, user_district: str | None) -> bool:
    """A resident takes part in a forum (votes, proposes, supports) when the identity's
    district claim is the forum's district."""
    return user_district is not None and user_district == forum_district


def check_item_cost(cost: int, field_envelope: int | None, envelope: int) -> None:
    """An item costs a whole amount above zero, within its field's envelope and the forum's."""
    if cost <= 0:
        raise RuleError("cost_positive")
    if field_envelope is not None and cost > field_envelope:
        raise RuleError("cost_over_field", {"cost": cost, "envelope": field_envelope})
    if cost > envelope:
        raise RuleError("cost_over_envelope", {"cost": cost, "envelope": envelope})


def check_editable(phase: str) -> None:
    """Items and rules freeze once voting starts."""
    if phase in FROZEN:
        raise RuleError("frozen", {"phase": phase})


def next_phase(current: str) -> str:
    """The phase a forum usually moves to next (itself once published); the proposal
    period is optional, so a draft usually moves on to deliberation."""
    if current == "draft":
        return "deliberation"
    position = PHASES.index(current)
    return PHASES[min(position + 1, len(PHASES) - 1)]


def check_transition(
    current: str,
    target: str,
    *,
    has_ballots: bool,
    now: datetime,
    ends_at: datetime,
    approved_items: int,
    max_picks: int,
    deliberation_required: bool,
    deliberation_ends_at: datetime | None,
) -> None:
    """Phases move ``draft -> proposals -> deliberation -> voting -> closed -> published``.

    - The proposal period is optional: a draft may go straight to deliberation.

    - Moving forward may skip deliberation (draft -> voting) but never skips closing:
      publishing needs a closed forum (``not_closed``).
    - Voting opens only with at least ``max_picks`` approved items (``too_few_items``).
    - Where the forum requires deliberation, voting opens only from the deliberation
      phase (``deliberation_skipped``) and once its set end has passed
      (``deliberation_unset``, ``deliberation_open``).
    - Voting closes only once its window has ended, so no ballot is cut off
      (``window_open``).
    - A published forum never changes again (``published``); no phase goes back once
      a ballot exists (``backwards``).
    """
    if target not in PHASES:
        raise RuleError("unknown_phase", {"phase": target})
    if current == "published":
        raise RuleError("published")
    position, goal = PHASES.index(current), PHASES.index(target)
    if goal == position:
        raise RuleError("same_phase", {"phase": target})
    if goal < position:
        if has_ballots or current in ("closed",):
            raise RuleError("backwards", {"phase": target})
        return
    if target == "published" and current != "closed":
        raise RuleError("not_closed")
    if target in ("closed", "published") and current in ("draft", "proposals", "deliberation"):
        raise RuleError("not_voted")
    if target == "voting" and approved_items < max_picks:
        raise RuleError("too_few_items", {"count": approved_items, "needed": max_picks})
    if target == "voting" and deliberation_required:
        if current != "deliberation":
            raise RuleError("deliberation_skipped")
        if deliberation_ends_at is None:
            raise RuleError("deliberation_unset")
        if now < deliberation_ends_at:
            raise RuleError("deliberation_open", {"ends_at": deliberation_ends_at})
    if target == "closed" and now < ends_at:
        raise RuleError("window_open")
