"""A UTF-8 import with stray bytes of another encoding keeps its good rows right and names the
bad lines; control characters never reach a name, whichever way the lead comes in."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from crm.validators import validate_name_text
from leads import importing
from leads.models import ImportJob, Lead
from leads.services import lead_capture, lead_update
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run(raw):
    job = importing.import_job_create(file=ContentFile(raw, name="leads.csv"), actor=None, run_in_background=False)
    return importing.import_job_run(job=job)


def test_stray_latin1_bytes_in_a_utf8_file_refuse_their_lines_and_keep_the_others_right():
    raw = (
        b"email,first name,company\n"
        + "zoe@example.com,Zoë,Öko GmbH\n".encode()
        + b"jose@example.com,Jos"
        + b"\xe9,Caf\xe9 Ltd\n"  # pasted from a latin-1 export
        + "li@example.com,李,Ünal & Co\n".encode()
        + b"ren\xe9@example.com,Ren\xe9,\n"
    )
    job = run(raw)
    assert job.state == ImportJob.State.DONE, job.message
    assert dict(Lead.objects.values_list("email", "first_name")) == {"zoe@example.com": "Zoë", "li@example.com": "李"}
    assert Lead.objects.get(email="li@example.com").company == "Ünal & Co"
    assert [error["line"] for error in job.errors] == [3, 5]
    assert all("not UTF-8" in error["errors"] for error in job.errors)
    assert job.errors[1]["email"] == "ren\ufffd@example.com"
    assert (job.created_leads, job.error_rows) == (2, 2)
    assert "some lines in another encoding" in job.message


def test_a_file_wholly_in_cp1252_is_still_read_as_cp1252():
    job = run("email,first name\nzoe@example.com,Zoë\n".encode("cp1252"))
    assert "cp1252" in job.message and not job.errors
    assert Lead.objects.get().first_name == "Zoë"


@pytest.mark.parametrize("char", ["\x01", "\t", "\n", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_are_refused_in_every_name_field(char):
    with pytest.raises(ValidationError):
        validate_name_text(f"Ada{char}Lovelace")
    for field in ("first_name", "last_name", "company", "title"):
        with pytest.raises(ValidationError) as info:
            lead_capture(data={"email": "ada@example.com", field: f"Ada{char}Lovelace"})
        assert list(info.value.message_dict) == [field]
    assert not Lead.objects.exists()
    lead = LeadFactory(first_name="Ada")
    with pytest.raises(ValidationError):
        lead_update(lead=lead, actor=None, first_name=f"Eve{char}Adams")
    lead.refresh_from_db()
    assert lead.first_name == "Ada"


def test_names_in_any_script_are_accepted():
    for name in ("Zoë", "李小龙", "Ólafur", "O'Brien-Smith", "Ŝaŭlo"):
        validate_name_text(name)


def test_the_capture_api_answers_400_for_a_control_character(users):
    client = APIClient()
    client.force_authenticate(users["marketing"])
    response = client.post("/api/v1/leads/", {"email": "ada@example.com", "last_name": "Love\x1blace"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["last_name"]
    assert not Lead.objects.exists()


def test_a_header_with_stray_bytes_fails_with_a_readable_message():
    job = run("Prénom,Soci".encode() + b"\xe9t\xe9\nZo\xc3\xab,X\n")
    assert job.state == ImportJob.State.FAILED
    assert "No e-mail column" in job.message and "Soci\ufffdt\ufffd" in job.message
