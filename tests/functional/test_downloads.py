"""Public open-data downloads: only for a published forum, with the right types and names."""

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from tests import factories
from tests.elections import publish
from tests.web import text
from voting.counting import imports
from voting.counting import pabulib
from voting.models import ResultSnapshot

DATA = Path(__file__).parent.parent / "data"
TOULOUSE = DATA / "France_Toulouse_2022_6_-_Saint-Cyprien.pb"
ROUTES = {
    "results.csv": ("text/csv; charset=utf-8", "result.csv"),
    "snapshot.json": ("application/json", "snapshot.json"),
    "snapshot.json.sha256": ("text/plain; charset=utf-8", "snapshot.json.sha256"),
    "ballots.pb": ("text/plain; charset=utf-8", "ballots.pb"),
    "leaves.json": ("application/json", "leaves.json"),
    "open-data.zip": ("application/zip", "open-data.zip"),
}


def imported() -> int:
    return imports.import_pb(TOULOUSE)


def published() -> tuple[int, ResultSnapshot]:
    forum_id = imported()
    return forum_id, publish(forum_id)


@pytest.mark.parametrize("route", ROUTES)
def test_published_forum_downloads_with_type_and_filename(client, app, route):
    forum_id, snapshot = published()
    response = client.get(f"/forums/{forum_id}/{route}")
    assert response.status_code == 200
    mimetype, name = ROUTES[route]
    assert response.headers["Content-Type"] == mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="forum-{forum_id}-{name}"'
    assert disposition.isascii()


def test_json_download_is_the_stored_payload_with_its_hash(client, app):
    forum_id, snapshot = published()
    response = client.get(f"/forums/{forum_id}/snapshot.json")
    body = response.get_data()
    assert body == snapshot.payload.encode("utf-8")
    assert response.headers["X-Content-SHA256"] == snapshot.sha256
    assert hashlib.sha256(body).hexdigest() == snapshot.sha256
    line = text(client.get(f"/forums/{forum_id}/snapshot.json.sha256"))
    assert line == f"{snapshot.sha256}  forum-{forum_id}-snapshot.json\n"


def test_csv_ballots_and_zip_downloads_are_readable(client, app):
    forum_id, snapshot = published()
    data = client.get(f"/forums/{forum_id}/results.csv").get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["순위", "의제 번호", "제목"] and len(rows) == 11

    ballots = client.get(f"/forums/{forum_id}/ballots.pb")
    assert ballots.headers["Cache-Control"] == "no-store"
    assert len(pabulib.loads(text(ballots)).voters) == 436

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/forums/{forum_id}/open-data.zip").data))
    names = ["README.md", "ballots.pb", "leaves.json", "result.csv", "snapshot.json"]
    assert sorted(archive.namelist()) == names
    assert snapshot.sha256 in archive.read("README.md").decode("utf-8")
    leaves = client.get(f"/forums/{forum_id}/leaves.json")
    assert leaves.headers["Cache-Control"] == "no-store"
    assert leaves.data == archive.read("leaves.json")
    assert len(json.loads(leaves.data)["counted"]) == 436


@pytest.mark.parametrize("route", ROUTES)
def test_unpublished_forum_has_no_open_data(client, app, route):
    forum_id = imported()
    response = client.get(f"/forums/{forum_id}/{route}")
    assert response.status_code == 409
    assert "text/html" in response.headers["Content-Type"]
    assert "Content-Disposition" not in response.headers
    page = text(response)
    assert "공표되지" in page or "not been published" in page


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_and_draft_forums_are_not_found(client, app, route):
    draft = factories.forum(phase="draft")
    assert client.get(f"/forums/{draft.id}/{route}").status_code == 404
    assert client.get(f"/forums/424242/{route}").status_code == 404


def test_results_page_of_a_published_forum_links_the_downloads(client, app):
    forum_id, _snapshot = published()
    page = text(client.get(f"/forums/{forum_id}/results"))
    for route in ROUTES:
        assert f'href="/forums/{forum_id}/{route}"' in page
    assert "CC BY 4.0" in page


def test_results_page_of_a_closed_forum_has_no_download_links(client, app):
    forum_id = imported()
    page = text(client.get(f"/forums/{forum_id}/results"))
    assert "open-data.zip" not in page
