"""Korean particles and amounts on rendered pages and in messages from Python."""

from flask import render_template_string
from flask_babel import gettext

from tests import factories


def test_templates_resolve_the_particle_after_a_placeholder(app):
    with app.test_request_context("/"):
        page = render_template_string('{{ _("Publish with %(rule)s", rule="득표순 선정") }}')
        assert page == "득표순 선정으로 공표"
        page = render_template_string('{{ _("Publish with %(rule)s", rule="규칙 & 방식") }}')
        assert page == "규칙 &amp; 방식으로 공표"


def test_python_messages_resolve_the_particle_after_a_placeholder(app):
    with app.test_request_context("/"):
        assert gettext("Revoked role %(id)d.", id=7) == "역할 7을 회수했습니다."
        assert gettext("Revoked role %(id)d.", id=2) == "역할 2를 회수했습니다."


def test_an_item_number_in_use_reads_with_its_particle(app):
    with app.test_request_context("/"):
        message = gettext("Item number %(id)s is already used in this forum.", id="T-01")
        assert message.startswith("의제 번호 T-01은 ")


def test_forum_page_reads_amounts_the_korean_way(client, app):
    forum = factories.forum(envelope=500_000_000)
    page = client.get(f"/forums/{forum.id}").get_data(as_text=True)
    assert "5억 원" in page and "1억 원" in page
