"""JSON API: results once voting has closed, and receipt checks."""

from flask import Blueprint
from flask import Flask
from flask_babel import gettext as _

from core.api import document
from core.api import error_response
from core.api import id_parameter
from core.api import unavailable_response
from core.errors import DomainError
from core.extensions import limiter
from voting.casting import services
from voting.counting import rulebook
from voting.publishing import public

bp = Blueprint("voting_api", __name__, url_prefix="/api/v1")


@bp.get("/forums/<int:forum_id>/result")
def result(forum_id: int):
    outcome = public.public_result(forum_id)
    if outcome.status == public.VOTING:
        raise DomainError(_("Results are not available yet"), status=409, code="not_closed")
    return outcome.as_json()


@bp.get("/receipts/<code>")
@limiter.limit("30 per minute")
def receipt(code: str):
    status = services.check_receipt(code)
    return {
        "receipt": status.code,
        "counted": status.counted,
        "forum": status.forum.id if status.forum else None,
        "cast_at": status.cast_at.isoformat() if status.cast_at else None,
        "excluded_reason": status.excluded_reason,
    }


RESULT = {
    "type": "object",
    "description": (
        "Before publication (status not_published) only forum, status and ballots (the "
        "ballots cast); once published, the published snapshot: envelope, rule, items, "
        "sha256 and published_at as well."
    ),
    "required": ["forum", "status", "ballots"],
    "properties": {
        "forum": {"type": "integer"},
        "status": {"type": "string", "enum": [public.NOT_PUBLISHED, public.PUBLISHED]},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "published_at": {"type": "string", "format": "date-time"},
        "envelope": {"type": "integer"},
        "rule": {"type": "string", "enum": list(rulebook.RULES)},
        "ballots": {"type": "integer"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["rank", "id", "title", "cost", "votes", "funded"],
                "properties": {
                    "rank": {"type": "integer"},
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "cost": {"type": "integer"},
                    "votes": {"type": "integer"},
                    "funded": {"type": "boolean"},
                },
            },
        },
    },
}
RECEIPT = {
    "type": "object",
    "required": ["receipt", "counted", "forum", "cast_at", "excluded_reason"],
    "properties": {
        "receipt": {"type": "string"},
        "counted": {"type": "boolean"},
        "forum": {"type": "integer", "nullable": True},
        "cast_at": {"type": "string", "format": "date-time", "nullable": True},
        "excluded_reason": {"type": "string", "nullable": True},
    },
}
PATHS = {
    "/forums/{forum_id}/result": {
        "get": {
            "summary": (
                "The published result (ranked items, funded set, rule and snapshot hash); "
                "before publication only the number of ballots cast"
            ),
            "parameters": [id_parameter("forum_id")],
            "responses": {
                "200": {
                    "description": "The result",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Result"}}
                    },
                },
                "404": error_response("No such public forum"),
                "409": error_response("Voting has not closed yet"),
                "503": unavailable_response(),
            },
        }
    },
    "/receipts/{code}": {
        "get": {
            "summary": "Whether the ballot with this receipt code is counted (never its picks)",
            "parameters": [
                {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "The receipt's status",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}
                    },
                },
                "400": error_response("Not a receipt code"),
                "404": error_response("No such path: the code contains a slash"),
                "429": error_response("Too many lookups; retry after Retry-After seconds"),
                "503": unavailable_response(),
            },
        }
    },
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    document(app, PATHS, {"Result": RESULT, "Receipt": RECEIPT})
