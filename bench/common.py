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


TICKS = __import__("os").sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used, from /proc; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    """The direct children of a process (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def named(name: str, label: str = "") -> list[int]:
    """Every process whose command name is ``name`` (PostgreSQL's, Redis) and, if
    ``label`` is given, whose title (command line) holds it."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != name:
                    continue
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if label in title:
                found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds used by groups of processes over a stretch of time.

    ``groups`` maps a name to a function returning that group's pids now; processes that
    start or end inside the stretch (PostgreSQL backends come and go) count for what
    /proc shows of them at the two readings."""

    def __init__(self, groups: dict):
        self.groups = groups
        self.start = self._read()

    def _read(self) -> dict[str, dict[int, float]]:
        return {
            name: {pid: process_cpu(pid) for pid in pids()} for name, pids in self.groups.items()
        }

    def used(self) -> dict[str, float]:
        end = self._read()
        return {
            name: round(
                sum(cpu - self.start[name].get(pid, 0.0) for pid, cpu in end[name].items()), 2
            )
            for name in self.groups
        }
