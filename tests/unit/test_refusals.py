"""The one mapping from a broken rule's code to a refused request's status and message."""

import pytest
from flask_babel import gettext

from core.errors import DomainError
from core.refusals import refusal_status
from core.refusals import Refusals
from deliberation import refusals as forum_refusals
from deliberation.proposals import refusals as proposal_refusals
from deliberation.rules import RuleError
from voting.followup import refusals as followup_refusals


@pytest.mark.parametrize(
    ("code", "status"), [("frozen", 409), ("not_resident", 403), ("too_long", 422)]
)
def test_state_codes_are_409_forbidden_ones_403_and_the_rest_422(code, status):
    assert refusal_status(code, frozenset({"frozen"}), frozenset({"not_resident"})) == status


class Refused(DomainError):
    pass


def test_a_table_gives_its_message_its_status_and_its_error_class(app):
    table = Refusals(
        lambda p: {"late": f"Too late by {p.get('days')} days."},
        frozenset({"late"}),
        error_class=Refused,
    )
    with app.test_request_context():
        error = table.refuse(RuleError("late", {"days": 2}))
        unknown = table.refuse(RuleError("odd", {}))
        fallback = gettext("This change is not allowed.")
    assert isinstance(error, Refused)
    assert (error.status, error.code, error.message) == (409, "late", "Too late by 2 days.")
    assert (unknown.status, unknown.message) == (422, fallback)


@pytest.mark.parametrize(
    ("module", "code", "status"),
    [
        (forum_refusals, "frozen", 409),
        (forum_refusals, "not_resident", 422),
        (forum_refusals, "envelope", 422),
        (proposal_refusals, "decided", 409),
        (proposal_refusals, "not_resident", 403),
        (proposal_refusals, "title_required", 422),
        (followup_refusals, "already_evaluated", 409),
        (followup_refusals, "not_resident", 403),
        (followup_refusals, "score_range", 422),
    ],
)
def test_each_table_keeps_its_statuses(app, module, code, status):
    with app.test_request_context():
        assert module.refuse(RuleError(code)).status == status
