"""Tasks queued by name: every name a module passes to crm.queue is a task the worker registers."""

import ast
from pathlib import Path

import pytest

from crm import queue

BASE_DIR = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", ".git"}


def queued_names():
    """(file, name) for every string literal passed first to enqueue/enqueue_on_commit/task."""
    found = []
    for path in BASE_DIR.rglob("*.py"):
        if SKIP & set(path.relative_to(BASE_DIR).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if called in {"enqueue", "enqueue_on_commit"} and isinstance(first, ast.Constant):
                found.append((str(path.relative_to(BASE_DIR)), first.value))
    return found


def test_the_scan_finds_the_services_that_queue_by_name():
    names = {name for _, name in queued_names()}
    assert {"leads.tasks.import_run", "handoffs.tasks.send_handoff_notification"} <= names


@pytest.mark.parametrize(("where", "name"), queued_names())
def test_every_queued_name_is_a_registered_task(where, name):
    assert queue.task(name).name == name, f"{where} queues {name!r}, which no tasks module registers"


def test_an_unknown_name_is_an_error_not_a_silent_drop():
    with pytest.raises(KeyError):
        queue.task("leads.tasks.no_such_task")
