"""Discussion pages: comments on agenda items, reports and the moderation queue."""

from flask import Blueprint

bp = Blueprint("discussion", __name__)
