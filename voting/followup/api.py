"""JSON API: what became of a published forum's funded items."""

from flask import Blueprint
from flask import Flask
from flask import url_for

from core.api import document
from core.api import error_response
from core.api import id_parameter
from core.api import unavailable_response
from voting.followup import services

bp = Blueprint("followup_api", __name__, url_prefix="/api/v1")


def _update(forum_id: int, update) -> dict:
    photo = None
    if update.photo:
        photo = url_for("followup.photo", forum_id=forum_id, update_id=update.id)
    return {
        "status": update.status,
        "dated": update.dated.isoformat(),
        "note": update.note,
        "reason": update.reason or None,
        "photo": photo,
    }


@bp.get("/forums/<int:forum_id>/followup")
def followup(forum_id: int):
    forum, rows = services.public_progress(forum_id)
    return {
        "forum": forum.id,
        "items": [
            {
                "id": row.item.external_id,
                "title": row.item.title,
                "cost": row.item.cost,
                "status": row.current.status if row.current else None,
                "satisfaction": row.satisfaction,
                "evaluations": row.scores,
                "updates": [_update(forum.id, u) for u in row.updates],
            }
            for row in rows
        ],
    }


STATUS = {
    "type": "string",
    "enum": ["planned", "in_progress", "completed", "changed", "cancelled"],
}
UPDATE = {
    "type": "object",
    "required": ["status", "dated", "note", "reason", "photo"],
    "properties": {
        "status": STATUS,
        "dated": {"type": "string", "format": "date"},
        "note": {"type": "string"},
        "reason": {"type": "string", "nullable": True},
        "photo": {"type": "string", "nullable": True, "description": "a JPEG's path"},
    },
}
FOLLOWUP = {
    "type": "object",
    "required": ["forum", "items"],
    "properties": {
        "forum": {"type": "integer"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    "title",
                    "cost",
                    "status",
                    "satisfaction",
                    "evaluations",
                    "updates",
                ],
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "cost": {"type": "integer"},
                    "status": {**STATUS, "nullable": True},
                    "satisfaction": {"type": "number", "nullable": True},
                    "evaluations": {"type": "integer"},
                    "updates": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/FollowUpUpdate"},
                    },
                },
            },
        },
    },
}
PATHS = {
    "/forums/{forum_id}/followup": {
        "get": {
            "summary": "What became of a published forum's funded items, newest update first",
            "parameters": [id_parameter("forum_id")],
            "responses": {
                "200": {
                    "description": "The funded items and their updates",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/FollowUp"}}
                    },
                },
                "404": error_response("No such public forum"),
                "409": error_response("The result is not published yet"),
                "503": unavailable_response(),
            },
        }
    }
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    document(app, PATHS, {"FollowUp": FOLLOWUP, "FollowUpUpdate": UPDATE})
