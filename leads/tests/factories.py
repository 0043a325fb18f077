import factory
from django.utils import timezone

from campaigns.models import Channel
from leads.models import Activity, CaptureForm, Lead, ScoringRule, StatusChange, Touchpoint


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead row as it stands; use leads.services to move it, or StatusChangeFactory for history."""

    class Meta:
        model = Lead

    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Lead"
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    company = "Acme"
    source = Channel.PAID_SEARCH
    created_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.SelfAttribute("created_at")


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    lead = factory.SubFactory(LeadFactory)
    channel = Channel.PAID_SEARCH
    occurred_at = factory.LazyFunction(timezone.now)


class StatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusChange

    lead = factory.SubFactory(LeadFactory)
    from_status = Lead.Status.NEW
    to_status = Lead.Status.MQL
    changed_at = factory.LazyFunction(timezone.now)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    lead = factory.SubFactory(LeadFactory)
    kind = Activity.Kind.CALL
    subject = "Intro call"
    occurred_at = factory.LazyFunction(timezone.now)


class CaptureFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaptureForm

    name = factory.Sequence(lambda n: f"Form {n}")
    key = factory.Sequence(lambda n: f"form{n}key")
    allowed_origins = "https://www.example.com"


class ScoringRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoringRule

    field = ScoringRule.Field.INDUSTRY
    operator = ScoringRule.Operator.EQUALS
    value = "software"
    points = 20
