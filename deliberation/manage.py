"""Staff pages for district teams: forums, fields, items and phases."""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")
