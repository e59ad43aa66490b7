"""Public open-data downloads of a published forum. Thin: load, build, send.

Each route answers 404 for an unknown or draft forum and 409 for a forum whose result
is not published; the files themselves are described in :mod:`voting.exports`.
"""

from flask import Blueprint
from flask import Response

from core.extensions import limiter
from voting.publishing import commitment
from voting.publishing import exports

bp = Blueprint("downloads", __name__)

# Building the ballots file reads every counted ballot; keep repeated downloads cheap.
HEAVY_LIMIT = "30 per minute"


def _send(body: bytes | str, mimetype: str, name: str, headers: dict | None = None) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.update(headers or {})
    return response


def _send_published(
    forum_id: int, build, mimetype: str, kind: str, *, no_store: bool = True
) -> Response:
    """Load the published record, build one file from it and send it stamped with the
    snapshot's hash; heavy files are marked ``no-store`` so proxies never keep them."""
    record = exports.published(forum_id)
    headers = {"X-Snapshot-SHA256": exports.snapshot_sha256(record)}
    if no_store:
        headers["Cache-Control"] = "no-store"
    return _send(build(record), mimetype, exports.filename(forum_id, kind), headers)


@bp.get("/forums/<int:forum_id>/results.csv")
def results_csv(forum_id: int):
    return _send_published(forum_id, exports.result_csv, "text/csv", "csv", no_store=False)


@bp.get("/forums/<int:forum_id>/snapshot.json")
def snapshot_json(forum_id: int):
    record = exports.published(forum_id)
    sha = exports.snapshot_sha256(record)
    return _send(
        exports.snapshot_json(record),
        "application/json",
        exports.filename(forum_id, "json"),
        {"X-Content-SHA256": sha, "ETag": f'"{sha}"'},
    )


@bp.get("/forums/<int:forum_id>/snapshot.json.sha256")
def snapshot_sha256(forum_id: int):
    record = exports.published(forum_id)
    return _send(
        exports.sha256_line(record),
        "text/plain",
        exports.filename(forum_id, "sha256"),
    )


@bp.get("/forums/<int:forum_id>/ballots.pb")
@limiter.limit(HEAVY_LIMIT)
def ballots_pb(forum_id: int):
    return _send_published(forum_id, exports.ballots_pb, "text/plain", "pb")


@bp.get("/forums/<int:forum_id>/leaves.json")
@limiter.limit(HEAVY_LIMIT)
def leaves_json(forum_id: int):
    return _send_published(
        forum_id,
        lambda record: commitment.leaves_json(forum_id, record.payload),
        "application/json",
        "leaves",
    )


@bp.get("/forums/<int:forum_id>/open-data.zip")
@limiter.limit(HEAVY_LIMIT)
def open_data_zip(forum_id: int):
    return _send_published(forum_id, exports.open_data_zip, "application/zip", "zip")
