"""The Procfile's web process runs gunicorn's sync workers (issue 16, point 15).

Under gthread workers a 413 to an oversized capture was reported to make the worker drop other
clients' kept-alive connections for about 2 s (bench/gthread_413.py tries to reproduce it);
the capture benchmark measures sync workers as the Procfile runs them. So the web line must not
choose another worker class, threads (which switch gunicorn to gthread) or an async worker.
"""

import shlex
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def web_worker_class(procfile_text):
    """Return the gunicorn worker class of the Procfile's web line ("sync" when not chosen)."""
    line = next(line for line in procfile_text.splitlines() if line.startswith("web:"))
    args = shlex.split(line.removeprefix("web:"))
    assert args[0] == "gunicorn", line
    worker_class = "sync"
    for index, arg in enumerate(args):
        if arg in ("-k", "--worker-class"):
            worker_class = args[index + 1]
        elif arg.startswith("--worker-class="):
            worker_class = arg.split("=", 1)[1]
        elif arg == "--threads" or arg.startswith("--threads="):
            value = arg.split("=", 1)[1] if "=" in arg else args[index + 1]
            if int(value) > 1 and worker_class == "sync":
                worker_class = "gthread"  # what gunicorn does with threads > 1
    return worker_class


def test_the_procfile_web_process_uses_sync_workers():
    assert web_worker_class((BASE_DIR / "Procfile").read_text()) == "sync"
    assert not (BASE_DIR / "gunicorn.conf.py").exists()  # no config file choosing another class either


@pytest.mark.parametrize(
    "line",
    [
        "web: gunicorn crm.wsgi --worker-class gthread",
        "web: gunicorn crm.wsgi -k gevent",
        "web: gunicorn crm.wsgi --threads 4",
        "web: gunicorn crm.wsgi --threads=8 --workers 2",
    ],
)
def test_another_worker_class_is_noticed(line):
    assert web_worker_class(line) != "sync"
