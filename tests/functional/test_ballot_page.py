"""The ballot page's server answers: the budget bar, filters and order, picks kept when
going back from review, and messages that name the numbers."""

import re

from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text


def checked(page: str) -> set[str]:
    return set(re.findall(r'name="picks" value="(\d+)" data-cost="\d+" checked', page))


def review(client, forum, picks, **extra):
    token = csrf_token(text(client.get(f"/forums/{forum.id}/ballot")))
    data = {"csrf_token": token, "picks": picks, **extra}
    return client.post(f"/forums/{forum.id}/ballot/review", data=data)


def test_the_budget_bar_shows_the_total_and_what_is_left_of_the_cap(client, app):
    forum = factories.forum(cost_cap=300_000_000)
    sign_in(client, factories.user())
    ids = factories.item_ids(forum)
    page = text(client.get(f"/forums/{forum.id}/ballot", query_string={"picks": ids[:2]}))
    assert checked(page) == set(ids[:2])
    bar = page[page.index('id="budget-bar"') :]
    assert "3개 중 2개 선택" in bar and "합계 2억 5,000만 원" in bar
    assert "한도 3억 원 중 5,000만 원 남음" in bar


def test_over_the_cap_the_message_names_the_total_and_the_overage(client, app):
    forum = factories.forum(cost_cap=250_000_000)
    sign_in(client, factories.user())
    response = review(client, forum, factories.item_ids(forum)[:3])
    assert response.status_code == 422
    page = text(response)
    assert "고른 의제의 합계는 4억 5,000만 원으로 한도 2억 5,000만 원보다 2억 원 많습니다." in page
    assert "한도 2억 5,000만 원보다 2억 원 많음" in page  # the bar says it too
    assert len(checked(page)) == 3


def test_over_the_cap_in_english(client, app):
    forum = factories.forum(cost_cap=250_000_000)
    sign_in(client, factories.user())
    client.get("/lang/en")
    page = text(review(client, forum, factories.item_ids(forum)[:3]))
    assert "Your picks add up to KRW 450 million, KRW 200 million more than the limit" in page


def test_when_the_forum_takes_exactly_three_the_message_says_exactly(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    page = text(review(client, forum, factories.item_ids(forum)[:2]))
    assert "의제를 정확히 3개 골라 주세요(지금 2개)." in page
    assert "이상" not in page[page.index('id="ballot-error"') :][:200]


def test_a_range_says_at_least(client, app):
    forum = factories.forum(min_picks=2, max_picks=3)
    sign_in(client, factories.user())
    page = text(review(client, forum, factories.item_ids(forum)[:1]))
    assert "의제를 2개 이상 골라 주세요(지금 1개)." in page


def test_going_back_from_review_keeps_the_picks(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    ids = factories.item_ids(forum)
    page = text(review(client, forum, ids[1:4]))
    back = re.search(r'id="change-picks" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert checked(text(client.get(back))) == set(ids[1:4])


def test_filtering_by_field_hides_the_others_and_keeps_their_picks(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    ids = factories.item_ids(forum)
    education = forum.fields[1]
    query = {"field": str(education.id), "picks": [ids[0], ids[2]]}
    page = text(client.get(f"/forums/{forum.id}/ballot", query_string=query))
    hidden = re.findall(r'<fieldset class="field" data-field="(\d+)" hidden>', page)
    assert set(hidden) == {str(forum.fields[0].id), str(forum.fields[2].id)}
    assert checked(page) == {ids[0], ids[2]}  # the welfare pick is kept, hidden


def test_sorting_by_cost_puts_the_cheapest_first_within_a_field(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    page = text(client.get(f"/forums/{forum.id}/ballot", query_string={"sort": "cost"}))
    assert page.index("Item 4") < page.index("Item 3")  # 50M before 200M
    assert page.index("Item 1") < page.index("Item 2")
    by_name = text(client.get(f"/forums/{forum.id}/ballot", query_string={"sort": "name"}))
    assert by_name.index("Item 3") < by_name.index("Item 4")


def test_unknown_filters_and_picks_show_the_whole_ballot(client, app):
    forum = factories.forum()
    other = factories.forum()
    sign_in(client, factories.user())
    query = {"field": "x'<", "sort": "price;drop", "picks": ["abc", factories.item_ids(other)[0]]}
    response = client.get(f"/forums/{forum.id}/ballot", query_string=query)
    assert response.status_code == 200
    page = text(response)
    assert " hidden>" not in page and checked(page) == set()


def test_one_tab_stop_per_item_the_details_link_is_out_of_the_tab_order(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    page = text(client.get(f"/forums/{forum.id}/ballot"))
    links = re.findall(r'<a class="small read-more"[^>]*>', page)
    assert len(links) == 5 and all('tabindex="-1"' in link for link in links)
    assert '<label class="pick-label">' in page


def test_a_resident_who_voted_is_told_so_on_the_forum_page_and_in_my_ballots(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    ids = factories.item_ids(forum)
    token = csrf_token(text(review(client, forum, ids[:3])))
    client.post(f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": token, "picks": ids[:3]})
    page = text(client.get(f"/forums/{forum.id}"))
    assert 'id="my-vote"' in page and "투표 완료" in page and "투표하기" not in page
    code = re.search(r'class="mono receipt-inline">([A-Z2-7-]{24})<', page).group(1)
    assert "A-01 · Item 1" in page and "A-03 · Item 3" in page
    assert 'href="/my-ballots" id="nav-my-ballots">내 투표 확인<' in page
    home = text(client.get("/"))
    assert f'id="voted-{forum.id}"' in home and f"/forums/{forum.id}/my-ballot" in home
    item = text(client.get(f"/forums/{forum.id}/items/{ids[4]}"))
    assert 'id="my-vote"' in item and "투표하기" not in item
    mine = text(client.get("/my-ballots"))
    assert code in mine and forum.title in mine and "투표 완료" in mine
    ballot = client.get(f"/forums/{forum.id}/ballot", follow_redirects=True)
    assert code in text(ballot)


def test_signed_out_the_header_still_asks_for_the_code(client, app):
    forum = factories.forum()
    page = text(client.get(f"/forums/{forum.id}"))
    assert 'href="/receipt"' in page and 'href="/my-ballots"' not in page
    assert 'id="my-vote"' not in page and "투표하기" in page
    assert f'id="voted-{forum.id}"' not in text(client.get("/"))


def test_my_ballots_before_voting_says_there_are_none(client, app):
    sign_in(client, factories.user())
    page = text(client.get("/my-ballots"))
    assert 'id="no-ballots"' in page


def test_another_residents_ballot_is_not_shown(client, app):
    forum = factories.forum()
    sign_in(client, factories.user("bob"))
    ids = factories.item_ids(forum)
    token = csrf_token(text(review(client, forum, ids[:3])))
    client.post(f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": token, "picks": ids[:3]})
    sign_in(client, factories.user("carol"))
    assert 'id="my-vote"' not in text(client.get(f"/forums/{forum.id}"))
    assert 'id="no-ballots"' in text(client.get("/my-ballots"))


def test_every_page_starts_with_a_skip_link(client, app):
    forum = factories.forum()
    for path in ("/", f"/forums/{forum.id}", "/receipt", f"/forums/{forum.id}/results"):
        page = text(client.get(path))
        assert '<a class="skip-link" href="#main">본문으로 건너뛰기</a>' in page, path
        assert '<main id="main"' in page


def test_the_filter_form_never_puts_the_csrf_token_in_a_url(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    page = text(client.get(f"/forums/{forum.id}/ballot"))
    form = page[
        page.index('id="ballot-form"') : page.index("</form>", page.index('id="ballot-form"'))
    ]
    assert 'type="hidden" name="csrf_token"' not in form and 'id="csrf_token"' not in form
    button = re.search(r'<button type="submit" class="button" id="review-button"[^>]*>', form)
    assert 'name="csrf_token"' in button.group(0)  # only the review button sends it
