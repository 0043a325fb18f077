"""Forms of the hand-off pages and the pipeline board: they validate input, services do the writing."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from handoffs.models import AlertPreference, Handoff
from handoffs.selectors import ANSWERED_DAYS, HandoffFilter
from handoffs.services import sales_reps
from leads.models import Lead


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("", "Choose a reason…"), *Handoff.RejectReason.choices],
        error_messages={"required": "Choose why the lead is rejected."},
    )
    feedback = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text="Marketing reads this: say what was wrong with the lead.",
        error_messages={"required": "Tell marketing what was wrong with this lead."},
    )

    def clean_feedback(self):
        feedback = self.cleaned_data["feedback"].strip()
        if not feedback:
            raise forms.ValidationError("Tell marketing what was wrong with this lead.")
        return feedback


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=sales_reps().order_by("username"),
        empty_label="Choose a rep…",
        error_messages={"required": "Choose the rep to assign.", "invalid_choice": "Choose an active sales rep."},
    )


class HandoffCreateForm(forms.Form):
    lead = forms.IntegerField(label="Lead id", min_value=1)
    context_note = forms.CharField(
        label="Context for sales",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text="What marketing knows: what they asked for, what they read, why now.",
    )

    def __init__(self, *args, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lead is not None:
            self.fields["lead"].widget = forms.HiddenInput()
            self.fields["lead"].initial = lead.pk
        self.helper = FormHelper()
        # The page's own <form> carries the lead and ``next``.
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", "Hand off to sales", css_class="btn-primary"))

    def clean_lead(self):
        lead = Lead.objects.filter(pk=self.cleaned_data["lead"]).select_related("first_touch_campaign").first()
        if lead is None:
            raise forms.ValidationError("There is no lead with this id.")
        return lead


class SalesRepForm(forms.Form):
    accepting = forms.BooleanField(required=False, label="Takes new hand-offs")
    capacity = forms.IntegerField(
        required=False, min_value=0, max_value=10_000, help_text="Empty: the service level's default."
    )


class InboxFilterForm(forms.Form):
    PERIODS = [("14", "Last 14 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("all", "Any time")]

    rep = forms.ChoiceField(required=False, label="Rep")
    outcome = forms.ChoiceField(required=False, choices=[("", "Any outcome"), *Handoff.Outcome.choices])
    overdue = forms.BooleanField(required=False, label="Overdue only")
    period = forms.ChoiceField(required=False, choices=PERIODS, label="Answered")

    def __init__(self, *args, reps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].choices = [
            ("", "Any rep"),
            ("unassigned", "Unassigned"),
            *[(str(user.pk), user.get_full_name() or user.username) for user in reps],
        ]
        for name in ("rep", "outcome", "period"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"

    def to_filter(self):
        """Return the HandoffFilter of the valid input (an invalid field counts as unset)."""
        data = self.cleaned_data if self.is_valid() else {}
        period = data.get("period") or str(ANSWERED_DAYS)
        return HandoffFilter(
            rep=data.get("rep") or "",
            outcome=data.get("outcome") or "",
            overdue=bool(data.get("overdue")),
            days=None if period == "all" else int(period),
        )


class InboxPollForm(forms.Form):
    """The inbox poll's query: the scope polled, and for the team view the last hand-off id the page knew."""

    scope = forms.ChoiceField(required=False, choices=[("mine", "Mine"), ("team", "Team")])
    after = forms.IntegerField(required=False, min_value=0)
    seen = forms.CharField(required=False)

    def clean(self):
        data = super().clean()
        data["scope"] = data.get("scope") or "mine"  # the rep's own inbox polled without a scope before the team's did
        if data["scope"] == "team" and data.get("after") is None and "after" not in self.errors:
            self.add_error("after", "The team view polls for hand-offs after the last id it knew.")
        return data


class BoardFilterForm(forms.Form):
    rep = forms.ChoiceField(required=False, label="Rep")

    def __init__(self, *args, reps=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].choices = [
            ("", "Everyone"),
            *[(str(user.pk), user.get_full_name() or user.username) for user in reps],
        ]
        self.fields["rep"].widget.attrs["class"] = "form-select form-select-sm"


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=Lead.Status.choices, label="Move to")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    deal_value = forms.DecimalField(
        required=False, min_value=0, max_digits=12, decimal_places=2, label="Deal value", help_text="Needed for won."
    )
    lost_reason = forms.ChoiceField(
        required=False,
        choices=[("", "Choose a reason…"), *Lead.LostReason.choices],
        label="Lost reason",
        help_text="Needed for lost.",
    )
    note = forms.CharField(required=False, max_length=1000)

    def clean(self):
        data = super().clean()
        if data.get("to_status") == Lead.Status.WON and not data.get("deal_value"):
            self.add_error("deal_value", "A won lead needs a deal value above zero.")
        if data.get("to_status") == Lead.Status.LOST and not data.get("lost_reason"):
            self.add_error("lost_reason", "Say why the lead was lost.")
        return data


class AlertPreferenceForm(forms.ModelForm):
    """A user's personal alert webhook; alert_preference_set checks the address before it is saved."""

    webhook_url = forms.URLField(
        label="Webhook URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=AlertPreference._meta.get_field("webhook_url").help_text,
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.slack.com/services/…"}),
    )

    class Meta:
        model = AlertPreference
        fields = ["webhook_url", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", "Save"))
