"""The decision rules of a bloc-voting flag, as a pure state machine.

A flag is ``open`` until an operator decides it. The rules, checked in this order:

* A published forum's flags can no longer change (``published``, 409).
* The actions are ``clear``, ``confirm`` and ``reopen`` (``unknown_action``, 422).
* ``clear`` (organic voting), from any status: ``cleared``; the operator is the decider,
  and the members' ballots are counted again.
* ``reopen``, from any status: ``open``; nobody has decided, and the ballots are counted
  again.
* ``confirm`` needs a written reason (``reason``, 422) and a flag not yet confirmed
  (``already_confirmed``, 409). Then:

  - when excluding the members changes the funded set and the flag is not yet waiting
    for approval: ``pending_approval``, with the operator as the first decider; no
    ballot is excluded yet;
  - when it changes the funded set and the flag waits for approval, the first decider
    cannot approve their own confirmation (``second_operator``, 409); another operator
    approves it: ``confirmed``, the ballots are excluded;
  - otherwise ``confirmed`` at once, with the operator as the decider (or as the
    approver, when the flag was waiting for approval), and the ballots are excluded.

Nothing here reads or writes the database: :func:`transition` answers what happens, and
the review use case (:func:`voting.oversight.flag_review.decide`) carries it out.
"""

from dataclasses import dataclass

OPEN = "open"
PENDING_APPROVAL = "pending_approval"
CONFIRMED = "confirmed"
CLEARED = "cleared"
STATUSES = (OPEN, PENDING_APPROVAL, CONFIRMED, CLEARED)
UNDECIDED = (OPEN, PENDING_APPROVAL)

CLEAR = "clear"
CONFIRM = "confirm"
REOPEN = "reopen"
ACTIONS = (CLEAR, CONFIRM, REOPEN)

# what the deciding operator becomes on the flag
DECIDER = "decider"  # decided_by, with the reason; any approval is forgotten
APPROVER = "approver"  # approved_by; the first decider and reason stay
NOBODY = "nobody"  # decided_by, reason and approved_by are emptied

# what happens to the members' ballots
EXCLUDE = "exclude"
INCLUDE = "include"  # counted again: exclusions made by this flag are removed
KEEP = "keep"


@dataclass(frozen=True)
class Transition:
    """The flag's next status, the operator's role in it, and what its ballots undergo."""

    status: str
    operator_role: str
    ballots: str


@dataclass(frozen=True)
class Refusal:
    """Why the decision is refused (a code) and the HTTP status that says so."""

    code: str
    http_status: int


def transition(
    status: str,
    action: str,
    *,
    published: bool,
    has_reason: bool,
    changes_outcome: bool,
    operator_decided_first: bool,
) -> Transition | Refusal:
    """What ``action`` does to a flag in ``status`` (the rules are in the module docstring).

    ``changes_outcome``: excluding the flag's members changes the funded set;
    ``operator_decided_first``: the deciding operator is the flag's recorded decider.
    """
    if published:
        return Refusal("published", 409)
    if action not in ACTIONS:
        return Refusal("unknown_action", 422)
    if action == CLEAR:
        return Transition(CLEARED, DECIDER, INCLUDE)
    if action == REOPEN:
        return Transition(OPEN, NOBODY, INCLUDE)
    if not has_reason:
        return Refusal("reason", 422)
    if status == CONFIRMED:
        return Refusal("already_confirmed", 409)
    waiting = status == PENDING_APPROVAL
    if changes_outcome and not waiting:
        return Transition(PENDING_APPROVAL, DECIDER, KEEP)
    if changes_outcome and operator_decided_first:
        return Refusal("second_operator", 409)
    return Transition(CONFIRMED, APPROVER if waiting else DECIDER, EXCLUDE)
