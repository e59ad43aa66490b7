"""Outreach links: named links and QR codes the district team hands out (per 동 office,
organisation or target group). A resident arriving through one carries the link's code
to their ballot as ``outreach_tag``: a tag of the link, never of a person. The turnout
board counts ballots per link; the bloc-voting scan reads a burst that mostly carries
one tag as mobilisation (``voting.oversight.burst_split``)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from auth.views import carry_across_sign_in
    from voting.models import OUTREACH_SESSION_KEY
    from voting.outreach import views

    app.register_blueprint(views.bp)
    carry_across_sign_in(OUTREACH_SESSION_KEY)
