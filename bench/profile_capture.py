"""Where a capture request's time goes, in-process: ``python -m bench.profile_capture``.

On a scratch copy of the --quick data set (seeded by ``make bench ARGS="--quick"`` first), the
capture endpoint and the minimal insert view (bench/urls.py) are each posted ``--requests``
times through Django's full WSGI stack and middleware (the test client's handler), new e-mails
only and then a known one; per request it prints the SQL statements (BEGIN and COMMIT
included), the Redis round trips and the wall time, and with ``--profile`` the functions that
took the endpoint's time (cProfile, sorted by own time). bench/NOTES.md quotes its output.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time


def _count_redis_round_trips():
    """Count every command batch sent to Redis (a pipeline is one round trip)."""
    import redis.connection

    counter = {"n": 0}
    original = redis.connection.AbstractConnection.send_packed_command

    def counted(self, command, check_health=True):
        counter["n"] += 1
        return original(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = counted
    return counter


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.profile_capture", description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=50_000, help="the data set (default: --quick's 50,000)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="cProfile the endpoint's loop and print the top")
    parser.add_argument("--sort", default="tottime", help="the profile's order: tottime (own time) or cumulative")
    parser.add_argument("--top", type=int, default=30, help="functions of the profile printed")
    args = parser.parse_args(argv)
    from bench.__main__ import _environment

    _environment()
    os.environ.setdefault("CAPTURE_IP_RATE", "1000000/minute")
    os.environ.setdefault("CAPTURE_FORM_RATE", "1000000/minute")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench import harness
    from bench.seed import Shape

    redis_trips = _count_redis_round_trips()
    main_db = harness.prepare(Shape(leads=args.leads, seed=7), out=print)
    token = str(int(time.time()))
    with harness.scratch_copy(main_db):
        client = Client()
        cases = {
            "minimal view": ("/bench/minimal-capture/", "application/x-www-form-urlencoded", False),
            "capture endpoint": ("/api/v1/capture/benchform/", "application/json", True),
        }

        def post(path, content_type, as_json, email):
            if as_json:
                body = (
                    f'{{"email":"{email}","first_name":"Vi","last_name":"Sitor","company":"Loopback Ltd",'
                    '"utm_source":"google","utm_medium":"cpc","utm_campaign":"c00001"}'
                )
            else:
                body = f"email={email}&first_name=Vi&last_name=Sitor&company=Loopback+Ltd"
            return client.generic("POST", path, body, content_type=content_type)

        for name, (path, content_type, as_json) in cases.items():
            for n in range(20):  # warm caches and compiled queries
                post(path, content_type, as_json, f"warm{token}-{name[0]}-{n}@visitors.example")
            for label, email in (("new e-mail", f"one{token}-{name[0]}@visitors.example"), ("known e-mail", None)):
                if email is None:
                    if not as_json:
                        continue  # the minimal view cannot dedupe
                    email = f"one{token}-{name[0]}@visitors.example"
                before = redis_trips["n"]
                with CaptureQueriesContext(connection) as queries:
                    response = post(path, content_type, as_json, email)
                print(
                    f"{name}, {label}: {response.status_code}, {len(queries.captured_queries)} statements, "
                    f"{redis_trips['n'] - before} Redis round trips"
                )
                for query in queries.captured_queries:
                    print(f"    {query['time']}s  {query['sql'][:150]}")
            profiler = cProfile.Profile() if (args.profile and as_json) else None
            started = time.perf_counter()
            cpu = time.process_time()
            if profiler:
                profiler.enable()
            for n in range(args.requests):
                response = post(path, content_type, as_json, f"loop{token}-{name[0]}-{n}@visitors.example")
                assert response.status_code == 201, response.status_code
            if profiler:
                profiler.disable()
            wall = (time.perf_counter() - started) / args.requests * 1000
            python = (time.process_time() - cpu) / args.requests * 1000
            print(f"{name}: {wall:.2f} ms a request (wall), {python:.2f} ms of this process's CPU")
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
                print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
