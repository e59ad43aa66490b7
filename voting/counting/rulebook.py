"""The funding rules, one record each: what the code calls, what Pabulib calls it, and
what residents and staff read about it. Every caller goes through ``RULES``."""

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from voting.counting.equal_shares import equal_shares_rule
from voting.counting.greedy import greedy_from_counts
from voting.counting.greedy import greedy_rule
from voting.counting.tally import Election
from voting.counting.tally import Funding
from voting.counting.tally import Item
from voting.counting.tally import Options


@dataclass(frozen=True)
class Rule:
    """One funding rule.

    ``fund(election, options)`` decides; ``from_counts(votes, items, options)``, where
    given, decides the same from the vote counts alone (no ballot need be loaded), and
    such a rule ranks by votes, so its results draw the cut line. ``pabulib`` is the
    name in a ``.pb`` file's META ``rule`` (greedy refined by its options, see
    ``voting.publishing.exports``); ``label`` and ``summary`` are what pages say.
    """

    name: str
    fund: Callable[[Election, Options], Funding]
    pabulib: str
    label: str
    summary: str
    from_counts: Callable[[Mapping[str, int], list[Item], Options], Funding] | None = None

    @property
    def ranks_by_votes(self) -> bool:
        return self.from_counts is not None


GREEDY = Rule(
    name="greedy",
    fund=greedy_rule,
    from_counts=greedy_from_counts,
    pabulib="greedy",
    label=_l("Greedy by votes"),
    summary=_l(
        "Items are ranked by number of votes. They are funded in rank order while their "
        "cost fits what remains of the envelope (the field's own envelope first, when it "
        "has one, then the forum's)."
    ),
)
EQUAL_SHARES = Rule(
    name="equal_shares",
    fund=equal_shares_rule,
    pabulib="equalshares",
    label=_l("Method of Equal Shares"),
    summary=_l(
        "Method of Equal Shares: every voter gets an equal share of the envelope. An item is "
        "funded when the voters who picked it can pay for it from their shares; items that "
        "need the least from each supporter go first. The remaining money is then given to "
        "items by number of votes."
    ),
)
RULES: dict[str, Rule] = {rule.name: rule for rule in (GREEDY, EQUAL_SHARES)}
"""The funding rules by name; every rule decides as ``RULES[name].fund(election, options)``."""
DEFAULT = GREEDY.name


def choices() -> list[tuple[str, str]]:
    """The rules as a form's choices: name and label."""
    return [(rule.name, rule.label) for rule in RULES.values()]
