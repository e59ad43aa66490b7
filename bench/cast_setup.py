"""The casting bench's setup: the server's environment, and a forum open for voting with
residents signed in, each with the cast request its phone would send (not timed)."""

import json
import os
import random
import secrets
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from pathlib import Path

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET_KEY = "bench-secret-" + "x" * 32
PEPPER = "bench-pepper-" + "y" * 32
AUDIT_KEY = "bench-audit-" + "z" * 32
DISTRICT = "11680"
ITEMS = 30
AGENT = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


def server_environment() -> dict:
    return dict(
        os.environ,
        APP_ENV="production",
        DEV_IDP="0",
        OIDC_ISSUER="https://id.invalid",
        OIDC_CLIENT_SECRET="bench-client-secret",
        PUBLIC_URL="https://forum.invalid",
        SECRET_KEY=SECRET_KEY,
        VOTER_KEY_PEPPER=PEPPER,
        AUDIT_KEY=AUDIT_KEY,
        PRIVACY_OFFICER_CONTACT="privacy@forum.invalid",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
    )


def prepare(residents: int, requests_file: Path) -> int:
    """Schema, forum and signed-in residents; writes one cast request per resident."""
    os.environ.update(server_environment())
    import redis
    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import insert
    from sqlalchemy import select
    from sqlalchemy import text

    from auth.models import User
    from auth.models import UserSession
    from auth.services import derive_voter_key
    from auth.services import token_digest
    from core import create_app
    from core.extensions import db
    from deliberation.models import AgendaItem
    from deliberation.models import District
    from deliberation.models import Field
    from deliberation.models import Forum

    redis.Redis.from_url(REDIS_URL).flushdb()
    app = create_app()
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        db.create_all()
        now = datetime.now(UTC)
        forum = Forum(
            district=District(code=DISTRICT, name_ko="강남구", name_en="Gangnam-gu"),
            slug="bench",
            title="Benchmark forum",
            phase="voting",
            voting_starts_at=now - timedelta(days=1),
            voting_ends_at=now + timedelta(days=6),
            envelope=500_000_000,
            created_at=now,
        )
        fields = [Field(forum=forum, name=f"field {n}", position=n) for n in range(5)]
        for n in range(ITEMS):
            AgendaItem(
                forum=forum,
                field=fields[n % 5],
                external_id=f"B-{n:02d}",
                title=f"item {n}",
                summary="",
                cost=(n % 9 + 1) * 10_000_000,
                status="approved",
                position=n,
            )
        db.session.add(forum)
        db.session.commit()
        forum_id = forum.id
        item_ids = [str(i) for i in db.session.scalars(select(AgendaItem.id)).all()]

        sessions = app.session_interface.get_signing_serializer(app)
        csrf = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
        rng = random.Random(7)
        weights = [1 / (rank + 1) for rank in range(ITEMS)]
        batch = 10_000
        with requests_file.open("w") as out:
            for start in range(0, residents, batch):
                count = min(batch, residents - start)
                keys = [derive_voter_key(PEPPER, "bench", f"r{start + n}") for n in range(count)]
                db.session.execute(
                    insert(User),
                    [
                        dict(
                            voter_key=key,
                            district_code=DISTRICT,
                            birth_year=1940 + (start + n) % 65,
                            first_seen_at=now,
                            last_login_at=now,
                            # Residents who agreed to the consent texts at sign-in.
                            consent_version=app.config["CONSENT_VERSION"],
                        )
                        for n, key in enumerate(keys)
                    ],
                )
                ids = dict(
                    db.session.execute(
                        select(User.voter_key, User.id).where(User.voter_key.in_(keys))
                    ).all()
                )
                tokens = [secrets.token_urlsafe(32) for _ in keys]
                db.session.execute(
                    insert(UserSession),
                    [
                        dict(
                            user_id=ids[key],
                            token_hash=token_digest(token),
                            created_at=now,
                        )
                        for key, token in zip(keys, tokens, strict=True)
                    ],
                )
                db.session.commit()
                for token in tokens:
                    raw = secrets.token_hex(20)
                    cookie = sessions.dumps({"_user_id": token, "_fresh": True, "csrf_token": raw})
                    picks = set()
                    while len(picks) < 3:
                        picks.add(rng.choices(item_ids, weights)[0])
                    body = "&".join(
                        [f"csrf_token={csrf.dumps(raw)}"] + [f"picks={p}" for p in sorted(picks)]
                    )
                    request = {
                        "method": "POST",
                        "path": f"/forums/{forum_id}/ballot/confirm",
                        "headers": {
                            "Cookie": f"session={cookie}; did={secrets.token_urlsafe(16)}",
                            "Content-Type": "application/x-www-form-urlencoded",
                            "User-Agent": AGENT,
                        },
                        "body": body,
                    }
                    out.write(json.dumps(request) + "\n")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # Statistics for the planner, and the bulk load written out, so the timed
            # part does not pay for the preparation's checkpoint.
            connection.execute(text("VACUUM ANALYZE"))
            connection.execute(text("CHECKPOINT"))
    return forum_id
