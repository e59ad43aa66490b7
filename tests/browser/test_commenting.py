"""Residents discuss an agenda item from a phone; the district team moderates.

A comment with Markdown and a typed script tag renders as safe HTML; another resident
reports it; the team hides it with a reason, which the item page then shows instead.
"""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from core.districts import DEMO_DISTRICT
from core.extensions import db
from deliberation.models import AgendaItem
from tests import factories

AUTHOR = "browser-commenter-1"
REPORTER = "browser-commenter-2"
TEAM = "browser-moderator-11560"
LINK = "https://www.ydp.go.kr/"
SCRIPT = "<script>alert(1)</script>"
BODY = f"**경로당 운영 시간**이 먼저 정해져야 합니다. [구청 안내]({LINK})를 참고하세요.\n{SCRIPT}"
REPLY = "동의합니다. 주말 운영도 함께 검토해 주세요."
REPORT_REASON = "광고성 링크가 있습니다"
HIDE_REASON = "외부 링크 정책 위반"
COMMENT_URL = re.compile(r"/items/\d+#comment-(\d+)$")


def _signed_in_at(page, url: str, subject: str, sign_in) -> None:
    """Open the item page, follow its sign-in link and come back to it signed in."""
    page.goto(url)
    page.locator("#discussion-sign-in a").click()
    sign_in(page, subject)
    expect(page).to_have_url(re.compile(re.escape(url) + r"\??$"))
    expect(page.locator("#comment-form")).to_be_visible()


def test_residents_discuss_and_the_team_hides_a_reported_comment(
    app, live_server, demo, new_page, sign_in, screenshot, fits_phone
):
    base = live_server.url
    item_id = (
        db.session.execute(
            select(AgendaItem.id).filter_by(forum_id=demo.current).order_by(AgendaItem.position)
        )
        .scalars()
        .first()
    )
    item_url = f"{base}/forums/{demo.current}/items/{item_id}"
    factories.staff(TEAM, "district_team", DEMO_DISTRICT, issuer=app.config["OIDC_ISSUER"])

    # A resident comments, with a stance, Markdown and a typed script tag.
    author = new_page()
    dialogs = []
    author.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _signed_in_at(author, item_url, AUTHOR, sign_in)
    expect(author.locator("#no-comments")).to_be_visible()
    author.fill("#body", BODY)
    author.select_option("#stance", "concern")
    author.locator("#comment-form button[type=submit]").click()
    expect(author).to_have_url(COMMENT_URL)
    comment_id = COMMENT_URL.search(author.url).group(1)
    expect(author.locator(".flash-success")).to_be_visible()

    comment = author.locator(f"#comment-{comment_id}")
    body = comment.locator(":scope > .comment-body")
    expect(body.locator("strong")).to_have_text("경로당 운영 시간")
    link = body.locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", LINK)
    expect(link).to_have_text("구청 안내")
    expect(link).to_have_attribute("rel", re.compile(r"\bnofollow\b"))
    expect(body).to_contain_text(SCRIPT)
    expect(author.locator("#discussion script")).to_have_count(0)
    expect(comment.locator(".stance-concern")).to_be_visible()
    expect(author.locator("#comment-count")).to_contain_text("1")

    # The author's reply, one level down.
    reply_box = comment.locator(":scope > details").filter(
        has=author.locator(f"#reply-{comment_id}")
    )
    reply_box.locator("summary").click()
    author.fill(f"#reply-{comment_id}", REPLY)
    reply_box.locator("button[type=submit]").click()
    expect(author).to_have_url(COMMENT_URL)
    replies = comment.locator(".replies li.reply")
    expect(replies).to_have_count(1)
    expect(replies.locator(".comment-body")).to_have_text(REPLY)
    expect(author.locator("#comment-count")).to_contain_text("2")
    author.goto(item_url)
    fits_phone(author)
    screenshot(author, "item_discussion.png")
    assert dialogs == []

    # Another resident reports the comment.
    reporter = new_page()
    _signed_in_at(reporter, item_url, REPORTER, sign_in)
    report_box = reporter.locator(f"#comment-{comment_id} > details").filter(
        has=reporter.locator("input[name=reason]")
    )
    report_box.locator("summary").click()
    report_box.locator("input[name=reason]").fill(REPORT_REASON)
    report_box.locator("button[type=submit]").click()
    expect(reporter.locator(".flash-success")).to_be_visible()

    # The district team finds it in the moderation queue and hides it.
    team = new_page()
    team.goto(base + "/manage/moderation")
    sign_in(team, TEAM)
    expect(team).to_have_url(re.compile(re.escape(base + "/manage/moderation") + r"\??$"))
    reported = team.locator(f"#reported-{comment_id}")
    expect(reported).to_be_visible()
    expect(reported).to_contain_text(REPORT_REASON)
    expect(reported.locator(".comment-body strong")).to_have_text("경로당 운영 시간")
    expect(team.locator("#reported script, #recent script")).to_have_count(0)
    fits_phone(team)
    screenshot(team, "moderation.png")
    hide = reported.locator("form[action$='/hide']")
    hide.locator("input[name=reason]").fill(HIDE_REASON)
    hide.locator("button[type=submit]").click()
    expect(team.locator(".flash-success")).to_be_visible()
    expect(team.locator(f"#reported-{comment_id}")).to_have_count(0)
    expect(team.locator(f"#hidden-{comment_id}")).to_contain_text(HIDE_REASON)

    # The item page shows the reason instead of the comment; the reply stays.
    author.reload()
    comment = author.locator(f"#comment-{comment_id}")
    expect(comment.locator(":scope > .comment-hidden")).to_contain_text(HIDE_REASON)
    expect(comment.locator(":scope > .comment-body")).to_have_count(0)
    expect(comment.locator(":scope > details")).to_have_count(0)
    expect(comment).not_to_contain_text("경로당 운영 시간")
    expect(comment.locator(".replies li.reply .comment-body")).to_have_text(REPLY)
    expect(author.locator("#comment-count")).to_contain_text("1")
    fits_phone(author)
    assert dialogs == []
