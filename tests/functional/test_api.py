"""The JSON API under /api/v1 and its OpenAPI document."""

from core.extensions import db
from tests import factories
from voting.counting import results


def test_every_api_route_is_documented(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{")
            assert path.replace(">", "}") in documented, rule.rule


def test_forums_list_and_detail(client, app):
    forum = factories.forum()
    listed = client.get("/api/v1/forums").get_json()["forums"]
    assert [f["id"] for f in listed] == [forum.id]
    assert listed[0]["state"] == "open" and listed[0]["envelope"] == 300_000_000
    detail = client.get(f"/api/v1/forums/{forum.id}").get_json()
    assert len(detail["items"]) == 5 and detail["items"][0]["id"] == "A-01"
    assert {f["name"] for f in detail["fields"]} == {"복지", "교육", "환경"}


def test_unknown_forum_is_a_json_404(client, app):
    response = client.get("/api/v1/forums/987654")
    assert response.status_code == 404 and response.get_json()["error"]


def test_result_is_refused_while_open_then_served(client, app):
    forum = factories.forum()
    factories.cast(forum.id, factories.user(), factories.item_ids(forum)[:3])
    early = client.get(f"/api/v1/forums/{forum.id}/result")
    assert early.status_code == 409 and early.get_json()["error"] == "not_closed"
    app.config["CLOCK"] = lambda: forum.voting_ends_at
    closed = client.get(f"/api/v1/forums/{forum.id}/result").get_json()
    assert closed == {"forum": forum.id, "status": "not_published", "ballots": 1}
    forum.phase = "closed"
    db.session.commit()
    team = factories.staff("team", "district_team", forum.district.code)
    snapshot = results.publish(team, forum.id, "greedy")
    result = client.get(f"/api/v1/forums/{forum.id}/result").get_json()
    assert result["ballots"] == 1 and result["rule"] == "greedy"
    assert result["status"] == "published" and result["sha256"] == snapshot.sha256
    assert [i["rank"] for i in result["items"]] == [1, 2, 3, 4, 5]
    assert sum(i["votes"] for i in result["items"]) == 3


def test_receipt_lookup(client, app):
    forum = factories.forum()
    code = factories.cast(forum.id, factories.user(), factories.item_ids(forum)[:3])
    found = client.get(f"/api/v1/receipts/{code}").get_json()
    assert found == {
        "receipt": code,
        "counted": True,
        "forum": forum.id,
        "cast_at": found["cast_at"],
        "excluded_reason": None,
    }
    assert "picks" not in found
    missing = client.get(f"/api/v1/receipts/{'B' * 20}").get_json()
    assert missing["counted"] is False and missing["forum"] is None
    bad = client.get("/api/v1/receipts/nope")
    assert bad.status_code == 400 and bad.get_json()["error"] == "bad_receipt"
    db.session.remove()
