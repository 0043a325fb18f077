"""The one filter of campaigns, shared by the list page and its CSV export."""

import django_filters
from django import forms
from django.db.models import Q

from campaigns.models import CAMPAIGN_CHANNELS, Campaign
from campaigns.selectors import campaign_owner_choices


class CampaignFilter(django_filters.FilterSet):
    ARCHIVED_CHOICES = (("", "Hide archived"), ("include", "Include archived"), ("only", "Only archived"))

    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(attrs={"placeholder": "Name, slug or utm key", "type": "search"}),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Campaign.Status.choices, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )
    channel = django_filters.ChoiceFilter(choices=CAMPAIGN_CHANNELS, empty_label="Any channel")
    owner = django_filters.ModelChoiceFilter(queryset=lambda request: campaign_owner_choices(), empty_label="Anyone")
    # A campaign is in the range when it runs on at least one of its days.
    running_from = django_filters.DateFilter(
        method="filter_running_from", label="Running from", widget=forms.DateInput(attrs={"type": "date"})
    )
    running_to = django_filters.DateFilter(
        method="filter_running_to", label="Running to", widget=forms.DateInput(attrs={"type": "date"})
    )
    archived = django_filters.ChoiceFilter(
        choices=ARCHIVED_CHOICES[1:], method="filter_archived", empty_label="Hide archived", label="Archived"
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("start_date", "start"),
            ("end_date", "end"),
            ("budget", "budget"),
            ("spent", "spent"),
            ("status", "status"),
            ("channel", "channel"),
        ),
        field_labels={"start_date": "Start", "end_date": "End", "spent": "Spent"},
        label="Sort by",
        empty_label="Newest start first",
    )

    class Meta:
        model = Campaign
        fields = ["q", "status", "channel", "owner", "running_from", "running_to", "archived"]

    @property
    def qs(self):
        if not hasattr(self, "_campaign_qs"):
            queryset = super().qs
            archived = getattr(self.form, "cleaned_data", {}).get("archived") if self.is_bound else None
            # Applied even when the filter is left empty: archived campaigns are hidden by default.
            if not archived:
                queryset = queryset.filter(archived=False)
            # A stable order under pagination, whatever the chosen sort.
            self._campaign_qs = queryset.order_by(*(queryset.query.order_by or Campaign._meta.ordering), "pk")
        return self._campaign_qs

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value) | Q(utm_campaign__icontains=value))

    def filter_running_from(self, queryset, name, value):
        return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=value))

    def filter_running_to(self, queryset, name, value):
        return queryset.filter(start_date__lte=value)

    def filter_archived(self, queryset, name, value):
        if value == "only":
            return queryset.filter(archived=True)
        return queryset
