"""Every page and export renders when each nullable relation is empty.

A hand-off nobody could take (every rep at capacity), a lead whose campaign was deleted, a task
whose assignee left: each nullable foreign key is a state the data reaches. The world of the
access walk gets one row in every answered state, then every nullable foreign key of every row
is set to NULL (one column at a time, kept where a constraint forbids it), and every page, export
and API read is opened as every role: none may answer 5xx.
"""

import datetime
import pathlib
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.security.policy import PAGES
from tests.security.test_access_pages import PAGE_ROUTES, page_url
from tests.security.world import ROLE_NAMES

PROJECT_APPS = ("crm", "campaigns", "leads", "handoffs", "alignment")

# Query strings that switch a page to another template or another set of rows.
VARIANTS = {
    "handoffs:inbox": ("", "?scope=team", "?scope=mine", "?scope=team&outcome=rejected", "?apage=1"),
    "handoffs:export": ("", "?scope=team", "?outcome=rejected"),
    "home": ("", "?week=2026-W10"),
    "dashboard-campaigns-csv": ("", "?week=2026-W10"),
    "leads:detail": ("", "?timeline=all"),
    "leads:list": ("", "?status=won", "?status=lost"),
}
API_READS = (
    "/api/v1/leads/",
    "/api/v1/handoffs/",
    "/api/v1/campaigns/",
    "/api/v1/forms/",
    "/api/v1/reports/weekly/?week=2026-W10",
)


def _answered_rows(world):
    """Add the rows the access world lacks: answered hand-offs, a won and a lost lead, their history."""
    from alignment.models import DigestDelivery, QuarterlyGoal
    from handoffs.models import Handoff, SalesRep
    from leads.models import Activity, Lead, StatusChange, Touchpoint

    users = world.users
    now = timezone.now()
    deadline = now + datetime.timedelta(hours=24)
    for number, (outcome, reason) in enumerate(
        [(Handoff.Outcome.REJECTED, Handoff.RejectReason.NOT_READY), (Handoff.Outcome.ACCEPTED, "")]
    ):
        lead = Lead.objects.create(
            email=f"answered-{number}@example.com",
            first_name="Answered",
            status=Lead.Status.RECYCLED if reason else Lead.Status.SAL,
            owner=users["sales"],
            first_touch_campaign=world.campaign,
            last_touch_campaign=world.campaign,
        )
        Handoff.objects.create(
            lead=lead,
            assigned_to=users["sales"],
            created_by=users["marketing"],
            responded_by=users["managers"],
            accept_deadline=deadline,
            outcome=outcome,
            reject_reason=reason,
            feedback="Call back in March." if reason else "",
            responded_at=now,
            first_contact_deadline=deadline,
        )
        StatusChange.objects.create(lead=lead, from_status="mql", to_status=lead.status, changed_by=users["sales"])
    won = Lead.objects.create(
        email="won@example.com",
        status=Lead.Status.WON,
        deal_value=1200,
        owner=users["sales"],
        last_touch_campaign=world.campaign,
    )
    Lead.objects.create(email="lost@example.com", status=Lead.Status.LOST, lost_reason="price", owner=users["sales"])
    Touchpoint.objects.create(
        lead=won,
        campaign=world.campaign,
        variant=world.variant,
        form=world.capture_form,
        recorded_by=users["marketing"],
    )
    Activity.objects.create(lead=won, kind=Activity.Kind.CALL, user=users["sales"], subject="Intro")
    DigestDelivery.objects.create(
        digest=world.digest, channel=DigestDelivery.Channel.EMAIL, recipient="sid@example.com", user=users["sales"]
    )
    QuarterlyGoal.objects.create(year=2026, quarter=1, mqls=10, updated_by=users["managers"])
    SalesRep.objects.get_or_create(user=users["sales"])


def _null_every_nullable_relation():
    """Set each nullable foreign key of every project row to NULL; return the columns a constraint kept."""
    kept = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if not (field.is_relation and field.null):
                continue
            try:
                with transaction.atomic():
                    model._base_manager.update(**{field.name: None})
            except IntegrityError:
                kept.append(f"{model.__name__}.{field.name}")
    return kept


@pytest.fixture
def empty_world(world):
    _answered_rows(world)
    kept = _null_every_nullable_relation()
    assert not kept, f"a constraint refused NULL on {kept}: the field should not be nullable"
    return world


def test_the_world_has_every_nullable_relation_empty(empty_world):
    from handoffs.models import Handoff

    assert Handoff.objects.filter(outcome=Handoff.Outcome.REJECTED, assigned_to=None).exists()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.null:
                assert not model._base_manager.filter(**{f"{field.name}__isnull": False}).exists(), field


def _page_urls(world):
    for name, route in sorted(PAGE_ROUTES.items(), key=lambda item: str(item[0])):
        rule = PAGES.get(name)
        if rule is None or rule.get is None:
            continue
        base = page_url(route, rule, world)
        for query in VARIANTS.get(name, ("",)):
            yield base + query


@pytest.fixture
def quiet_clients(empty_world):
    """Clients that answer a server error as a 500 instead of raising it, so one run lists them all."""
    result = {}
    for role in ROLE_NAMES:
        result[role] = Client(raise_request_exception=False)
        if role != "anonymous":
            result[role].force_login(empty_world.users[role])
    return result


def test_every_page_export_and_api_read_renders_for_every_role(empty_world, quiet_clients):
    urls = list(_page_urls(empty_world)) + [reverse("leads:detail", kwargs={"pk": pk}) for pk in _lead_pks()]
    urls += list(API_READS)
    assert any(url.startswith("/handoffs/?scope=team") for url in urls)
    problems = []
    for role in ROLE_NAMES:
        for url in urls:
            response = quiet_clients[role].get(url)
            if response.status_code >= 500:
                problems.append(f"GET {url} as {role}: {response.status_code}")
            elif response.streaming:
                try:
                    b"".join(response.streaming_content)
                except Exception as error:  # an export can fail while it streams, after its 200
                    problems.append(f"GET {url} as {role}: {error!r} while streaming")
    assert not problems, "\n".join(problems)


def _lead_pks():
    from leads.models import Lead

    return list(Lead.objects.values_list("pk", flat=True))


# A filter argument is resolved strictly: ``|default:a.b.c`` raises when ``a.b`` is empty, and a
# default is written exactly where something may be missing.
_RELATION_IN_FILTER_ARGUMENT = re.compile(r"\|default(_if_none)?:(\w+\.){2,}\w+")


def test_no_template_follows_a_relation_inside_a_filter_argument():
    found = []
    for path in sorted(pathlib.Path(settings.BASE_DIR, "templates").rglob("*")):
        if path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _RELATION_IN_FILTER_ARGUMENT.search(line):
                    found.append(f"{path.relative_to(settings.BASE_DIR)}:{number}")
    assert not found, f"use the `person` filter (crm/templatetags/display.py) or an {{% if %}}: {found}"
