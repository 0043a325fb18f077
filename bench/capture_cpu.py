"""Where the capture pair's CPU goes under wrk: ``python -m bench.capture_cpu``.

On a scratch copy of the data set (seeded by ``make bench`` first), gunicorn as the harness runs
it (bench.capture.Gunicorn: the Procfile's sync workers) is loaded by wrk with the peer, the
endpoint as the harness loads it (30 % known e-mails) and the endpoint with new e-mails only, in
alternated rounds; for each it prints the rate and the CPU time a request of gunicorn's
processes, PostgreSQL's backends and Redis, read from /proc before and after the round, and how
many cores were busy. bench/NOTES.md quotes its output.
"""

import argparse
import os
import sys
import time
from collections import Counter

GROUPS = ("gunicorn", "postgres", "redis")


def cpu_by_group():
    """Return the CPU seconds (user + system) used so far by each group of processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = Counter()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as stat, open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                fields, command = stat.read(), cmdline.read().decode(errors="replace")
        except OSError:  # the process ended meanwhile
            continue
        name = fields[fields.index("(") + 1 : fields.rindex(")")]
        rest = fields[fields.rindex(")") + 2 :].split()
        seconds = (int(rest[11]) + int(rest[12])) / ticks
        if "gunicorn" in command:
            used["gunicorn"] += seconds
        elif name.startswith("postgres") or command.startswith("postgres:"):
            used["postgres"] += seconds
        elif name.startswith("redis"):
            used["redis"] += seconds
    return used


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.capture_cpu", description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000, help="the data set (default 1,000,000)")
    parser.add_argument("--seconds", type=int, default=6, help="seconds of load a round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    from bench.__main__ import _environment

    _environment()
    import django

    django.setup()
    from bench import harness
    from bench.capture import ENDPOINT_PATH, PEER_PATH, Gunicorn, run_wrk
    from bench.seed import Shape

    main_db = harness.prepare(Shape(leads=args.leads, seed=7), out=print)
    token = format(int(time.time()) % 100_000, "05d")
    loads = (
        ("peer", PEER_PATH, "form", 0.0),
        ("endpoint", ENDPOINT_PATH, "json", 0.3),
        ("endpoint, new e-mails", ENDPOINT_PATH, "json", 0.0),
    )
    with harness.scratch_copy(main_db), Gunicorn() as server:
        for n, (_, path, fmt, repeat) in enumerate(loads):  # warm every worker's connections and caches
            run_wrk(server.url + path, prefix=f"w{token}l{n}", fmt=fmt, repeat_share=repeat, seconds=1, connections=8)
        for round_ in range(args.rounds):
            for n, (name, path, fmt, repeat) in enumerate(loads):
                before, started = cpu_by_group(), time.monotonic()
                result = run_wrk(
                    server.url + path,
                    prefix=f"c{token}r{round_}l{n}",
                    fmt=fmt,
                    repeat_share=repeat,
                    seconds=args.seconds,
                    connections=8,
                )
                after, wall = cpu_by_group(), time.monotonic() - started
                per_request = {g: (after[g] - before[g]) / result.answered * 1000 for g in GROUPS}
                busy = sum(after[g] - before[g] for g in GROUPS) / wall
                print(
                    f"{name:22s} {result.rate:7.1f} req/s  CPU ms a request: "
                    + "  ".join(f"{g} {v:.2f}" for g, v in per_request.items())
                    + f"  total {sum(per_request.values()):.2f}  ({busy:.2f} cores busy)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
