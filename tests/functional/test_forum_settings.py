"""The team's settings form: times entered in Seoul time, stored in UTC, stable across saves."""

from datetime import datetime
from datetime import UTC

from core.extensions import db
from deliberation.models import Forum
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text

OPENS = datetime(2027, 3, 2, 0, 0, tzinfo=UTC)  # 2027-03-02 09:00 KST
CLOSES = datetime(2027, 3, 9, 9, 30, tzinfo=UTC)  # 2027-03-09 18:30 KST


def _form_values(html: str) -> dict:
    """The settings form as the browser would send it back, unchanged."""
    from html.parser import HTMLParser

    values: dict = {}

    class Reader(HTMLParser):
        inside = False
        textarea = None
        select = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("id") == "settings-form":
                self.inside = True
            elif self.inside and tag == "input" and attrs.get("name"):
                if attrs.get("type") == "checkbox":
                    if "checked" in attrs:
                        values[attrs["name"]] = attrs.get("value", "y")
                else:
                    values[attrs["name"]] = attrs.get("value") or ""
            elif self.inside and tag == "textarea":
                self.textarea = attrs["name"]
                values[self.textarea] = ""
            elif self.inside and tag == "select":
                self.select = attrs["name"]
            elif self.select and tag == "option" and "selected" in attrs:
                values[self.select] = attrs.get("value", "")

        def handle_data(self, data):
            if self.textarea:
                values[self.textarea] += data

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.textarea = None
            elif tag == "select":
                self.select = None
            elif tag == "form":
                self.inside = False

    Reader().feed(html)
    return values


def test_the_settings_form_shows_the_window_in_seoul_time(client, app):
    team = factories.staff("team-kst", "district_team", "11560")
    forum = factories.forum(phase="draft", opens=OPENS, closes=CLOSES)
    sign_in(client, team)
    values = _form_values(text(client.get(f"/manage/forums/{forum.id}")))
    assert values["voting_starts_at"] == "2027-03-02T09:00"
    assert values["voting_ends_at"] == "2027-03-09T18:30"


def test_saving_the_settings_twice_keeps_the_window(client, app):
    team = factories.staff("team-twice", "district_team", "11560")
    forum = factories.forum(phase="draft", opens=OPENS, closes=CLOSES)
    sign_in(client, team)
    url = f"/manage/forums/{forum.id}"
    for n in range(2):
        html = text(client.get(url))
        data = dict(_form_values(html), csrf_token=csrf_token(html))
        data["description"] = f"설명 {n}"
        response = client.post(url, data=data)
        assert response.status_code == 302, text(response)
        db.session.expire_all()
        stored = db.session.get(Forum, forum.id)
        assert stored.description == f"설명 {n}"
        assert (stored.voting_starts_at, stored.voting_ends_at) == (OPENS, CLOSES)


def test_the_deliberation_end_is_entered_in_seoul_time_and_kept(client, app):
    team = factories.staff("team-deliberation", "district_team", "11560")
    forum = factories.forum(phase="draft", opens=OPENS, closes=CLOSES)
    sign_in(client, team)
    url = f"/manage/forums/{forum.id}"
    html = text(client.get(url))
    data = dict(_form_values(html), csrf_token=csrf_token(html))
    assert data["deliberation_required"] == "y"
    data["deliberation_ends_at"] = "2027-03-01T18:00"
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Forum, forum.id).deliberation_ends_at
    assert stored == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert _form_values(text(client.get(url)))["deliberation_ends_at"] == "2027-03-01T18:00"
    data["deliberation_ends_at"] = "2027-03-02T09:01"  # after voting opens
    response = client.post(url, data=data)
    assert response.status_code == 422 and "투표가 열리기 전에" in text(response)
