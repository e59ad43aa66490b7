"""Benchmark: casting ballots through gunicorn on PostgreSQL and Redis, on this machine.

    python bench/cast.py [--residents 100000] [--rates 250,500,750,1000,1500,2000]
                         [--seconds 5] [--workers 2] [--threads 64] [--connections 32]
                         [--open-connections 128] [--pin-server 0 --pin-client 1]

What it does, in order:

1. Empties database ``bench`` (``BENCH_DATABASE_URL``, default
   postgresql://postgres@127.0.0.1:5432/bench; created if missing), creates the schema,
   a forum open for voting with 30 items, and signs in ``--residents`` residents of its
   district: each gets a user row, a session row and a signed session cookie with its
   CSRF token, exactly what sign-in leaves behind (not timed).
2. Starts gunicorn (production settings, gthread workers) on that database with Redis
   (``BENCH_REDIS_URL``, default redis://127.0.0.1:6379/14, flushed) for rate limits.
3. From a separate process (bench/loadgen.py), measures
   - the bare ``/livez`` endpoint of the same app and server settings, as many
     connections as ``--connections`` back to back: the framework's ceiling;
   - casting back to back on ``--connections`` connections: the sustained maximum;
   - casting at each offered rate of ``--rates`` for ``--seconds`` each, on a fixed
     schedule (open loop) over at most ``--open-connections`` connections, as a load
     balancer's upstream pool would: achieved ballots/s, p50/p95/p99 latency counted
     from each request's scheduled time (waiting for a connection included), errors;
     past 1,000/s the rates stop rising once one is not met.
   Every resident casts once; the run checks that every acknowledged cast (a redirect
   to the receipt) is in the database and that every stored ballot has its three
   choices. (A request the client gave up on after 10 s may still be stored.)
4. Measures PostgreSQL's own rate for the ballot transaction (one ballot and its three
   choices, committed) with pgbench on the same tables: the storage ceiling.

5. Offers twice the back-to-back rate for ``--surge-seconds`` (a vote-day surge) and
   counts what the server accepted (302) apart from what it shed (503).

Before each timed step the bench runs ANALYZE on the ballot tables, as autovacuum would
on a server that runs it (``refresh_statistics``): without it, plans made while the
table was nearly empty make every later cast read the whole table.

With ``--pin-server CPUS --pin-client CPU`` the server side (gunicorn, PostgreSQL, Redis)
and the load generator run on separate CPUs, so the generator's work never comes out of
the server's budget: the capacity measured is the server's alone.

Ends with one JSON line: cores, cast_per_s, p99_ms_at_1000, goodput_at_2x (accepted casts
per second in that surge), goodput_at_2x_vs_capacity, p99_ms_accepted_at_2x,
cast_vs_hello, cast_vs_storage and the details.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from datetime import UTC
from pathlib import Path

from cast_database import autovacuum
from cast_database import batch_sizes
from cast_database import counters_since
from cast_database import pg_counters
from cast_database import refresh_statistics
from cast_database import storage_ceiling
from cast_database import stored
from cast_setup import DATABASE_URL
from cast_setup import prepare
from cast_setup import server_environment
from common import children
from common import CpuMeter
from common import ensure_database
from common import log
from common import named

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PIN_CLIENT: str | None = None  # --pin-client: the CPU the load generator is kept on
PIN_SERVER: str | None = None  # --pin-server: the CPUs gunicorn, PostgreSQL and Redis use


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pin_services(cpus: str) -> None:
    """Keep PostgreSQL (every process; backends forked later inherit the postmaster's
    CPUs) and Redis on ``cpus``."""
    for pid in named("postgres") + named("redis-server"):
        subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(pid)], capture_output=True)


def start_server(port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(workers)]
    if PIN_SERVER is not None:
        command = ["taskset", "-c", PIN_SERVER, *command]
    command += ["--threads", str(threads), "--keep-alive", "30", "--backlog", "4096"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=server_environment())
    import requests

    for _ in range(150):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def server_meter(server: subprocess.Popen) -> CpuMeter:
    """CPU used by gunicorn's workers, PostgreSQL's processes and Redis during a step."""
    return CpuMeter(
        {
            "gunicorn": lambda: [server.pid, *children(server.pid)],
            # Backends serving the app, then PostgreSQL's own processes (autovacuum,
            # checkpointer, WAL writer) that the ballots' writes set to work.
            "postgres": lambda: named("postgres", " bench "),
            "postgres_background": lambda: sorted(
                set(named("postgres")) - set(named("postgres", " bench "))
            ),
            "redis": lambda: named("redis-server"),
        }
    )


def drive(
    port: int, path: Path, mode: str, value: float, seconds: float, offset: int, pool: int = 32
) -> dict:
    command = [sys.executable, str(ROOT / "bench" / "loadgen.py"), str(port), str(path)]
    if PIN_CLIENT is not None:
        command = ["taskset", "-c", PIN_CLIENT, *command]
    command += [mode, str(value), str(seconds), "--offset", str(offset)]
    command += ["--max-connections", str(pool)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def timed_step(server: subprocess.Popen, *run) -> dict:
    """One timed step of casting (``drive(*run)``): the statistics refreshed first, as
    autovacuum would, then the step with the server's CPU per process, PostgreSQL's
    counters and the step's time window (for its batch sizes)."""
    refresh_statistics()
    meter, began, counted = server_meter(server), datetime.now(UTC), pg_counters()
    step = drive(*run)
    step["server_cpu_s"] = meter.used()
    step["postgres_counters"] = counters_since(counted)
    step["window"] = (began, datetime.now(UTC))
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--rates", default="250,500,750,1000,1500,2000")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--open-connections", type=int, default=128)
    parser.add_argument("--saturate-seconds", type=float, default=8)
    parser.add_argument("--surge-seconds", type=float, default=10)
    parser.add_argument("--pin-client", help="keep the load generator on this CPU (taskset), apart")
    parser.add_argument(
        "--pin-server", help="keep gunicorn, PostgreSQL and Redis on these CPUs (taskset)"
    )
    args = parser.parse_args()
    rates = [float(rate) for rate in args.rates.split(",")]
    global PIN_CLIENT, PIN_SERVER
    PIN_CLIENT, PIN_SERVER = args.pin_client, args.pin_server
    needed = int(
        sum(rates) * args.seconds + 1500 * args.saturate_seconds + 3000 * args.surge_seconds + 500
    )
    if args.residents < needed:
        raise SystemExit(f"--residents must be at least {needed} for these rates")

    problem = ensure_database(DATABASE_URL)
    if problem:
        raise SystemExit(f"PostgreSQL is not reachable: {problem}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-cast-"))
    casts = workdir / "casts.jsonl"
    hello = workdir / "hello.jsonl"
    hello.write_text(json.dumps({"method": "GET", "path": "/livez"}) + "\n")
    log(f"signing in {args.residents} residents ...")
    started = time.perf_counter()
    forum_id = prepare(args.residents, casts)
    log(f"  ready in {time.perf_counter() - started:.1f} s")

    port = free_port()
    if PIN_SERVER is not None:
        pin_services(PIN_SERVER)
    server = start_server(port, args.workers, args.threads)
    report: dict = {
        "cores": os.cpu_count(),
        "server": f"gunicorn gthread {args.workers}x{args.threads}",
        "residents": args.residents,
        "pinned": {"server": PIN_SERVER, "client": PIN_CLIENT},
        "autovacuum": autovacuum(),
    }
    try:
        offset = 0
        warm = drive(port, casts, "closed", 8, 2, offset)  # imports, pools, caches
        offset = warm["next_offset"]
        drive(port, hello, "closed", 8, 2, 0)
        hello_run = drive(port, hello, "closed", args.connections, args.saturate_seconds, 0)
        log(f"hello: {hello_run['per_s']}/s p99 {hello_run['p99_ms']} ms")
        # The sustained maximum first, on a server with no backlog; then rising rates.
        saturated = timed_step(
            server, port, casts, "closed", args.connections, args.saturate_seconds, offset
        )
        offset = saturated["next_offset"]
        log(
            f"cast back to back: {saturated['accepted_per_s']}/s accepted"
            f" of {saturated['per_s']}/s, p99 {saturated['p99_ms']} ms,"
            f" statuses {saturated['statuses']}, errors {saturated['errors']};"
            f" CPU s: client {saturated['client_cpu_s']}, {saturated['server_cpu_s']}"
        )
        time.sleep(2)
        steps = []
        for rate in rates:
            step = timed_step(
                server, port, casts, "open", rate, args.seconds, offset, args.open_connections
            )
            offset = step["next_offset"]
            steps.append(step)
            overloaded = step["per_s"] < 0.9 * rate or step["errors"]
            log(
                f"cast at {rate:.0f}/s offered: {step['per_s']}/s, p50 {step['p50_ms']} ms,"
                f" p95 {step['p95_ms']} ms, p99 {step['p99_ms']} ms,"
                f" statuses {step['statuses']}, errors {step['errors']};"
                f" CPU s: client {step['client_cpu_s']}, {step['server_cpu_s']};"
                f" accepted {step['accepted_per_s']}/s, p99 {step['p99_ms_accepted']} ms"
            )
            if overloaded and rate >= 1000:
                log("  overloaded: higher rates are not tried")
                break
            time.sleep(2)  # let the queue drain between steps
        # Twice the back-to-back capacity, for longer: what a vote-day surge does.
        time.sleep(2)
        double = round(2 * saturated["accepted_per_s"])
        surge = timed_step(
            server, port, casts, "open", double, args.surge_seconds, offset, args.open_connections
        )
        offset = surge["next_offset"]
        log(
            f"surge at 2x = {double}/s offered: accepted {surge['accepted_per_s']}/s"
            f" (p99 {surge['p99_ms_accepted']} ms), all answers p99 {surge['p99_ms']} ms,"
            f" statuses {surge['statuses']}, errors {surge['errors']};"
            f" CPU s: client {surge['client_cpu_s']}, {surge['server_cpu_s']}"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if PIN_SERVER is not None:
            pin_services(f"0-{(os.cpu_count() or 1) - 1}")

    runs = [warm, *steps, saturated, surge]
    for run in (saturated, *steps, surge):
        run["batches"] = batch_sizes(forum_id, run.pop("window"))
        log(
            f"at {run['value']:.0f}/s offered, ballots per statement: {run['batches']};"
            f" PostgreSQL: {run['postgres_counters']}"
        )
    acknowledged = sum(run["statuses"].get("302", 0) for run in runs)
    ballots, malformed = stored(forum_id)
    # A request the client gave up on (timeout) may still be stored: every acknowledged
    # cast must be stored, no shed one, each with its three choices.
    log(f"acknowledged {acknowledged}, stored {ballots}, malformed {malformed}")
    storage = storage_ceiling(forum_id, [1, 2, 3], int(args.saturate_seconds))
    log(f"storage ceiling (pgbench, 16 clients): {storage:.0f} ballot transactions/s")

    at_1000 = next((s for s in steps if s["value"] == 1000), None)
    capacity = saturated["accepted_per_s"]
    report.update(
        cast_per_s=capacity,
        back_to_back={
            k: saturated[k] for k in ("client_cpu_s", "server_cpu_s", "batches", "statuses")
        },
        p99_ms_at_1000=at_1000["p99_ms"] if at_1000 else None,
        goodput_at_2x=surge["accepted_per_s"],
        goodput_at_2x_vs_capacity=round(surge["accepted_per_s"] / capacity, 3),
        p99_ms_accepted_at_2x=surge["p99_ms_accepted"],
        surge={
            k: surge[k]
            for k in ("value", "per_s", "accepted_per_s", "p50_ms_accepted", "p99_ms_accepted")
            + ("p99_ms", "errors", "statuses", "client_cpu_s", "server_cpu_s", "batches")
            + ("postgres_counters",)
        },
        hello_per_s=hello_run["per_s"],
        storage_per_s=round(storage, 1),
        cast_vs_hello=round(capacity / hello_run["per_s"], 3),
        cast_vs_storage=round(capacity / storage, 3),
        acknowledged=acknowledged,
        timed_out=sum(run["errors"] for run in runs),
        stored=ballots,
        malformed=malformed,
        steps=[
            {
                k: s[k]
                for k in ("value", "per_s", "p50_ms", "p95_ms", "p99_ms", "errors")
                + ("accepted_per_s", "p99_ms_accepted", "client_cpu_s", "server_cpu_s", "batches")
                + ("postgres_counters",)
            }
            | {"statuses": s["statuses"]}
            for s in steps
        ],
    )
    print(json.dumps(report))
    if ballots < acknowledged or malformed:
        raise SystemExit("an acknowledged cast is missing or a stored ballot is malformed")
    # Each resident casts once and a shed one never again: a ballot beyond those
    # acknowledged can only be one the client gave up on, never a shed cast (503).
    if ballots > acknowledged + report["timed_out"]:
        raise SystemExit("a cast that was not acknowledged (shed) was stored")


if __name__ == "__main__":
    main()
