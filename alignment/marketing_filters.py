"""The filter of the feedback page: rejected hand-offs by campaign, reason and date."""

import django_filters
from django import forms

from campaigns.models import Campaign
from handoffs.models import Handoff


class FeedbackFilter(django_filters.FilterSet):
    campaign = django_filters.ModelChoiceFilter(
        field_name="lead__first_touch_campaign",
        queryset=Campaign.objects.order_by("name"),
        to_field_name="slug",
        label="Campaign (first touch)",
        empty_label="Any campaign",
    )
    reason = django_filters.ChoiceFilter(
        field_name="reject_reason", choices=Handoff.RejectReason.choices, empty_label="Any reason"
    )
    date_from = django_filters.DateFilter(
        field_name="responded_at",
        lookup_expr="date__gte",
        label="Rejected from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="responded_at",
        lookup_expr="date__lte",
        label="Rejected to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Handoff
        fields = ["campaign", "reason", "date_from", "date_to"]
