"""Open data as residents and researchers get it: Korean spreadsheets, bilingual README,
no turnout cell that could single out a person, no cell a spreadsheet would run."""

import csv
import io
import json
import zipfile

import pytest

from core.extensions import db
from tests import factories
from tests.web import text
from voting.counting import pabulib
from voting.counting import results

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_IDS = ['=HYPERLINK("http://evil.example")', "+1-1", "@X7", "-2+3", "\tA-05"]


def published_forum(rule="greedy", ids=None, titles=None, field="복지"):
    """Ten ballots: five from residents in their 30s, three in their 60s, two aged 70
    or more; one entered at a support point."""
    forum = factories.forum(fields=(field, "교육", "환경"))
    items = sorted(forum.items, key=lambda item: item.position)
    for item, external_id in zip(items, ids or [], strict=False):
        item.external_id = external_id
    for item, title in zip(items, titles or [], strict=False):
        item.title = title
    db.session.commit()
    picks = factories.item_ids(forum)
    for n in range(10):
        born = 1990 if n < 5 else 1960 if n < 8 else 1950
        voter = factories.user(f"voter-{n}", birth_year=born)
        chosen = picks[0:3] if n < 4 else picks[2:5]
        factories.cast(forum.id, voter, chosen, channel="assisted" if n == 9 else "online")
    forum.phase = "closed"
    db.session.commit()
    team = factories.staff(f"team-{forum.id}", "district_team", forum.district.code)
    results.publish(team, forum.id, rule)
    return forum


def csv_rows(client, forum_id):
    data = client.get(f"/forums/{forum_id}/results.csv").get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("rule", ["greedy", "equal_shares"])
def test_csv_speaks_korean_with_statuses_in_words(client, app, rule):
    forum = published_forum(rule)
    rows = csv_rows(client, forum.id)
    header = ["순위", "의제 번호", "제목", "분야", "사업비(원)", "득표수", "선정 여부", "사유"]
    assert rows[0] == header
    assert {row[6] for row in rows[1:]} == {"선정", "미선정"}
    reasons = {row[7] for row in rows[1:]}
    assert reasons <= {"선정", "미선정", "남은 예산 초과", "분야 예산 초과", "최소 득표 미달"}
    assert not any("_" in cell for row in rows for cell in row)
    # The JSON keeps its English keys and codes.
    payload = json.loads(client.get(f"/forums/{forum.id}/snapshot.json").get_data())
    assert set(payload["items"][0]) >= {"rank", "id", "title", "funded", "reason"}


def test_every_cell_of_every_csv_is_defused(client, app):
    forum = published_forum(ids=HOSTILE_IDS, titles=["@SUM(A1)", "-1", "보통 제목"], field="=cmd")
    routes = [
        rule.rule.replace("<int:forum_id>", str(forum.id))
        for rule in app.url_map.iter_rules()
        if rule.rule.endswith(".csv")
    ]
    assert routes
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/forums/{forum.id}/open-data.zip").data))
    bodies = [client.get(route).get_data() for route in routes]
    bodies += [archive.read(name) for name in archive.namelist() if name.endswith(".csv")]
    for body in bodies:
        raw = body.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(raw, newline="")))
        cells = [cell for row in rows for cell in row]
        assert len(cells) == 8 * (1 + len(forum.items))
        assert not [cell for cell in cells if cell.startswith(DANGEROUS)]
        for line in raw.split("\r\n")[:-1]:
            assert line.startswith('"') and line.endswith('"')
        ids = {row[1] for row in rows[1:]}
        assert {"'" + external_id for external_id in HOSTILE_IDS} <= ids
        assert "'=cmd" in {row[3] for row in rows[1:]}


def test_turnout_under_five_is_never_published(client, app):
    forum = published_forum()
    page = text(client.get(f"/forums/{forum.id}/results"))
    turnout = page.split('id="turnout"')[1].split("</section>")[0]
    cells = [cell.split("<")[0] for cell in turnout.split("<td>")[1:]]
    assert "5" in cells and "&lt;5" in cells
    assert turnout.index("온라인") < turnout.index("현장 지원")
    assert all(cell in ("&lt;5", "≥5") or int(cell.replace(",", "")) >= 5 for cell in cells)

    payload = json.loads(client.get(f"/forums/{forum.id}/snapshot.json").get_data())
    bands = payload["age_bands"]
    assert bands["30s"] == 5 and bands["60s"] == bands["70_plus"] == bands["20s"] == "<5"
    assert payload["channels"] == {"online": "≥5", "assisted": "<5", "import": "<5"}
    for table in (payload["age_bands"], payload["channels"]):
        assert all(value in ("<5", "≥5") or value >= 5 for value in table.values())

    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/forums/{forum.id}/open-data.zip").data))
    assert json.loads(archive.read("snapshot.json")) == payload
    # The one ballot from a support point cannot be told apart in the ballots file.
    downloaded = text(client.get(f"/forums/{forum.id}/ballots.pb"))
    for ballots in (archive.read("ballots.pb").decode(), downloaded):
        election = pabulib.loads(ballots)
        assert len(election.voters) == 10
        assert all("voting_method" not in voter.extra for voter in election.voters)
    # The spreadsheet has no turnout at all.
    assert len(csv_rows(client, forum.id)[0]) == 8


def test_readme_is_in_korean_and_english(client, app):
    forum = published_forum("equal_shares")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/forums/{forum.id}/open-data.zip").data))
    readme = archive.read("README.md").decode("utf-8")
    for heading in ("## 파일", "## 결정 방식", "## 검증 방법"):
        assert heading in readme
    for heading in ("## Files", "## Rule", "## How to verify"):
        assert heading in readme
    assert "균등 배분" in readme and "Method of Equal Shares" in readme
    assert "| `선정 여부` | `funded` |" in readme
    assert "5 미만" in readme and "fewer than 5" in readme


def test_an_item_number_with_a_comma_gives_a_clear_refusal_not_a_crash(client, app):
    forum = published_forum(ids=["A,01"])
    assert client.get(f"/forums/{forum.id}/results.csv").status_code == 200
    for route in ("ballots.pb", "open-data.zip"):
        response = client.get(f"/forums/{forum.id}/{route}")
        assert response.status_code == 409
        assert "A,01" in text(response)
