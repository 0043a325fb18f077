"""Forms of the project package: the service level and the quarterly goals (managers)."""

import datetime

from crispy_forms.helper import FormHelper
from django import forms

from alignment.models import QuarterlyGoal
from alignment.services import SERVICE_LEVEL_FIELDS
from handoffs.models import Holiday, ServiceLevel

WEEKDAY_CHOICES = [(str(n), name) for n, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], 1)]


class _NoTagHelperMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ServiceLevelForm(_NoTagHelperMixin, forms.ModelForm):
    class Meta:
        model = ServiceLevel
        fields = list(SERVICE_LEVEL_FIELDS)
        labels = {
            "weekly_mql_target": "Weekly MQL target",
            "hours_to_accept": "Working hours to accept",
            "hours_to_first_contact": "Working hours to first contact",
            "alerts_outside_working_hours": "Alert at any hour",
        }
        widgets = {
            "day_starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "day_ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    working_days = forms.MultipleChoiceField(
        choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-inline"})
    )
    holidays = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-12-25 Christmas Day"}),
        help_text="One a line: the date (YYYY-MM-DD), then a name. The clocks stop on these days.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["working_days"] = list(self.instance.working_days)
        self.initial["holidays"] = "\n".join(str(h) for h in Holiday.objects.all())

    def clean_working_days(self):
        return "".join(sorted(self.cleaned_data["working_days"]))

    def clean_holidays(self):
        holidays = {}
        for number, line in enumerate(self.cleaned_data["holidays"].splitlines(), 1):
            if not line.strip():
                continue
            day, _, name = line.strip().partition(" ")
            try:
                date = datetime.date.fromisoformat(day)
            except ValueError:
                raise forms.ValidationError(f"Line {number}: start with a date like 2026-12-25.") from None
            holidays[date] = name.strip()[:100]
        return sorted(holidays.items())

    def clean_hours_to_accept(self):
        hours = self.cleaned_data["hours_to_accept"]
        if hours < 1:
            raise forms.ValidationError("Sales needs at least an hour to answer a hand-off.")
        return hours

    def clean_hours_to_first_contact(self):
        hours = self.cleaned_data["hours_to_first_contact"]
        if hours < 1:
            raise forms.ValidationError("Allow at least an hour for the first contact.")
        return hours

    def clean_default_rep_capacity(self):
        capacity = self.cleaned_data["default_rep_capacity"]
        if capacity < 1:
            raise forms.ValidationError("A rep must be able to carry at least one open lead.")
        return capacity


class QuarterlyGoalForm(_NoTagHelperMixin, forms.ModelForm):
    class Meta:
        model = QuarterlyGoal
        fields = ["mqls", "accepted", "wins", "revenue"]
        labels = {"mqls": "MQLs", "revenue": "Revenue"}
        help_texts = {
            "mqls": "Leads entering MQL in the quarter.",
            "accepted": "Hand-offs sales accepts (leads entering SAL).",
            "wins": "Leads won.",
            "revenue": "Deal value of the wins.",
        }

    def clean_revenue(self):
        revenue = self.cleaned_data["revenue"]
        if revenue is not None and revenue < 0:
            raise forms.ValidationError("Revenue cannot be negative.")
        return revenue
