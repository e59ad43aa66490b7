"""The JSON API's shared parts: its OpenAPI document, served at /api/v1/openapi.json.

Each feature registers its own blueprint under /api/v1 and describes its routes with
``document(app, paths, schemas)``.
"""

from flask import Blueprint
from flask import current_app
from flask import Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Ids are INTEGER columns, 32-bit on PostgreSQL; routes match no larger number (a 404).
ID_MAX = 2**31 - 1

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}


def error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def id_parameter(name: str) -> dict:
    """A path parameter holding a database id."""
    schema = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def unavailable_response() -> dict:
    """The 503 any operation that reads the database answers while it cannot be reached."""
    response = error_response("The database cannot be reached; retry after Retry-After seconds")
    response["headers"] = {
        "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
    }
    return response


def document(app: Flask, paths: dict, schemas: dict) -> None:
    spec = app.extensions.setdefault(
        "openapi",
        {
            "openapi": "3.0.3",
            "info": {"title": "Open Forum API", "version": "1"},
            "servers": [{"url": "/api/v1"}],
            "paths": {},
            "components": {"schemas": {"Error": ERROR_SCHEMA}},
        },
    )
    spec["paths"].update(paths)
    spec["components"]["schemas"].update(schemas)


@bp.get("/openapi.json")
def openapi():
    return current_app.extensions.get("openapi", {})


def init_app(app: Flask) -> None:
    document(app, {}, {})
    app.register_blueprint(bp)
