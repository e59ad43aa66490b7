"""A broken rule as a refused request: its code becomes a message from the rule's table
and an HTTP status, by one mapping shared by every table of refusals.

The mapping: 409 when the state of the forum, proposal or result forbids the step, 403
when the person may not take it (e.g. not a resident), 422 for any other code, a bad value.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from flask_babel import gettext as _

from core.errors import DomainError


class BrokenRule(Protocol):
    code: str
    params: dict


def refusal_status(code: str, state_codes: frozenset, forbidden_codes: frozenset) -> int:
    """409 for a code the state forbids, 403 for one the person may not do, else 422."""
    if code in state_codes:
        return 409
    if code in forbidden_codes:
        return 403
    return 422


@dataclass(frozen=True)
class Refusals:
    """A table of refusals: ``messages(params)`` gives each code's message, in the user's
    language; ``refuse(error)`` turns a broken rule into the ``error_class`` to raise."""

    messages: Callable[[dict], dict[str, str]]
    state_codes: frozenset[str]
    forbidden_codes: frozenset[str] = frozenset()
    error_class: type[DomainError] = DomainError

    def message(self, error: BrokenRule) -> str:
        return self.messages(error.params).get(error.code, _("This change is not allowed."))

    def refuse(self, error: BrokenRule) -> DomainError:
        status = refusal_status(error.code, self.state_codes, self.forbidden_codes)
        return self.error_class(self.message(error), status=status, code=error.code)
