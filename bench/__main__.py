"""`make bench` / `python -m bench`: seed PostgreSQL, measure Tandem and its floors and peers, print one table.

    python -m bench                 # 1,000,000 leads over 52 weeks (minutes to seed, kept for the next run)
    python -m bench --quick         # 50,000 leads: what CI can afford
    python -m bench --leads 200000 --runs 10 --only pages,import

Results go to bench/results.json and bench/RESULTS.md (the table below the run's settings).
"""

import argparse
import os
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SECTIONS = ("pages", "growth", "import", "capture", "alerts")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, help="leads in the main data set (default 1,000,000; --quick: 50,000)")
    parser.add_argument("--quick", action="store_true", help="a run CI can afford: 50,000 leads, fewer repetitions")
    parser.add_argument("--runs", type=int, help="timed runs per figure after the warm-up (default 20; --quick: 5)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the data sets")
    parser.add_argument("--import-rows", type=int, help="rows of the import file (default 100,000; --quick: 10,000)")
    parser.add_argument(
        "--capture-seconds", type=float, help="seconds of wrk load per capture round (default 5; --quick: 3)"
    )
    parser.add_argument(
        "--capture-rounds",
        type=int,
        help="alternated wrk rounds of the capture peer and endpoint (default 5; --quick: 3)",
    )
    parser.add_argument("--alert-captures", type=int, help="captures timed to their alert (default 60; --quick: 20)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {', '.join(SECTIONS)}")
    parser.add_argument("--reseed", action="store_true", help="seed again even when a matching data set exists")
    parser.add_argument("--seed-only", action="store_true", help="prepare the data sets, measure nothing")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases of the import and capture runs")
    parser.add_argument(
        "--merge", action="store_true", help="replace only this run's figures in an existing results.json"
    )
    parser.add_argument("--output", default=str(BENCH_DIR), help="where results.json and RESULTS.md go")
    args = parser.parse_args(argv)
    args.leads = args.leads or (50_000 if args.quick else 1_000_000)
    args.runs = args.runs or (5 if args.quick else 20)
    args.import_rows = args.import_rows or (10_000 if args.quick else 100_000)
    args.capture_seconds = args.capture_seconds or (3.0 if args.quick else 5.0)
    args.capture_rounds = args.capture_rounds or (3 if args.quick else 5)
    args.alert_captures = args.alert_captures or (20 if args.quick else 60)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    return args


def _environment():
    """Production-like settings for the measured process and its subprocesses."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DEBUG", "0")
    if os.environ["DEBUG"].lower() in ("1", "true", "yes", "on"):
        os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory: not what production runs
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # the client speaks plain HTTP to 127.0.0.1
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        # A database of its own, so queued tasks of bench data never reach a worker of other data.
        db = os.environ.get("BENCH_REDIS_DB", "15")  # another number lets two benchmark runs share one Redis
        base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url
        os.environ["REDIS_URL"] = f"{base}/{db}"
        # The cache too (crm.settings would take the next number, 16, which a default Redis lacks):
        # the bench flushes this database before a run and runs no worker, so sharing it is safe.
        os.environ["REDIS_CACHE_URL"] = f"{base}/{db}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("VAR_DIR", str(BENCH_DIR.parent / "var" / "bench"))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        now = "unset, which means SQLite" if not url else f"{url.split(':')[0]}://…"
        print(
            "make bench measures PostgreSQL and refuses SQLite or any other database: "
            f"set DATABASE_URL=postgres://user@host:5432/name (DATABASE_URL is {now}).",
            file=sys.stderr,
        )
        return 2
    _environment()
    import django

    django.setup()
    from bench import runner

    started = time.perf_counter()
    try:
        results = runner.run(args)
    except runner.CHECK_FAILURES as failure:
        print(
            f"make bench: a measured request did not do what it should, so no figure is written: {failure}",
            file=sys.stderr,
        )
        return 1
    results["seconds"] = round(time.perf_counter() - started, 1)
    if args.seed_only:
        return 0
    runner.write(results, Path(args.output), merge=args.merge)
    return 0


if __name__ == "__main__":
    sys.exit(main())
