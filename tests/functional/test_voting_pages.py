"""A resident's journey through the pages, and every refusal a page can meet."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting.models import Ballot


def count_ballots() -> int:
    return db.session.execute(select(func.count()).select_from(Ballot)).scalar_one()


def test_forum_page_shows_fields_items_costs_envelope_and_window(client, app):
    forum = factories.forum(envelope=500_000_000)
    page = text(client.get(f"/forums/{forum.id}"))
    assert forum.title in page
    for name in ("복지", "교육", "환경"):
        assert name in page
    assert "100,000,000원" in page and "500,000,000원" in page
    assert "투표 진행 중" in page or "Voting open" in page
    assert "KST" in page


def test_index_lists_forums(client, app):
    forum = factories.forum()
    assert forum.title in text(client.get("/"))


def test_english_switch_is_remembered(client, app):
    forum = factories.forum()
    response = client.get(f"/lang/en?next=/forums/{forum.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/forums/{forum.id}"
    )
    page = text(client.get(f"/forums/{forum.id}"))
    assert "Budget envelope" in page and "₩100,000,000" in page
    client.get("/lang/ko")
    assert "예산" in text(client.get(f"/forums/{forum.id}"))


def test_language_switch_does_not_redirect_off_site(client, app):
    response = client.get("/lang/en?next=//evil.example/")
    assert response.headers["Location"] == "/"


def test_ballot_needs_sign_in(client, app):
    forum = factories.forum()
    response = client.get(f"/forums/{forum.id}/ballot")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def vote(client, forum, picks):
    page = text(client.get(f"/forums/{forum.id}/ballot"))
    token = csrf_token(page)
    review = client.post(
        f"/forums/{forum.id}/ballot/review", data={"csrf_token": token, "picks": picks}
    )
    return token, review


def test_pick_review_confirm_receipt(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    ids = factories.item_ids(forum)
    token, review = vote(client, forum, ids[:3])
    assert review.status_code == 200
    assert "Item 1" in text(review) and "450,000,000원" in text(review)
    assert count_ballots() == 0  # reviewing stores nothing
    confirm = client.post(
        f"/forums/{forum.id}/ballot/confirm",
        data={"csrf_token": csrf_token(text(review)), "picks": ids[:3]},
    )
    assert confirm.status_code == 302
    receipt = client.get(confirm.headers["Location"])
    page = text(receipt)
    ballot = db.session.execute(select(Ballot)).scalar_one()
    shown = "-".join(ballot.receipt_code[i : i + 4] for i in range(0, 20, 4))
    assert shown in page
    check = text(client.get(f"/receipt?code={shown}"))
    assert forum.title in check and 'id="receipt-status"' in check


def test_already_voted_sees_the_existing_receipt(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    ids = factories.item_ids(forum)
    token, review = vote(client, forum, ids[:3])
    client.post(f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": token, "picks": ids[:3]})
    again = client.get(f"/forums/{forum.id}/ballot")
    assert again.status_code == 302 and again.headers["Location"].endswith("/my-ballot")
    second = client.post(
        f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": token, "picks": ids[1:4]}
    )
    assert second.status_code == 302 and second.headers["Location"].endswith("/my-ballot")
    page = text(client.get(second.headers["Location"]))
    code = db.session.execute(select(Ballot.receipt_code)).scalar_one()
    assert code[:4] in page
    assert count_ballots() == 1


def test_bad_picks_re_render_the_ballot_with_a_message_and_4xx(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    ids = factories.item_ids(forum)
    cases = [ids[:2], ids[:4], [ids[0], ids[0], ids[1]], [ids[0], ids[1], "77777"]]
    for picks in cases:
        _, review = vote(client, forum, picks)
        assert review.status_code == 422, picks
        assert 'id="ballot-error"' in text(review)
        token = csrf_token(text(review))
        confirm = client.post(
            f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": token, "picks": picks}
        )
        assert confirm.status_code == 422
    assert count_ballots() == 0


def test_missing_or_wrong_csrf_token_is_refused(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    ids = factories.item_ids(forum)
    client.get(f"/forums/{forum.id}/ballot")
    missing = client.post(f"/forums/{forum.id}/ballot/confirm", data={"picks": ids[:3]})
    wrong = client.post(
        f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": "forged", "picks": ids[:3]}
    )
    assert missing.status_code == 400 and wrong.status_code == 400
    assert "form" in text(missing).lower() or "양식" in text(missing)
    assert count_ballots() == 0


def test_closed_forum_refuses_and_points_to_results(client, app):
    now = datetime.now(UTC)
    forum = factories.forum(opens=now - timedelta(days=8), closes=now - timedelta(days=1))
    sign_in(client, factories.user())
    token, review = vote(client, forum, factories.item_ids(forum)[:3])
    assert review.status_code == 403
    assert count_ballots() == 0


def test_other_district_refused(client, app):
    forum = factories.forum(code="11560")
    factories.district("11680", "강남구")
    sign_in(client, factories.user("bob", code="11680"))
    token, review = vote(client, forum, factories.item_ids(forum)[:3])
    assert review.status_code == 403
    assert count_ballots() == 0


def test_results_hidden_while_open_and_shown_after_close(client, app):
    forum = factories.forum()
    voter = factories.user()

    factories.cast(forum.id, voter, factories.item_ids(forum)[:3])
    pending = text(client.get(f"/forums/{forum.id}/results"))
    assert 'id="results"' not in pending
    app.config["CLOCK"] = lambda: forum.voting_ends_at
    closed = text(client.get(f"/forums/{forum.id}/results"))
    assert 'id="results"' not in closed and 'id="ballot-count">1<' in closed
    forum.phase = "closed"
    db.session.commit()
    from voting.counting import results

    results.publish(factories.staff("team", "district_team", "11560"), forum.id, "greedy")
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert 'id="results"' in page and 'id="ballot-count"' in page
    assert "Item 1" in page


def test_unknown_pages_are_404_not_500(client, app):
    assert client.get("/forums/999999").status_code == 404
    assert client.get("/forums/999999/results").status_code == 404
    assert client.get("/receipt?code=xyz").status_code == 400
