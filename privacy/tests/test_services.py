"""Export and erasure of one person's data: what goes, what stays, what the trail keeps."""

import json

import pytest
from rest_framework.test import APIClient

from alignment.models import WeekRollup
from crm.models import AuditEntry, AuditPersonalValues
from handoffs.models import Handoff
from leads.models import Activity, Lead, StatusChange, Touchpoint
from leads.services import lead_capture, lead_merge
from leads.tests.factories import LeadFactory
from privacy.services import AlreadyErased, erased_email, person_erase, person_export

pytestmark = pytest.mark.django_db

PERSONAL_VALUES = ("Ada", "ada@example.com", "Initech", "7946", "pricing?ref=ada", "asked for a demo", "mobile works")


def test_the_export_holds_the_lead_its_rows_in_every_app_and_its_trail(history):
    data = json.loads(json.dumps(person_export(lead=history.ada)))
    assert data["lead"]["email"] == "ada@example.com"
    assert {t["page_url"] for t in data["related"]["leads.touchpoint"]} == {
        "https://example.com/pricing?ref=ada",
        "https://example.com/demo",
    }
    assert data["related"]["handoffs.handoff"][0]["context_note"] == "Ada asked for a demo"
    assert data["related"]["leads.activity"][0]["body"] == "Ada's mobile works"
    assert [c["to_status"] for c in data["related"]["leads.statuschange"]] == ["mql", "sal", "sql", "won"]
    # The trail, with the personal values it kept apart put back.
    edit = next(e for e in data["audit_trail"] if e["action"] == "updated" and e["object"].startswith("lead"))
    assert edit["changes"]["title"] == {"old": "CTO", "new": "Chief Technology Officer"}
    assert not any("bob" in json.dumps(value) for value in data.values())


def test_erasure_replaces_personal_data_and_keeps_the_counted_rows(history, users):
    ada = history.ada
    counts = {model: model.objects.filter(lead=ada).count() for model in (Touchpoint, StatusChange, Activity, Handoff)}
    person_erase(lead=ada, actor=users["managers"])
    ada.refresh_from_db()
    assert (ada.first_name, ada.last_name, ada.phone, ada.company, ada.title) == ("", "", "", "", "")
    assert ada.email == erased_email(ada.pk)
    assert (ada.status, str(ada.deal_value), ada.source) == ("won", "4200.00", "paid_search")
    assert {model: model.objects.filter(lead=ada).count() for model in counts} == counts
    assert set(Touchpoint.objects.filter(lead=ada).values_list("page_url", flat=True)) == {""}
    assert Handoff.objects.get(lead=ada).context_note == "[erased]"
    assert Activity.objects.get(lead=ada, kind="call").body == "[erased]"
    assert "Ada has budget" not in StatusChange.objects.filter(lead=ada).values_list("note", flat=True)
    # Nothing in the export, the lead or the trail still names the person.
    about_ada = AuditEntry.objects.filter(object_id=str(ada.pk)) | AuditEntry.objects.filter(parent_id=str(ada.pk))
    everything = json.dumps(person_export(lead=ada)) + json.dumps(list(about_ada.values()), default=str)
    everything += json.dumps(list(AuditPersonalValues.objects.filter(lead_id=ada.pk).values()), default=str)
    for value in PERSONAL_VALUES:
        assert value not in everything, (value, everything[everything.find(value) - 200 : everything.find(value) + 50])
    # Bob and Cyd are untouched.
    history.cyd.refresh_from_db()
    assert history.cyd.first_name == "Cyd"
    assert AuditPersonalValues.objects.filter(lead_id=history.bob.pk).exists()


def test_the_erasure_is_in_the_trail_without_the_values(history, users):
    person_erase(lead=history.ada, actor=users["managers"])
    entry = AuditEntry.objects.get(object_type="lead", object_id=str(history.ada.pk), action="erased")
    assert entry.actor_label == "max"
    assert entry.changes["fields"]["new"] == ["first_name", "last_name", "email", "phone", "company", "title"]
    assert "Ada" not in json.dumps(entry.changes)
    # The entries before it still say what changed, not to what.
    edit = AuditEntry.objects.filter(object_type="lead", object_id=str(history.ada.pk), action="updated").first()
    assert ("title", None, None, True) in edit.field_changes()
    assert ("industry", "", "software", False) in edit.field_changes()


def test_a_lead_is_erased_once(history, users):
    person_erase(lead=history.ada, actor=users["managers"])
    with pytest.raises(AlreadyErased):
        person_erase(lead=history.ada, actor=users["managers"])


def test_a_capture_with_an_erased_email_makes_a_new_lead(history, users):
    person_erase(lead=history.ada, actor=users["managers"])
    result = lead_capture(data={"email": "Ada@example.com", "first_name": "Ada"})
    assert result.created
    assert result.lead.pk != history.ada.pk
    assert Lead.objects.filter(email__iexact="ada@example.com").count() == 1


def test_a_merged_duplicates_email_is_erased_with_its_lead(users):
    survivor, duplicate = LeadFactory(email="ann@example.com"), LeadFactory(email="ann.old@example.com")
    lead_merge(survivor=survivor, duplicate=duplicate, actor=users["managers"])
    person_erase(lead=survivor, actor=users["managers"])
    assert lead_capture(data={"email": "ann.old@example.com"}).created


def _reports(client, weeks):
    # Computed from the rows each time: no stored week may answer for them.
    WeekRollup.objects.all().delete()
    reports = {}
    for week in weeks:
        response = client.get(f"/api/v1/reports/weekly/?week={week.label}")
        assert response.status_code == 200
        reports[week.label] = response.json()
    return reports


def test_every_past_weeks_report_is_unchanged_by_erasure(history, users):
    client = APIClient()
    client.force_authenticate(users["managers"])
    before = _reports(client, history.weeks)
    # The history is real: the weeks hold the people about to be erased.
    assert before[history.weeks[0].label]["new_leads"]["total"] == 2
    assert before[history.weeks[2].label]["outcomes"]["revenue"] == "4200.00"
    assert before[history.weeks[1].label]["handoffs"]["rejected_by_reason"] == {}
    for lead in (history.ada, history.bob):
        response = client.post(f"/api/v1/privacy/leads/{lead.pk}/erase/")
        assert response.status_code == 200, response.content
    assert Lead.objects.get(pk=history.ada.pk).first_name == ""
    assert _reports(client, history.weeks) == before
