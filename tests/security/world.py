"""A small world of objects for the role tests: one of each thing a URL can name.

Built with the models (not the other branches' factories) so that it works whatever has
been merged; every object that two reps could fight over exists once for the rep ``sid``
(``sales``) and once for the other rep ``sue`` (``sales2``).
"""

import datetime
import re
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

ROLE_NAMES = ("anonymous", "marketing", "sales", "sales2", "managers", "norole")


@dataclass
class World:
    users: dict
    campaign: object
    variant: object
    spend: object
    lead: object  # owned by sales (sid)
    lead2: object  # owned by sales2 (sue)
    handoff: object  # pending, assigned to sales (sid)
    handoff2: object  # pending, assigned to sales2 (sue)
    task: object  # a task on ``lead``, assigned to sid
    capture_form: object
    import_job: object
    scoring_rule: object
    digest: object
    extra: dict = field(default_factory=dict)
    webhook_endpoint: object = None
    webhook_delivery: object = None


def build_world(users):
    """Create the objects every URL pattern can point at, and return them."""
    from alignment.models import Audience, Digest
    from campaigns.models import Campaign, Channel, Spend, Variant
    from handoffs.models import Handoff, ServiceLevel
    from leads.models import Activity, CaptureForm, IdealCustomerProfile, ImportJob, Lead, ScoringRule

    now = timezone.now()
    campaign = Campaign.objects.create(
        name="Spring webinar",
        slug="spring-webinar",
        utm_campaign="spring-webinar",
        channel=Channel.WEBINAR,
        status=Campaign.Status.ACTIVE,
        start_date=datetime.date(2026, 3, 2),
        budget=1000,
        owner=users["marketing"],
    )
    variant = Variant.objects.create(campaign=campaign, name="A", utm_content="a")
    spend = Spend.objects.create(campaign=campaign, date=datetime.date(2026, 3, 3), amount=100)
    lead = Lead.objects.create(
        email="owned-by-sid@example.com", first_name="Olga", status=Lead.Status.SAL, owner=users["sales"]
    )
    lead2 = Lead.objects.create(
        email="owned-by-sue@example.com", first_name="Ute", status=Lead.Status.SAL, owner=users["sales2"]
    )
    pending = Lead.objects.create(email="pending-sid@example.com", status=Lead.Status.MQL)
    pending2 = Lead.objects.create(email="pending-sue@example.com", status=Lead.Status.MQL)
    deadline = now + datetime.timedelta(hours=24)
    handoff = Handoff.objects.create(
        lead=pending, assigned_to=users["sales"], created_by=users["marketing"], accept_deadline=deadline
    )
    handoff2 = Handoff.objects.create(
        lead=pending2, assigned_to=users["sales2"], created_by=users["marketing"], accept_deadline=deadline
    )
    task = Activity.objects.create(
        lead=lead,
        kind=Activity.Kind.TASK,
        user=users["sales"],
        assignee=users["sales"],
        subject="Call back",
        due_at=now + datetime.timedelta(days=1),
    )
    capture_form = CaptureForm.objects.create(
        name="Website", key="websiteform", campaign=campaign, created_by=users["marketing"]
    )
    job = ImportJob(original_name="leads.csv", created_by=users["marketing"], state=ImportJob.State.DONE)
    job.file.save("leads.csv", ContentFile(b"email\nimported@example.com\n"), save=False)
    job.save()
    rule = ScoringRule.objects.create(field=ScoringRule.Field.INDUSTRY, operator="equals", value="software", points=10)
    digest = Digest.objects.create(
        week="2026-W10", audience=Audience.MARKETING, subject="Digest", text_body="text", html_body="<p>html</p>"
    )
    from integrations.models import WebhookDelivery, WebhookEndpoint

    # Saved past the service: its address check would resolve the host.
    webhook_endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/tandem", events=["lead.created"], owner=users["managers"]
    )
    webhook_delivery = WebhookDelivery.objects.create(endpoint=webhook_endpoint, event_type="lead.created", body="{}")
    # The one-row settings are created on first read; make them now so a read is never a write.
    ServiceLevel.current()
    IdealCustomerProfile.current()
    return World(
        users=users,
        campaign=campaign,
        variant=variant,
        spend=spend,
        lead=lead,
        lead2=lead2,
        handoff=handoff,
        handoff2=handoff2,
        task=task,
        capture_form=capture_form,
        import_job=job,
        scoring_rule=rule,
        digest=digest,
        webhook_endpoint=webhook_endpoint,
        webhook_delivery=webhook_delivery,
    )


# Tables a request may write whoever sends it: sessions, the sign-in throttle's records, and the
# stored figures of complete weeks (alignment.metrics.rollups), which any reader of the weekly numbers may store.
UNWATCHED_TABLES = ("django_session", "axes_", "crm_weekrollup")
_WRITE = re.compile(r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


class WriteRecorder(CaptureQueriesContext):
    """Record the tables a block of code writes to (INSERT, UPDATE, DELETE), sessions aside.

    Stricter than comparing rows before and after: a write that is undone later still counts.
    """

    def __init__(self):
        super().__init__(connection)

    @property
    def tables(self):
        found = []
        for query in self.captured_queries:
            match = _WRITE.match(query["sql"])
            if match and not match.group(2).lower().startswith(UNWATCHED_TABLES):
                found.append(match.group(2))
        return sorted(set(found))
