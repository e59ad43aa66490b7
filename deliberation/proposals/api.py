"""JSON API: a forum's public proposals, their supports and the team's decisions."""

from flask import Blueprint
from flask import Flask

from core.api import document
from core.api import error_response
from core.api import id_parameter
from core.api import unavailable_response
from deliberation.proposals import services
from deliberation.proposals.models import Proposal

bp = Blueprint("proposals_api", __name__, url_prefix="/api/v1")


def proposal_json(proposal: Proposal, supports: int) -> dict:
    return {
        "id": proposal.id,
        "title": proposal.title,
        "summary": proposal.summary,
        "field": proposal.field.name if proposal.field else None,
        "estimated_cost": proposal.estimated_cost,
        "dong": proposal.dong or None,
        "group": proposal.group_name or None,
        "proposer": proposal.proposer_name,
        "status": proposal.status,
        "reason": proposal.reason or None,
        "item": proposal.item.external_id if proposal.item else None,
        "supports": supports,
        "created_at": proposal.created_at.isoformat(),
        "decided_at": proposal.decided_at.isoformat() if proposal.decided_at else None,
    }


@bp.get("/forums/<int:forum_id>/proposals")
def proposals(forum_id: int):
    board = services.board(forum_id, None)
    return {"proposals": [proposal_json(p, board.supports.get(p.id, 0)) for p in board.proposals]}


@bp.get("/forums/<int:forum_id>/proposals/<int:proposal_id>")
def proposal(forum_id: int, proposal_id: int):
    found = services.get_proposal(forum_id, proposal_id, None)
    return proposal_json(found, services.support_counts(forum_id).get(found.id, 0))


def _nullable(kind: str) -> dict:
    return {"type": kind, "nullable": True}


PROPOSAL = {
    "type": "object",
    "required": [
        "id",
        "title",
        "summary",
        "field",
        "estimated_cost",
        "dong",
        "group",
        "proposer",
        "status",
        "reason",
        "item",
        "supports",
        "created_at",
        "decided_at",
    ],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "field": _nullable("string"),
        "estimated_cost": {"type": "integer"},
        "dong": _nullable("string"),
        "group": _nullable("string"),
        "proposer": {"type": "string", "description": "the proposer's pseudonym"},
        "status": {"type": "string", "enum": ["submitted", "accepted", "merged", "rejected"]},
        "reason": {**_nullable("string"), "description": "the team's public reason"},
        "item": {**_nullable("string"), "description": "the agenda item it became or joined"},
        "supports": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "decided_at": {"type": "string", "format": "date-time", "nullable": True},
    },
}
FORUM_ID = id_parameter("forum_id")
PROPOSAL_REF = {"$ref": "#/components/schemas/Proposal"}

PATHS = {
    "/forums/{forum_id}/proposals": {
        "get": {
            "summary": "A forum's public proposals with their supports and decisions",
            "parameters": [FORUM_ID],
            "responses": {
                "200": {
                    "description": "Proposals, oldest first",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["proposals"],
                                "properties": {
                                    "proposals": {"type": "array", "items": PROPOSAL_REF}
                                },
                            }
                        }
                    },
                },
                "404": error_response("No such public forum"),
                "503": unavailable_response(),
            },
        }
    },
    "/forums/{forum_id}/proposals/{proposal_id}": {
        "get": {
            "summary": "One public proposal",
            "parameters": [FORUM_ID, id_parameter("proposal_id")],
            "responses": {
                "200": {
                    "description": "The proposal",
                    "content": {"application/json": {"schema": PROPOSAL_REF}},
                },
                "404": error_response("No such public proposal"),
                "503": unavailable_response(),
            },
        }
    },
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    document(app, PATHS, {"Proposal": PROPOSAL})
