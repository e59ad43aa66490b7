"""Residents and staff as the app knows them: a voter key, never a raw identifier."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from core.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # HMAC-SHA256(VOTER_KEY_PEPPER, issuer|subject), hex. The only identity we keep.
    voter_key: Mapped[str] = mapped_column(String(64), unique=True)
    district_code: Mapped[str | None] = mapped_column(String(16))
    birth_year: Mapped[int | None]
    first_seen_at: Mapped[datetime]
    last_login_at: Mapped[datetime]
