"""What became of a resident's picks, read from a published result (pure: no Flask,
no SQLAlchemy).

The published snapshot's payload is the only input: its items in rank order (each with
``id``, ``title``, ``field``, ``cost``, ``votes``, ``funded`` and ``reason``), the
forum's envelope and field envelopes, its rule, minimum votes and cut rank. Nothing is
counted again.
"""

from collections.abc import Iterable
from dataclasses import dataclass

FUNDED = "funded"
DID_NOT_FIT = "did_not_fit"  # its cost was more than what was left of the envelope
BELOW_CUT = "below_cut"  # ranked below the cut line, where funding stopped
BELOW_MINIMUM = "below_minimum"  # fewer votes than the forum's minimum


@dataclass(frozen=True)
class PickOutcome:
    """One pick's fate. ``left`` is what remained of the envelope that bound it (its
    field's or the forum's) when it did not fit; ``short_by`` the votes it lacked to
    reach the cut line or the minimum (0: the same votes, placed below on the
    tie-break by item number)."""

    id: str
    title: str
    cost: int
    votes: int
    rank: int
    funded: bool
    why: str
    left: int | None = None
    short_by: int | None = None
    # Under equal shares a misfit is also one its supporters' shares could not pay for.
    by_shares: bool = False
    # The item's English title, where the team gave one (the snapshot keeps Korean).
    title_en: str = ""


def _greedy_left(payload: dict) -> dict[str, int]:
    """Greedy: what was left of the binding envelope when each misfit's turn came.

    The walk is replayed from the published ranks and funded flags: each funded item
    pays from its field's envelope (when the field has one) and from the forum's.
    """
    forum = payload["forum"]
    forum_left = forum["envelope"]
    field_left = dict(forum.get("field_envelopes") or {})
    left_at: dict[str, int] = {}
    for item in payload["items"]:
        field = item.get("field")
        if item["reason"] == "over_field_budget" and field in field_left:
            left_at[item["id"]] = field_left[field]
        elif item["reason"] == "over_budget":
            left_at[item["id"]] = forum_left
        if item["funded"]:
            forum_left -= item["cost"]
            if field in field_left:
                field_left[field] -= item["cost"]
    return left_at


def _shares_left(payload: dict) -> dict[str, int]:
    """Equal shares: what was left of each item's envelope once the rule had chosen.

    An item of a field with its own envelope competed for that field's money; the
    others for what the fields left of the forum's envelope. With the completion, an
    item still not chosen cost more than what was left at its turn, and so more than
    what is left at the end, which is what is shown.
    """
    forum = payload["forum"]
    envelopes = forum.get("field_envelopes") or {}
    spent_in: dict[str, int] = {}
    for item in payload["items"]:
        if item["funded"] and item.get("field") in envelopes:
            spent_in[item["field"]] = spent_in.get(item["field"], 0) + item["cost"]
    forum_left = forum["envelope"] - payload["spent"]
    return {
        item["id"]: (
            envelopes[item["field"]] - spent_in.get(item["field"], 0)
            if item.get("field") in envelopes
            else forum_left
        )
        for item in payload["items"]
    }


def _cut_votes(payload: dict) -> int | None:
    """The votes at the cut line: those of the item the line is drawn above."""
    cut_rank = payload.get("cut_rank")
    for item in payload["items"]:
        if item["rank"] == cut_rank:
            return item["votes"]
    return None


def pick_outcomes(payload: dict, picks: Iterable[str]) -> list[PickOutcome]:
    """For each picked item (by its public id), funded or not and why not, in rank order.

    - funded: the published result funded it;
    - below the minimum by N votes: it had N fewer votes than the forum's minimum;
    - below the cut line by N votes: greedy funding stopped at the first item that did
      not fit (a forum that stops at a misfit), and this one came after it, with N
      fewer votes than the item at the line;
    - did not fit the remaining envelope: when its turn came, its cost was more than
      what was left of its field's envelope or the forum's (greedy), or, under equal
      shares, its supporters' shares could not pay for it and it costs more than what
      the rule left unspent.
    """
    chosen = set(picks)
    greedy = payload["rule"] == "greedy"
    left = _greedy_left(payload) if greedy else _shares_left(payload)
    cut_votes = _cut_votes(payload)
    minimum = payload["forum"].get("min_votes") or 0
    outcomes = []
    for item in payload["items"]:
        if item["id"] not in chosen:
            continue
        base = {k: item[k] for k in ("id", "title", "cost", "votes", "rank", "funded")}
        if item["funded"]:
            outcomes.append(PickOutcome(**base, why=FUNDED))
        elif item["reason"] == "below_threshold":
            outcomes.append(
                PickOutcome(**base, why=BELOW_MINIMUM, short_by=minimum - item["votes"])
            )
        elif item["reason"] == "stopped" and cut_votes is not None:
            short = max(0, cut_votes - item["votes"])
            outcomes.append(PickOutcome(**base, why=BELOW_CUT, short_by=short))
        else:
            outcomes.append(
                PickOutcome(
                    **base, why=DID_NOT_FIT, left=left.get(item["id"]), by_shares=not greedy
                )
            )
    return outcomes
