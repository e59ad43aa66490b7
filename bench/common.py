"""Helpers the benchmarks share: progress on stderr, the flask command, the database."""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def flask(env: dict, *args: str) -> tuple[float, str]:
    """Run ``flask --app wsgi ARGS`` in a new process; returns seconds and its output."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, done.stdout


def libpq_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ensure_database(url: str) -> str | None:
    """Create the database when it is missing; None when the server answers, else why not."""
    import psycopg

    try:
        psycopg.connect(libpq_url(url), connect_timeout=5).close()
        return None
    except psycopg.OperationalError as error:
        if "does not exist" not in str(error):
            return str(error).strip()
    base, name = libpq_url(url).rsplit("/", 1)
    name = name.split("?", 1)[0]
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        log(f"created database {name}")
        return None
    except psycopg.Error as error:
        return str(error).strip()
