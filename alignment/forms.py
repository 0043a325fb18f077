"""Forms of the project package: the service level and the quarterly goals (managers)."""

from crispy_forms.helper import FormHelper
from django import forms

from alignment.models import QuarterlyGoal
from handoffs.models import ServiceLevel


class _NoTagHelperMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ServiceLevelForm(_NoTagHelperMixin, forms.ModelForm):
    class Meta:
        model = ServiceLevel
        fields = ["hours_to_accept", "hours_to_first_contact", "weekly_mql_target", "default_rep_capacity"]
        labels = {"weekly_mql_target": "Weekly MQL target"}

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
