"""Names refuse the Unicode controls that reorder displayed text (display spoofing).

"Invoice‮fdp.exe" shows as "Invoiceexe.pdf": a name holding a right-to-left override lies on
every page, e-mail and export that shows it. Every name field refuses them
(crm.validators.refuse_bidi_controls), whichever way the name arrives.
"""

import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from crm.validators import refuse_bidi_controls

CONTROLS = [
    "\u202e",
    "\u202d",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]
SPOOF = "Invoice\u202efdp.exe"
PROJECT_APPS = ("campaigns", "leads", "handoffs", "alignment")
NAME_FIELDS = {"name", "first_name", "last_name", "company", "title"}


@pytest.mark.parametrize("char", CONTROLS)
def test_every_direction_control_is_refused(char):
    with pytest.raises(ValidationError):
        refuse_bidi_controls(f"Ada{char}Lovelace")


@pytest.mark.parametrize("name", ["Ada Lovelace", "محمد", "שרה כהן", "Zoë O'Brien", ""])
def test_names_in_any_script_are_accepted(name):
    refuse_bidi_controls(name)


def test_every_name_field_of_every_model_refuses_them():
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if field.name in NAME_FIELDS and refuse_bidi_controls not in field.validators:
                missing.append(f"{model.__name__}.{field.name}")
    assert not missing, f"add validators=[refuse_bidi_controls] to {missing}"


@pytest.fixture
def marketer(users):
    client = Client()
    client.force_login(users["marketing"])
    return client


def _json(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_the_api_refuses_spoofed_lead_and_campaign_names(marketer):
    from campaigns.models import Campaign
    from leads.models import Lead

    response = _json(marketer, "post", "/api/v1/leads/", {"email": "spoof@example.com", "first_name": SPOOF})
    assert response.status_code == 400
    assert "first_name" in response.json()
    assert not Lead.objects.filter(email="spoof@example.com").exists()

    lead = Lead.objects.create(email="plain@example.com")
    response = _json(marketer, "patch", f"/api/v1/leads/{lead.pk}/", {"company": SPOOF})
    assert response.status_code == 400
    lead.refresh_from_db()
    assert lead.company == ""

    body = {"name": SPOOF, "utm_campaign": "spoof", "channel": "webinar", "start_date": "2026-03-02"}
    response = _json(marketer, "post", "/api/v1/campaigns/", body)
    assert response.status_code == 400
    assert "name" in response.json()
    assert not Campaign.objects.filter(utm_campaign="spoof").exists()


@pytest.mark.django_db
def test_the_capture_endpoint_refuses_a_spoofed_name(client):
    from leads.models import Lead
    from leads.tests.factories import CaptureFormFactory

    form = CaptureFormFactory()
    response = _json(client, "post", f"/api/v1/capture/{form.key}/", {"email": "c@example.com", "last_name": SPOOF})
    assert response.status_code == 400
    assert not Lead.objects.filter(email="c@example.com").exists()


@pytest.mark.django_db
def test_the_pages_refuse_spoofed_names(marketer):
    from campaigns.models import Campaign
    from leads.models import Lead

    response = marketer.post(reverse("leads:create"), {"email": "page@example.com", "first_name": SPOOF})
    assert response.status_code in (200, 400)
    assert not Lead.objects.filter(email="page@example.com").exists()
    form = {
        "name": SPOOF,
        "utm_campaign": "page-spoof",
        "channel": "webinar",
        "status": "active",
        "start_date": "2026-03-02",
    }
    response = marketer.post(reverse("campaigns:create"), form)
    assert response.status_code in (200, 400)
    assert "direction controls" in response.content.decode()
    assert not Campaign.objects.filter(utm_campaign="page-spoof").exists()


@pytest.mark.django_db
def test_an_import_row_with_a_spoofed_name_is_refused_by_the_shared_service(users):
    from leads.models import Lead, Touchpoint
    from leads.services import lead_capture

    with pytest.raises(ValidationError) as refused:
        lead_capture(
            data={"email": "imp@example.com", "company": SPOOF}, kind=Touchpoint.Kind.IMPORT, actor=users["marketing"]
        )
    assert "company" in refused.value.message_dict
    assert not Lead.objects.filter(email="imp@example.com").exists()


@pytest.mark.django_db
def test_a_users_name_typed_in_the_admin_is_shown_without_direction_controls(users):
    from crm.templatetags.display import person

    user = users["sales"]
    user.first_name, user.last_name = SPOOF, "Rep"
    assert person(user) == "Invoicefdp.exe Rep"
