"""Proposal rules, as pure functions: who may propose and support, and how the team decides.

Each check returns nothing or raises ``RuleError(code, params)``; the service turns the
code into a message (``deliberation.proposals.refusals``). No Flask, no SQLAlchemy.
"""

from deliberation.rules import RuleError

STATUSES = ("submitted", "accepted", "merged", "rejected")
DECISIONS = {"accept": "accepted", "merge": "merged", "reject": "rejected"}
# The team reviews proposals until voting starts; items freeze then.
REVIEW_PHASES = ("proposals", "deliberation")
MAX_TITLE = 200
MAX_SUMMARY = 3000
MAX_DONG = 40
MAX_GROUP = 100
MAX_REASON = 1000


def check_text(title: str, summary: str, dong: str, group: str) -> None:
    """A proposal has a title and a summary, and every text within its length:
    title <= 200, summary <= 3000, 동 <= 40 and group name <= 100 characters."""
    if not title:
        raise RuleError("title_required")
    if not summary:
        raise RuleError("summary_required")
    limits = (("title", title, MAX_TITLE), ("summary", summary, MAX_SUMMARY))
    limits += (("dong", dong, MAX_DONG), ("group", group, MAX_GROUP))
    for name, text, limit in limits:
        if len(text) > limit:
            raise RuleError("too_long", {"field": name, "max": limit, "count": len(text)})


def check_submission(phase: str, resident: bool, estimated_cost: int, envelope: int) -> None:
    """Residents of the forum's district propose while the forum is in its proposal period
    (``not_open``, ``not_resident``); the estimate is a whole amount above zero and within
    the forum's envelope (``cost_positive``, ``cost_over_envelope``)."""
    if phase != "proposals":
        raise RuleError("not_open")
    if not resident:
        raise RuleError("not_resident")
    if estimated_cost <= 0:
        raise RuleError("cost_positive")
    if estimated_cost > envelope:
        raise RuleError("cost_over_envelope", {"cost": estimated_cost, "envelope": envelope})


def check_support(phase: str, status: str, resident: bool, own: bool) -> None:
    """A resident of the district supports another's proposal once, while the proposal
    period lasts and the proposal awaits review (``not_open``, ``decided``,
    ``not_resident``, ``own_proposal``). Once per person is the database's unique pair."""
    if phase != "proposals":
        raise RuleError("not_open")
    if status != "submitted":
        raise RuleError("decided")
    if not resident:
        raise RuleError("not_resident")
    if own:
        raise RuleError("own_proposal")


def check_decision(phase: str, status: str, decision: str, reason: str, has_target: bool) -> None:
    """The team decides a proposal once (``decided``), before voting freezes the agenda
    (``review_closed``): accept it, merge it into an existing item (``merge_target``) or
    reject it; a rejection or a merge states a public reason (``reason_required``)."""
    if decision not in DECISIONS:
        raise RuleError("unknown_decision")
    if phase not in REVIEW_PHASES:
        raise RuleError("review_closed", {"phase": phase})
    if status != "submitted":
        raise RuleError("decided")
    if decision in ("merge", "reject") and not reason:
        raise RuleError("reason_required")
    _check_reason(reason)
    if decision == "merge" and not has_target:
        raise RuleError("merge_target")


def check_hide(hidden: bool, reason: str) -> None:
    """The team hides a visible proposal (``already_hidden``) with a reason its proposer
    reads (``hide_reason_required``), of at most 1000 characters (``too_long``)."""
    if hidden:
        raise RuleError("already_hidden")
    if not reason:
        raise RuleError("hide_reason_required")
    _check_reason(reason)


def check_show(hidden: bool, note: str) -> None:
    """Only a hidden proposal is shown again (``not_hidden``); the optional note for the
    audit log has at most 1000 characters (``too_long``)."""
    if not hidden:
        raise RuleError("not_hidden")
    _check_reason(note)


def _check_reason(reason: str) -> None:
    if len(reason) > MAX_REASON:
        raise RuleError("too_long", {"field": "reason", "max": MAX_REASON, "count": len(reason)})
