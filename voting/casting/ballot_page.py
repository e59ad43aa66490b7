"""The ballot page as a resident sees it: items filtered by field and sorted, the picks
kept whatever is shown, and the budget bar (the picks' total and what is left of a cap).

``budget`` and ``ordered`` are pure rules; ``ballot_choices`` is the page's use case
(it reads, never writes). The browser script (``static/js/ballot.js``) redraws the same
bar as picks change; without it this module's numbers are the page's answer.
"""

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from auth.models import User
from deliberation.models import AgendaItem
from deliberation.models import Field
from voting.casting import services
from voting.casting.services import BallotView

SORTS = ("", "cost", "name")


@dataclass(frozen=True)
class Budget:
    """What the picks add up to against the forum's cost cap (``cap`` None: no cap)."""

    count: int
    total: int
    cap: int | None

    @property
    def remaining(self) -> int | None:
        """What is left of the cap; never below zero. None without a cap."""
        return None if self.cap is None else max(0, self.cap - self.total)

    @property
    def over(self) -> int:
        """By how much the picks exceed the cap; zero within it or without a cap."""
        return 0 if self.cap is None else max(0, self.total - self.cap)

    @property
    def used_percent(self) -> int:
        """The share of the cap the picks use, 0 to 100, for the bar's width."""
        if not self.cap:
            return 0
        return min(100, round(100 * self.total / self.cap))


def budget(costs: Iterable[int], cap: int | None) -> Budget:
    """The budget bar's numbers for picks costing ``costs``: their count and total, and
    against a cap what remains or by how much they are over."""
    costs = list(costs)
    return Budget(count=len(costs), total=sum(costs), cap=cap or None)


def ordered(items: Sequence[AgendaItem], sort: str) -> list[AgendaItem]:
    """Items in the order asked: by cost (cheapest first, then by title), by title
    (then number), or as the district listed them (``""``, by item number)."""
    if sort == "cost":
        return sorted(items, key=lambda item: (item.cost, item.title, item.id))
    if sort == "name":
        return sorted(items, key=lambda item: (item.title, item.external_id, item.id))
    return list(items)


@dataclass
class BallotChoices:
    """Everything the ballot page shows. ``groups`` holds every field with items on the
    ballot, each marked ``shown`` or not: hidden ones stay in the form, so their picks
    are kept and sent with the rest."""

    view: BallotView
    groups: list[tuple[Field | None, list[AgendaItem], bool]]
    field_id: int | None
    sort: str
    selected: set[str]
    budget: Budget
    fields: list[Field] = dataclass_field(default_factory=list)


def _parse_field(value: str | None, fields: list[Field]) -> int | None:
    """A field id the forum has; anything else (empty, text, another forum's) shows all."""
    known = {str(f.id): f.id for f in fields}
    return known.get((value or "").strip())


def ballot_choices(
    forum_id: int,
    user: User,
    picks: Sequence[str] = (),
    field: str | None = None,
    sort: str | None = None,
) -> BallotChoices:
    """The ballot page for ``user``: the forum's approved items grouped by field (only
    ``field`` shown when it names one of the forum's fields), ordered by ``sort``, with
    ``picks`` that name approved items checked and counted in the budget bar."""
    view = services.ballot_page(forum_id, user)
    forum = view.forum
    on_ballot = [item for item in forum.items if item.status == "approved"]
    by_id = {str(item.id): item for item in on_ballot}
    selected = {pick for pick in picks if pick in by_id}
    sort = sort if sort in SORTS else ""
    fields = [f for f in forum.fields if any(i.field_id == f.id for i in on_ballot)]
    field_id = _parse_field(field, fields)
    groups: list[tuple[Field | None, list[AgendaItem], bool]] = []
    for each in fields:
        items = ordered([i for i in on_ballot if i.field_id == each.id], sort)
        groups.append((each, items, field_id in (None, each.id)))
    loose = ordered([i for i in on_ballot if i.field_id is None], sort)
    if loose:
        groups.append((None, loose, field_id is None))
    return BallotChoices(
        view=view,
        groups=groups,
        field_id=field_id,
        sort=sort,
        selected=selected,
        budget=budget((by_id[pick].cost for pick in selected), forum.cost_cap),
        fields=fields,
    )
