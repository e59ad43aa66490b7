"""JSON API: forums with their fields and items."""

from flask import Blueprint
from flask import Flask
from flask import url_for

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
        "title_en": forum.title_en or None,
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
        "description": forum.description,
        "description_en": forum.description_en or None,
        "fields": [
            {"name": f.name, "name_en": f.name_en or None, "envelope": f.envelope}
            for f in forum.fields
        ],
        "items": [_item(forum, item) for item in forum.items],
    }


def _item(forum: Forum, item) -> dict:
    """An item as the API gives it; English texts, location and picture are null when
    the team gave none."""
    image = item.image
    return {
        "id": item.external_id,
        "title": item.title,
        "title_en": item.title_en or None,
        "summary": item.summary,
        "summary_en": item.summary_en or None,
        "proposer": item.proposer or None,
        "location": item.location or None,
        "field": item.field.name if item.field else None,
        "cost": item.cost,
        "status": item.status,
        "image": url_for(
            "item_images.show", forum_id=forum.id, item_id=item.id, v=image.digest[:16]
        )
        if image
        else None,
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
        "title_en": {"type": "string", "nullable": True},
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
            "required": ["description", "description_en", "fields", "items"],
            "properties": {
                "description": {"type": "string"},
                "description_en": {"type": "string", "nullable": True},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "name_en", "envelope"],
                        "properties": {
                            "name": {"type": "string"},
                            "name_en": {"type": "string", "nullable": True},
                            "envelope": {"type": "integer", "nullable": True},
                        },
                    },
                },
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": [
                            "id",
                            "title",
                            "title_en",
                            "summary",
                            "summary_en",
                            "proposer",
                            "location",
                            "field",
                            "cost",
                            "status",
                            "image",
                        ],
                        "properties": {
                            "id": {"type": "string"},
                            "title": {"type": "string"},
                            "title_en": {"type": "string", "nullable": True},
                            "summary": {"type": "string"},
                            "summary_en": {"type": "string", "nullable": True},
                            "proposer": {"type": "string", "nullable": True},
                            "location": {"type": "string", "nullable": True},
                            "field": {"type": "string", "nullable": True},
                            "cost": {"type": "integer"},
                            "status": {"type": "string"},
                            "image": {
                                "type": "string",
                                "nullable": True,
                                "description": "The item's picture (JPEG), when it has one",
                            },
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
