"""Queue a Celery task by its name, so that a service never imports the tasks module that calls it.

Tasks call services; services that need work done later name the task instead of importing it
(``enqueue_on_commit("leads.tasks.import_run", job.pk)``). The name is the task's wire name, the
one the worker registers, so a rename shows up as a ``KeyError`` in the tests, not in production.
"""

from django.db import transaction

from crm.celery import app


def task(name):
    """Return the registered task called ``name``, importing the apps' task modules if needed."""
    try:
        return app.tasks[name]
    except KeyError:
        # Autodiscovery is lazy: it runs when the default modules are imported (the worker does
        # this at start; a web process does it here, once).
        app.loader.import_default_modules()
        return app.tasks[name]


def enqueue(name, *args, **options):
    """Send the task ``name`` with positional ``args`` now (eager in the tests, as any task).

    Celery ``options`` (``countdown``, ``queue``…) go to ``apply_async``; without any, the task's
    ``delay`` sends it, as a caller holding the task would.
    """
    found = task(name)
    return found.apply_async(args=args, **options) if options else found.delay(*args)


def enqueue_on_commit(name, *args, robust=False, **options):
    """Send the task ``name`` once the current transaction commits (at once outside one).

    ``robust=True``: a broker that refuses the message is logged and does not undo the commit;
    a periodic scan must catch the work up.
    """
    transaction.on_commit(lambda: enqueue(name, *args, **options), robust=robust)
