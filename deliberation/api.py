"""JSON API: forums with their fields and items."""

from flask import Blueprint
from flask import Flask

from core.api import document
from core.api import error_response
from core.api import id_parameter
from core.api import unavailable_response
from deliberation import services
from deliberation.models import Forum

bp = Blueprint("deliberation_api", __name__, url_prefix="/api/v1")


def forum_summary(forum: Forum) -> dict:
    return {
        "id": forum.id,
        "title": forum.title,
        "district": forum.district.code,
        "phase": forum.phase,
        "state": services.state_of(forum),
        "voting_starts_at": forum.voting_starts_at.isoformat(),
        "voting_ends_at": forum.voting_ends_at.isoformat(),
        "envelope": forum.envelope,
        "min_picks": forum.min_picks,
        "max_picks": forum.max_picks,
        "cost_cap": forum.cost_cap,
    }


@bp.get("/forums")
def forums():
    return {"forums": [forum_summary(forum) for forum in services.list_forums()]}


@bp.get("/forums/<int:forum_id>")
def forum(forum_id: int):
    forum = services.get_forum(forum_id)
    return forum_summary(forum) | {
        "fields": [{"name": f.name, "envelope": f.envelope} for f in forum.fields],
        "items": [
            {
                "id": item.external_id,
                "title": item.title,
                "summary": item.summary,
                "field": item.field.name if item.field else None,
                "cost": item.cost,
                "status": item.status,
            }
            for item in forum.items
        ],
    }


FORUM = {
    "type": "object",
    "required": [
        "id",
        "title",
        "district",
        "phase",
        "state",
        "voting_starts_at",
        "voting_ends_at",
        "envelope",
        "min_picks",
        "max_picks",
        "cost_cap",
    ],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "district": {"type": "string"},
        "phase": {
            "type": "string",
            "enum": ["proposals", "deliberation", "voting", "closed", "published"],
        },
        "state": {"type": "string", "enum": ["upcoming", "open", "closed"]},
        "voting_starts_at": {"type": "string", "format": "date-time"},
        "voting_ends_at": {"type": "string", "format": "date-time"},
        "envelope": {"type": "integer"},
        "min_picks": {"type": "integer"},
        "max_picks": {"type": "integer"},
        "cost_cap": {"type": "integer", "nullable": True},
    },
}
FORUM_DETAIL = {
    "allOf": [
        {"$ref": "#/components/schemas/Forum"},
        {
            "type": "object",
            "required": ["fields", "items"],
            "properties": {
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "envelope"],
                        "properties": {
                            "name": {"type": "string"},
                            "envelope": {"type": "integer", "nullable": True},
                        },
                    },
                },
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "title", "summary", "field", "cost", "status"],
                        "properties": {
                            "id": {"type": "string"},
                            "title": {"type": "string"},
                            "summary": {"type": "string"},
                            "field": {"type": "string", "nullable": True},
                            "cost": {"type": "integer"},
                            "status": {"type": "string"},
                        },
                    },
                },
            },
        },
    ]
}
FORUM_ID = id_parameter("forum_id")


def _json(ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


PATHS = {
    "/forums": {
        "get": {
            "summary": "Public forums",
            "responses": {
                "200": {
                    "description": "Forums, newest first",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["forums"],
                                "properties": {
                                    "forums": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Forum"},
                                    }
                                },
                            }
                        }
                    },
                },
                "503": unavailable_response(),
            },
        }
    },
    "/forums/{forum_id}": {
        "get": {
            "summary": "A forum with its fields and agenda items",
            "parameters": [FORUM_ID],
            "responses": {
                "200": {"description": "The forum", "content": _json("ForumDetail")},
                "404": error_response("No such public forum"),
                "503": unavailable_response(),
            },
        }
    },
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    document(app, PATHS, {"Forum": FORUM, "ForumDetail": FORUM_DETAIL})
