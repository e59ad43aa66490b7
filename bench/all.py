"""Run the casting and tally benchmarks and print one JSON line with the headline figures.

    python bench/all.py            (what `make bench` runs)

Runs bench/cast.py and then bench/tally.py with their defaults, each in its own process
(their progress goes to the terminal), reads the JSON line each prints last, and ends
with:

    {"cores", "cast_per_s", "p99_ms_at_1000", "goodput_at_2x", "p99_ms_accepted_at_2x",
     "cast_vs_hello", "cast_vs_storage", "tally_1m_s", "pabutools_speedup"}
"""

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def last_json(script: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(BENCH / script)], stdout=subprocess.PIPE, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        sys.stdout.write(done.stdout)
        raise SystemExit(f"{script} failed (exit status {done.returncode})")
    return json.loads(lines[-1])


def main() -> None:
    cast = last_json("cast.py")
    tally = last_json("tally.py")
    summary = {
        "cores": os.cpu_count(),
        "cast_per_s": cast["cast_per_s"],
        "p99_ms_at_1000": cast["p99_ms_at_1000"],
        "goodput_at_2x": cast["goodput_at_2x"],
        "p99_ms_accepted_at_2x": cast["p99_ms_accepted_at_2x"],
        "cast_vs_hello": cast["cast_vs_hello"],
        "cast_vs_storage": cast["cast_vs_storage"],
        "tally_1m_s": tally["tally_1m_s"],
        "pabutools_speedup": tally["pabutools_speedup"],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
