"""CSV import: parsing, line numbers, encodings, idempotent and resumable runs, the command."""

import io
import tracemalloc
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import OperationalError

from campaigns.tests.factories import CampaignFactory
from leads import importing
from leads.models import ImportJob, Lead, Touchpoint
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

# Physical lines: 1 header, 2 good, 3 bad e-mail, 4-5 one record (a quoted newline), 6 no e-mail,
# 7 blank, 8 bad country, 9 good.
MIXED = (
    "Email Address,First name,Surname,Company name,Job title,Country,utm_source\r\n"
    "ada@example.com,Ada,Lovelace,Engines,CTO,GB,newsletter\r\n"
    "not-an-email,Bad,Row,X,,,\r\n"
    'bob@example.com,Bob,Smith,Acme,Head of Sales,DE,"news\r\nletter"\r\n'
    ",No,Email,Co,,,\r\n"
    "\r\n"
    'cy@example.com,Cy,Young,"Co, Ltd",,Germany,\r\n'
    "dee@example.com,Dee,Dee,,,,\r\n"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_job(content, *, name="leads.csv", campaign=None, encoding="utf-8"):
    raw = content if isinstance(content, bytes) else content.encode(encoding)
    return importing.import_job_create(
        file=ContentFile(raw, name=name), actor=None, campaign=campaign, run_in_background=False
    )


def run(content, **kwargs):
    return importing.import_job_run(job=make_job(content, **kwargs))


def test_good_rows_become_leads_and_bad_rows_are_listed_by_the_line_they_start_on():
    campaign = CampaignFactory()
    job = run(MIXED, campaign=campaign)
    assert job.state == ImportJob.State.DONE
    assert sorted(Lead.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "bob@example.com",
        "dee@example.com",
    ]
    assert [(e["line"], e["email"]) for e in job.errors] == [(3, "not-an-email"), (6, ""), (8, "cy@example.com")]
    assert "e-mail" in job.errors[0]["errors"] and "valid" in job.errors[0]["errors"]
    assert job.errors[1]["errors"] == "e-mail: missing"
    assert "two-letter country code" in job.errors[2]["errors"]
    assert (job.total_rows, job.processed_rows, job.created_leads, job.updated_leads, job.error_rows) == (7, 7, 3, 0, 3)
    assert job.percent == 100
    bob = Lead.objects.get(email="bob@example.com")
    assert (bob.last_name, bob.title, bob.company, bob.country) == ("Smith", "Head of Sales", "Acme", "DE")
    assert bob.touchpoints.get().utm_source == "news\r\nletter"
    ada = Lead.objects.get(email="ada@example.com")
    assert (ada.first_touch_campaign, ada.source) == (campaign, "email")
    assert set(Touchpoint.objects.values_list("kind", flat=True)) == {"import"}
    assert Touchpoint.objects.filter(campaign=campaign).count() == 3


def test_the_same_file_twice_adds_no_lead():
    run(MIXED)
    again = run(MIXED)
    assert Lead.objects.count() == 3
    assert (again.created_leads, again.updated_leads, again.error_rows) == (0, 3, 3)


def test_a_known_lead_gets_a_touch_and_its_blank_fields_filled():
    LeadFactory(email="ada@example.com", company="", title="")
    job = run("email,company\nADA@example.com,Engines\n")
    assert (job.created_leads, job.updated_leads) == (0, 1)
    assert Lead.objects.get().company == "Engines"


def test_a_utf8_bom_file_is_read():
    job = run("\ufeffE-mail;Vorname\nzoe@example.com;Zoë\n".encode())
    assert job.state == ImportJob.State.DONE, job.message
    assert Lead.objects.get().first_name == "Zoë"


def test_excel_semicolon_csv_in_cp1252_is_read():
    content = "E-mail;Given name;Organisation;Job title\r\nmax@example.com;Jürgen;Müller, Söhne & Co;Head € Ops\r\n"
    job = run(content.encode("cp1252"))
    assert job.state == ImportJob.State.DONE, job.message
    assert "cp1252" in job.message and "semicolon" in job.message
    lead = Lead.objects.get()
    assert (lead.first_name, lead.company, lead.title) == ("Jürgen", "Müller, Söhne & Co", "Head € Ops")


def test_bytes_undefined_in_cp1252_fall_back_to_latin1_and_control_characters_are_refused_by_line():
    job = run(b"email,company\nx@example.com,Caf\xe9 \x81\ny@example.com,Caf\xe9\n")
    assert "latin-1" in job.message
    assert Lead.objects.get().company == "Café"
    assert [(e["line"], e["email"]) for e in job.errors] == [(2, "x@example.com")]
    assert "control characters" in job.errors[0]["errors"]


def test_tab_separated_and_utf16_files_are_read():
    job = run("Mail\tFirstname\tPhone number\nt@example.com\tTess\t+49 1\n".encode("utf-16"))
    assert job.state == ImportJob.State.DONE, job.message
    assert (Lead.objects.get().first_name, Lead.objects.get().phone) == ("Tess", "+49 1")


def test_header_aliases():
    header = ["E-mail", "email address", "Given name", "Surname", "Company name", "Phone number", "utm_source", "X"]
    mapping = importing.map_header(header)
    assert mapping == {
        0: "email",
        2: "first_name",
        3: "last_name",
        4: "company",
        5: "phone",
        6: "utm_source",
    }
    assert importing.map_header(["Mail", "firstname", "Organisation", "Job title"]) == {
        0: "email",
        1: "first_name",
        2: "company",
        3: "title",
    }


def test_a_full_name_column_is_split_when_there_is_no_first_or_last_name():
    run("Name,Email\nGrace Brewster Hopper,grace@example.com\nCher,cher@example.com\n")
    grace = Lead.objects.get(email="grace@example.com")
    assert (grace.first_name, grace.last_name) == ("Grace Brewster", "Hopper")
    assert Lead.objects.get(email="cher@example.com").first_name == "Cher"


def test_a_file_without_an_email_column_fails_with_a_clear_message():
    job = run("Name,Company\nAda,Engines\n")
    assert job.state == ImportJob.State.FAILED
    assert "No e-mail column" in job.message and '"Name", "Company"' in job.message
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"  \r\n\r\n", "empty"), (b"PK\x03\x04\x00\x00binary", "not a CSV text file")],
)
def test_empty_and_binary_files_fail_with_a_clear_message(content, message):
    job = run(content)
    assert job.state == ImportJob.State.FAILED
    assert message in job.message


def test_an_unreadable_record_fails_the_job_before_anything_is_imported():
    previous = importing.csv.field_size_limit(100)
    try:
        job = run('email,company\na@example.com,A\n"b@example.com,' + "x" * 300 + "\n")
    finally:
        importing.csv.field_size_limit(previous)
    assert job.state == ImportJob.State.FAILED
    assert "line 3" in job.message and "quote" in job.message
    assert not Lead.objects.exists()


def test_values_the_database_would_refuse_are_row_errors():
    job = run(
        "email,company size,phone\n"
        "big@example.com,99999999999,1\n"
        f"{'a' * 250}@example.com,1,2\n"
        'ok@example.com,"1,200",3\n'
    )
    assert [(e["line"], e["errors"]) for e in job.errors] == [
        (2, "company size: too large"),
        (3, "e-mail: longer than 254 characters"),
    ]
    assert Lead.objects.get().company_size == 1200


def test_a_nul_character_in_a_row_is_a_row_error():
    assert importing.row_problems({"email": "a@example.com", "company": "A\x00B"}) == ["contains NUL characters"]


def test_the_stored_error_list_is_capped_but_every_error_is_counted(monkeypatch):
    monkeypatch.setattr(importing, "MAX_STORED_ERRORS", 3)
    job = importing.import_job_run(job=make_job("email\n" + "bad\n" * 7), batch_size=2)
    assert job.error_rows == 7
    assert [e["line"] for e in job.errors] == [2, 3, 4]


def test_a_crashed_run_resumes_without_doubling_any_touch():
    content = "email\n" + "".join(f"p{i}@example.com\n" for i in range(5))
    job = make_job(content)
    real = importing.leads_capture_batch
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        result = real(**kwargs)
        if calls["n"] == 2:  # the second batch, after it wrote its leads and touches
            raise OperationalError("server closed the connection unexpectedly")
        return result

    with mock.patch.object(importing, "leads_capture_batch", flaky), pytest.raises(OperationalError):
        importing.import_job_run(job=job, batch_size=2)
    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.created_leads) == (ImportJob.State.RUNNING, 2, 2)
    assert Touchpoint.objects.count() == 2  # the open batch rolled back with its progress
    done = importing.import_job_run(job=job, batch_size=2)
    assert (done.state, done.processed_rows, done.created_leads) == (ImportJob.State.DONE, 5, 5)
    assert Lead.objects.count() == 5
    assert Touchpoint.objects.count() == 5
    # Running a finished job again does nothing.
    importing.import_job_run(job=job, batch_size=2)
    assert Touchpoint.objects.count() == 5


def test_a_second_run_that_read_an_old_position_stops_instead_of_doubling():
    job = make_job("email\na@example.com\nb@example.com\n")
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=1, total_rows=2)  # another run committed row 1
    with pytest.raises(importing.ImportConflict):
        importing._commit_batch(
            job_id=job.pk, position=0, batch=[(2, ["a@example.com"])], mapping={0: "email"}, campaign=None, config=None
        )
    assert not Touchpoint.objects.exists()


def test_parsing_streams_memory_does_not_grow_with_the_file():
    rows = 70_000
    data = ("email,first_name,company\n" + "someone@example.com,Someone,Company Incorporated\n" * rows).encode()
    binary = io.BytesIO(data)
    tracemalloc.start()
    source = importing.open_csv(binary)
    count = sum(1 for _ in source.records())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == rows
    assert len(data) > 3_000_000
    assert peak < 600_000  # a few read buffers, not the 3 MB file


def test_the_task_runs_the_job_once_committed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.import_job_create(file=ContentFile(MIXED.encode(), name="m.csv"), actor=None)
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert Lead.objects.count() == 3


def test_the_task_asks_for_a_retry_on_a_database_outage_and_a_rerun_finishes():
    from celery.exceptions import Retry

    from leads.tasks import import_run

    job = make_job("email\na@example.com\n")
    with (
        mock.patch.object(importing, "import_job_run", side_effect=OperationalError("could not connect")),
        pytest.raises(Retry),
    ):
        import_run.delay(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.QUEUED
    import_run.delay(job.pk)  # the retry, delivered
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert Lead.objects.count() == 1


def test_a_task_that_gives_up_marks_the_job_failed():
    from leads.tasks import import_run

    job = make_job("email\na@example.com\n")
    with (
        mock.patch.object(importing, "import_job_run", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        import_run.delay(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert "unexpected error" in job.message


def test_the_command_imports_and_prints_the_summary_and_bad_lines(tmp_path):
    campaign = CampaignFactory(slug="fair-2026")
    path = tmp_path / "fair.csv"
    path.write_text(MIXED)
    out = io.StringIO()
    call_command("import_leads", str(path), "--campaign", "fair-2026", stdout=out)
    text = out.getvalue()
    assert "3 new leads" in text and "3 rows refused" in text
    assert "line 3: not-an-email" in text and "line 6: (no e-mail)" in text and "line 8: cy@example.com" in text
    assert Lead.objects.filter(first_touch_campaign=campaign).count() == 3
    assert ImportJob.objects.get().state == ImportJob.State.DONE


def test_the_command_refuses_a_missing_file_an_unknown_campaign_and_a_file_without_emails(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_leads", str(tmp_path / "nope.csv"))
    path = tmp_path / "a.csv"
    path.write_text("email\na@example.com\n")
    with pytest.raises(CommandError, match="No campaign"):
        call_command("import_leads", str(path), "--campaign", "nope")
    path.write_text("name\nAda\n")
    with pytest.raises(CommandError, match="No e-mail column"):
        call_command("import_leads", str(path), stdout=io.StringIO())


def test_error_report_rows_are_spreadsheet_safe():
    from campaigns.exporting import stream_csv

    job = run("email\n=HYPERLINK(1)\n")
    response = stream_csv(importing.import_error_rows(job), "e.csv", header=importing.ERROR_HEADER)
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "line,email,errors"
    assert lines[1].startswith("2,'=HYPERLINK(1),")
