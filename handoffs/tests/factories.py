import datetime

import factory
from django.utils import timezone

from handoffs.models import Handoff, SalesRep
from leads.models import Lead
from leads.tests.factories import LeadFactory


class HandoffFactory(factory.django.DjangoModelFactory):
    """A hand-off row as it stands; use handoffs.services to create and answer real ones."""

    class Meta:
        model = Handoff

    lead = factory.SubFactory(LeadFactory, status=Lead.Status.MQL)
    created_at = factory.LazyFunction(timezone.now)
    accept_deadline = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(hours=24))


class SalesRepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesRep
        django_get_or_create = ("user",)

    accepting = True
