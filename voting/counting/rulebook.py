"""The funding rules by name: the one registry every caller goes through."""

from collections.abc import Callable

from voting.counting.equal_shares import equal_shares_rule
from voting.counting.greedy import greedy_rule
from voting.counting.tally import Election
from voting.counting.tally import Funding
from voting.counting.tally import Options

RULES: dict[str, Callable[[Election, Options], Funding]] = {
    "greedy": greedy_rule,
    "equal_shares": equal_shares_rule,
}
"""The funding rules by name; every rule is called as ``rule(election, options)``."""


