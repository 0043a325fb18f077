"""The shared lead filter: whole local days, no DISTINCT on plain columns, fast widgets."""

import datetime
import zoneinfo

import pytest
from django import forms
from django.test import override_settings

from leads.filters import LeadFilter
from leads.models import Lead
from leads.tests.factories import LeadFactory
from leads.widgets import FastSelect, FastSelectMultiple

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.mark.django_db
@override_settings(TIME_ZONE="Europe/Berlin")
def test_the_created_range_takes_whole_local_days():
    # 23:30 on 1 March in Berlin is 22:30 UTC: it belongs to 1 March, not 2 March.
    late = LeadFactory(created_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=BERLIN))
    early = LeadFactory(created_at=datetime.datetime(2026, 3, 2, 0, 0, tzinfo=BERLIN))
    LeadFactory(created_at=datetime.datetime(2026, 3, 3, 0, 0, tzinfo=BERLIN))

    def matching(**params):
        return set(LeadFilter(params, queryset=Lead.objects.all()).qs.values_list("pk", flat=True))

    assert matching(created_after="2026-03-02", created_before="2026-03-02") == {early.pk}
    assert matching(created_before="2026-03-01") == {late.pk}


@pytest.mark.django_db
def test_filtering_by_status_asks_for_no_distinct():
    queryset = LeadFilter({"status": ["sql", "won"], "fit": ["good"], "source": ["email"]}, queryset=Lead.objects).qs
    assert not queryset.query.distinct


@pytest.mark.parametrize(
    ("django_widget", "fast_widget", "value"),
    [(forms.Select, FastSelect, "x"), (forms.SelectMultiple, FastSelectMultiple, ["a", "y"])],
)
def test_the_fast_widgets_render_what_djangos_render(django_widget, fast_widget, value):
    choices = [("", "---"), ("a", "A <script>"), ("Group", [("x", "X & Y"), ("y", "Y")])]
    attrs = {"class": "form-select", "size": 4}

    def squeeze(html):
        return "".join(line.strip() for line in html.splitlines())

    expected = squeeze(django_widget(choices=choices, attrs=attrs).render("f", value))
    assert squeeze(fast_widget(choices=choices, attrs=attrs).render("f", value)) == expected
    assert "&lt;script&gt;" in expected
