"""Concurrent writers on PostgreSQL, with real connections in threads.

* Two people edit one lead from the same version: one wins, the other is told StaleLead with the
  fresh row; nothing is half-applied, nothing silently overwritten.
* Two imports of one file at once: one lead per e-mail, and each job's rows recorded once — the
  touchpoints are exactly the two jobs' own rows (2 × the file's good rows), never more.
* One import job run twice at once (a redelivered task while the first still runs): every row once.

Two reps answering one hand-off at once is proven by handoffs/tests/test_races.py
(test_accept_and_reject_at_once_one_wins_and_the_lead_moves_once).
"""

import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 5


def run_together(*functions):
    """Run the functions in threads released at the same instant; return their results or exceptions."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait(timeout=30)
            results[index] = function()
        except Exception as exc:  # the outcome under test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a writer is stuck (a deadlock?)"
    return results


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_edits_from_one_version_one_wins_and_the_other_is_told(users, round_):
    from leads.models import Lead, StatusChange
    from leads.services import StaleLead, lead_transition, lead_update

    lead = Lead.objects.create(email=f"race{round_}@example.com", company="Old", status="sal", owner=users["sales"])
    seen = lead.version

    def edit():
        return lead_update(lead=Lead.objects.get(pk=lead.pk), actor=users["marketing"], version=seen, company="New")

    def move():
        return lead_transition(
            lead=Lead.objects.get(pk=lead.pk),
            to_status="sql",
            actor=users["sales"],
            version=seen,
            note="call went well",
        )

    results = run_together(edit, move)
    stale = [result for result in results if isinstance(result, StaleLead)]
    assert len(stale) == 1, results
    assert not [result for result in results if isinstance(result, Exception) and not isinstance(result, StaleLead)]
    assert stale[0].current.version == seen + 1  # the loser is shown the winner's row
    lead.refresh_from_db()
    assert lead.version == seen + 1
    edit_won = isinstance(results[1], StaleLead)
    # Exactly the winner's change is in the row, and only the winner wrote history.
    assert (lead.company, lead.status) == (("New", "sal") if edit_won else ("Old", "sql"))
    assert StatusChange.objects.filter(lead=lead).count() == (0 if edit_won else 1)


FILE = "email,first_name\r\n" + "".join(f"twin{n}@example.com,T{n}\r\n" for n in range(300)) + "bad-row,X\r\n"
ROWS, GOOD = 301, 300


def _job(name):
    from leads import importing

    return importing.import_job_create(file=ContentFile(FILE.encode(), name=name), actor=None, run_in_background=False)


def test_two_imports_of_one_file_at_once_make_one_lead_per_email_and_only_their_own_touches(db):
    from leads import importing
    from leads.models import ImportJob, Lead, Touchpoint

    first, second = _job("a.csv"), _job("b.csv")
    results = run_together(
        lambda: importing.import_job_run(job=first, batch_size=50),
        lambda: importing.import_job_run(job=second, batch_size=50),
    )
    assert not [result for result in results if isinstance(result, Exception)], results
    jobs = list(ImportJob.objects.filter(pk__in=[first.pk, second.pk]))
    assert [job.state for job in jobs] == ["done", "done"]
    assert Lead.objects.count() == GOOD
    assert Touchpoint.objects.filter(kind="import").count() == 2 * GOOD
    assert sum(job.created_leads for job in jobs) == GOOD  # each e-mail created by exactly one job
    assert sum(job.updated_leads for job in jobs) == GOOD  # and touched by the other
    assert [job.error_rows for job in jobs] == [1, 1]


def test_one_job_run_twice_at_once_imports_every_row_once(db):
    from leads import importing
    from leads.models import ImportJob, Lead, Touchpoint

    job = _job("same.csv")
    results = run_together(
        lambda: importing.import_job_run(job=job, batch_size=50),
        lambda: importing.import_job_run(job=job, batch_size=50),
    )
    assert not [result for result in results if isinstance(result, Exception)], results
    job = ImportJob.objects.get(pk=job.pk)
    assert (job.state, job.processed_rows, job.created_leads, job.error_rows) == ("done", ROWS, GOOD, 1)
    assert Lead.objects.count() == GOOD
    assert Touchpoint.objects.filter(kind="import").count() == GOOD
