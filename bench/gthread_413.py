"""Does a 413 to an oversized capture disturb other clients' kept-alive connections?
``python -m bench.gthread_413`` (on the --quick data set, seeded by ``make bench ARGS="--quick"``).

Issue 16 point 15: under gunicorn's gthread workers, answering 413 to an oversized capture
(the endpoint refuses a body over 16 KB by its Content-Length, without reading it) was seen to
make the worker drop other clients' kept-alive connections for about 2 s. This script serves
the app under the Procfile's sync workers and under gthread, keeps ``--clients`` connections
alive with a GET each, sends one oversized capture from another connection, and then has every
kept-alive client ask again on its own connection: it prints, per worker class, how many of
those requests failed (connection dropped or reset) and the slowest answer, before and after
the 413. Sync workers answer one request per connection (``Connection: close``), so there is
no kept-alive connection to lose: the Procfile's web process must stay on sync workers (a test
in tests/bench reads it); README, Deployment, says so.
"""

import argparse
import http.client
import statistics
import sys
import threading
import time

OVERSIZED = 1024 * 1024  # larger than the sockets' buffers: the client is still sending when the 413 comes


def _get(conn):
    """One GET on the client's own connection; return (ok, seconds, error)."""
    started = time.perf_counter()
    try:
        conn.request("GET", "/healthz/")
        response = conn.getresponse()
        response.read()
        return response.status == 200, time.perf_counter() - started, None
    except (OSError, http.client.HTTPException) as error:
        conn.close()  # the next request opens a new connection, as a browser would
        return False, time.perf_counter() - started, error.__class__.__name__


def _oversized(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = b'{"email": "big@visitors.example", "page_url": "' + b"x" * OVERSIZED + b'"}'
    try:
        conn.request("POST", "/api/v1/capture/benchform/", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as error:
        return error.__class__.__name__
    finally:
        conn.close()


def _keep_asking(port, stop, samples, since):
    """A kept-alive client: GET after GET on one connection until ``stop``; (ok, s, error, at)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        while not stop.is_set():
            ok, seconds, error = _get(conn)
            samples.append((ok, seconds, error, time.monotonic() - since))
            time.sleep(0.05)
    finally:
        conn.close()


def trial(port, *, clients, rounds):
    """Return the failures and timings of the kept-alive clients before and after each 413
    (the 2.5 s after it), while they keep asking on their own connections."""
    stop, samples, answers, sent_at = threading.Event(), [], [], []
    since = time.monotonic()
    threads = [threading.Thread(target=_keep_asking, args=(port, stop, samples, since)) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(rounds):
            time.sleep(1.0)
            sent_at.append(time.monotonic() - since)
            answers.append(_oversized(port))
            time.sleep(2.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    first = sent_at[0]
    before = [s[:3] for s in samples if s[3] < first]
    after = [s[:3] for s in samples if any(at <= s[3] <= at + 2.5 for at in sent_at)]
    errors = [error for ok, _, error in after if not ok]
    for ok, _, error in after:
        if not ok:
            errors.append(error)

    def summary(samples):
        times = [seconds for _, seconds, _ in samples]
        return {
            "failed": sum(1 for ok, _, _ in samples if not ok),
            "median_ms": round(statistics.median(times) * 1000, 1),
            "max_ms": round(max(times) * 1000, 1),
        }

    return {"413 answers": answers, "before": summary(before), "after": summary(after), "errors": sorted(set(errors))}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.gthread_413", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--leads", type=int, default=50_000, help="the data set (default: --quick's 50,000)")
    args = parser.parse_args(argv)
    from bench.__main__ import _environment

    _environment()
    import django

    django.setup()
    from bench import harness
    from bench.capture import Gunicorn
    from bench.seed import Shape

    harness.prepare(Shape(leads=args.leads, seed=7), out=print)
    modes = {
        "sync (the Procfile's)": [],
        "gthread, 4 threads": ["--worker-class", "gthread", "--threads", "4"],
    }
    for name, worker_args in modes.items():
        with Gunicorn(workers=1, worker_args=worker_args) as server:
            result = trial(server.port, clients=args.clients, rounds=args.rounds)
        print(f"{name}: {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
