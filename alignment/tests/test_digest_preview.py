"""A manager previews the digest of the week in progress, per audience, before it is sent on Monday."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from alignment.digests import OWN_SPEED_MARKER
from alignment.models import Digest
from handoffs.services import handoff_create
from leads.models import Lead
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

THURSDAY = datetime.datetime(2026, 3, 5, 12, 0, tzinfo=datetime.UTC)  # in ISO week 2026-W10


@pytest.fixture
def week_in_progress(users):
    with time_machine.travel(THURSDAY, tick=False):
        handoff_create(lead=LeadFactory(status=Lead.Status.MQL, first_name="Preview"), actor=users["marketing"])
        yield


@pytest.mark.parametrize(
    ("audience", "shows", "hides"),
    [
        ("sales", "Pending hand-offs: 1 waiting now", "Campaigns</h2>"),
        ("managers", "Campaigns</h2>", None),
        ("marketing", "What became of the hand-offs", "Pending hand-offs"),
    ],
)
def test_a_manager_previews_each_audiences_digest_of_this_week(client, users, week_in_progress, audience, shows, hides):
    client.force_login(users["managers"])
    response = client.get(reverse("digest-preview"), {"audience": audience})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Tandem {audience} digest 2026-W10:" in html
    body = response.context["html_body"]
    assert OWN_SPEED_MARKER not in body and OWN_SPEED_MARKER not in response.context["text_body"]
    if shows:
        assert shows in body
    if hides:
        assert hides not in body
    assert not Digest.objects.exists(), "a preview stores nothing and sends nothing"


def test_the_preview_refuses_an_unknown_audience(client, users):
    client.force_login(users["managers"])
    assert client.get(reverse("digest-preview"), {"audience": "everyone"}).status_code == 400


@pytest.mark.parametrize("role", ["marketing", "sales", "norole"])
def test_only_managers_preview_digests(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("digest-preview"), {"audience": "sales"}).status_code == 403


def test_the_archive_links_managers_to_the_preview(client, users):
    client.force_login(users["managers"])
    assert 'data-testid="digest-preview-link"' in client.get(reverse("digest-list")).content.decode()
    client.force_login(users["marketing"])
    assert 'data-testid="digest-preview-link"' not in client.get(reverse("digest-list")).content.decode()
