"""The public result of a forum: its turnout until the district publishes, then the
published snapshot exactly as published (never counted again)."""

import json
from dataclasses import dataclass

from core import clock
from deliberation import services as forums
from deliberation.models import Forum
from deliberation.phases import results_visible
from voting.counting import results
from voting.publishing.resultview import ResultView
from voting.publishing.resultview import view_of

VOTING = "voting"
NOT_PUBLISHED = "not_published"
PUBLISHED = "published"


@dataclass
class PublicResult:
    """What residents may see of a forum's result.

    ``status`` is ``voting`` while a ballot can still be cast (or voting has not
    started), ``not_published`` once voting has closed until the district team
    publishes (``ballots``, the ballots cast, is then the only number shown), and
    ``published`` with the snapshot's ``view``.
    """

    forum: Forum
    status: str
    ballots: int | None = None
    view: ResultView | None = None

    def as_json(self) -> dict:
        """The API's answer: turnout only before publication, the snapshot after."""
        if self.view is None:
            return {"forum": self.forum.id, "status": self.status, "ballots": self.ballots}
        snapshot = self.view.snapshot
        return {
            **self.view.as_json(),
            "status": self.status,
            "sha256": snapshot.sha256,
            "published_at": snapshot.published_at.isoformat(),
        }


def public_result(forum_id: int) -> PublicResult:
    """The forum's public result: nothing while voting, turnout once voting has closed,
    the published snapshot once the district team has published it.

    The preview of a closed forum's result under either rule is the team's alone: a
    result that flags under review or the council's decision could still change is
    never shown to the public.
    """
    forum = forums.get_forum(forum_id)
    if not results_visible(forum.phase, forums.window_of(forum), clock.now()):
        return PublicResult(forum, VOTING)
    snapshot = results.snapshot_of(forum.id)
    if snapshot is None or forum.phase != "published":
        ballots = results.ballot_count(forum.id, exclusions=False)
        return PublicResult(forum, NOT_PUBLISHED, ballots=ballots)
    view = view_of(json.loads(snapshot.payload), forum, snapshot)
    return PublicResult(forum, PUBLISHED, ballots=view.ballots, view=view)
