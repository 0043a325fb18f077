"""The one filter of leads, shared by the lead list page, its CSV export and the API."""

import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Campaign, Channel
from crm.validators import validate_business_date
from leads.models import Lead
from leads.widgets import FastSelect, FastSelectMultiple


def _local_midnight(day):
    """Return the start of the day in TIME_ZONE as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class LeadFilter(django_filters.FilterSet):
    # Widgets only shape the lead list page's form; the API reads the same query parameters.
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "Name, e-mail or company", "type": "search"}),
    )
    # distinct=False: these are columns of the lead itself, so no join can repeat a row, and a
    # DISTINCT would make the database sort every matching lead before it can take a page.
    status = django_filters.MultipleChoiceFilter(
        choices=Lead.Status.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    source = django_filters.MultipleChoiceFilter(
        choices=Channel.choices, widget=FastSelectMultiple(attrs={"size": 4}), distinct=False
    )
    campaign = django_filters.ModelChoiceFilter(
        field_name="first_touch_campaign",
        queryset=Campaign.objects.all(),
        to_field_name="slug",
        label="First-touch campaign",
        widget=FastSelect,
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True), widget=FastSelect
    )
    fit = django_filters.MultipleChoiceFilter(
        choices=Lead.Fit.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    # Whole local days as a range of created_at (not created_at::date), so the index serves it;
    # within the accepted dates (crm.validators), so the day after is never past year 9999.
    created_after = django_filters.DateFilter(
        method="filter_created_after",
        label="Created from",
        widget=forms.DateInput({"type": "date"}),
        validators=[validate_business_date],
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before",
        label="Created to",
        widget=forms.DateInput({"type": "date"}),
        validators=[validate_business_date],
    )
    mine = django_filters.BooleanFilter(method="filter_mine", label="Only mine", widget=forms.CheckboxInput)
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "created"), ("score", "score"), ("status_changed_at", "moved"), ("company", "company")),
    )

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "campaign", "owner", "fit", "created_after", "created_before", "mine"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if "@" in value:
            return queryset.filter(email__icontains=value)
        terms = Q()
        for word in value.split()[:5]:
            terms &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(company__icontains=word)
            )
        return queryset.filter(terms)

    def filter_created_after(self, queryset, name, value):
        return queryset.filter(created_at__gte=_local_midnight(value))

    def filter_created_before(self, queryset, name, value):
        return queryset.filter(created_at__lt=_local_midnight(value + datetime.timedelta(days=1)))

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(owner=user)
