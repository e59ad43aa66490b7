"""Follow-up rules, as pure functions: status updates of funded items and the residents'
evaluation. Each check raises ``RuleError(code, params)`` or returns nothing."""

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date

from deliberation.rules import RuleError

# 계획 → 진행 → 완료, or 변경 / 취소 with a reason.
STATUSES = ("planned", "in_progress", "completed", "changed", "cancelled")
NEEDS_REASON = frozenset({"changed", "cancelled"})
MAX_NOTE = 2000
SCORES = range(1, 6)


def check_update(
    phase: str, funded: bool, status: str, reason: str, note: str, dated: date, today: date
) -> None:
    """The team dates a status update of a funded item of a published forum
    (``not_published``, ``not_funded``); the status is one of ``STATUSES``
    (``unknown_status``); a change or a cancellation states its reason
    (``reason_required``); texts stay within 2,000 characters (``too_long``); an update
    is not dated in the future (``future``)."""
    if phase != "published":
        raise RuleError("not_published")
    if not funded:
        raise RuleError("not_funded")
    if status not in STATUSES:
        raise RuleError("unknown_status")
    if status in NEEDS_REASON and not reason:
        raise RuleError("reason_required")
    for text in (note, reason):
        if len(text) > MAX_NOTE:
            raise RuleError("too_long", {"max": MAX_NOTE, "count": len(text)})
    if dated > today:
        raise RuleError("future")


def latest(updates: Sequence) -> object | None:
    """The update that states an item's status now: the latest date, and of one date the
    last entered (updates have ``dated`` and ``id``)."""
    return max(updates, key=lambda u: (u.dated, u.id), default=None)


def check_evaluation(
    phase: str, resident: bool, completed: set[int], scores: Mapping[int, int]
) -> None:
    """Residents of the district evaluate a published forum (``not_published``,
    ``not_resident``) once some items are completed (``nothing_completed``), scoring
    only completed items (``unknown_item``), each from 1 to 5 (``score_range``), at
    least one (``no_score``). One evaluation per person is the database's unique pair."""
    if phase != "published":
        raise RuleError("not_published")
    if not resident:
        raise RuleError("not_resident")
    if not completed:
        raise RuleError("nothing_completed")
    if not scores:
        raise RuleError("no_score")
    for item_id, score in scores.items():
        if item_id not in completed:
            raise RuleError("unknown_item")
        if score not in SCORES:
            raise RuleError("score_range")


def satisfaction(scores: Sequence[int]) -> float | None:
    """The mean satisfaction of an item, to one decimal; None without any score."""
    if not scores:
        return None
    return round(sum(scores) / len(scores), 1)
