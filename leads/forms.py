"""Forms of the lead pages: they validate and lay out; the services write."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms

from campaigns.models import Campaign, Channel
from leads.models import Activity, Lead

# An MQL's next status is the hand-off's answer (accept → SAL, reject → recycled or
# disqualified); moving it here would leave the hand-off pending, so the page offers none.
DECIDED_BY_HANDOFF = frozenset({Lead.Status.MQL})


def offered_statuses(lead):
    """Return the statuses the lead page offers as the lead's next step."""
    if lead.status in DECIDED_BY_HANDOFF:
        return []
    return lead.allowed_next_statuses()


def _campaign_field(label):
    return forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"), required=False, label=label, to_field_name="slug"
    )


class ProfileFieldsMixin(forms.Form):
    """The lead's profile fields, as the capture and edit services take them."""

    email = forms.EmailField(max_length=254, label="E-mail")
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    company = forms.CharField(max_length=200, required=False)
    title = forms.CharField(max_length=200, required=False, label="Job title")
    phone = forms.CharField(max_length=40, required=False)
    industry = forms.CharField(max_length=100, required=False)
    company_size = forms.IntegerField(min_value=0, required=False, label="Company size (employees)")
    country = forms.CharField(
        min_length=2, max_length=2, required=False, help_text="Two-letter code, e.g. DE.", label="Country"
    )

    profile_layout = (
        Div(Div("email", css_class="col-md-6"), Div("phone", css_class="col-md-6"), css_class="row"),
        Div(Div("first_name", css_class="col-md-6"), Div("last_name", css_class="col-md-6"), css_class="row"),
        Div(Div("company", css_class="col-md-6"), Div("title", css_class="col-md-6"), css_class="row"),
        Div(
            Div("industry", css_class="col-md-5"),
            Div("company_size", css_class="col-md-4"),
            Div("country", css_class="col-md-3"),
            css_class="row",
        ),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_country(self):
        value = self.cleaned_data["country"].strip().upper()
        if value and not value.isalpha():
            raise forms.ValidationError("Use a two-letter country code, e.g. DE.")
        return value

    def profile_data(self):
        """Return the cleaned profile fields as the services take them."""
        return {name: self.cleaned_data[name] for name in self.profile_field_names()}

    @classmethod
    def profile_field_names(cls):
        return list(ProfileFieldsMixin.base_fields)


class LeadCreateForm(ProfileFieldsMixin):
    campaign = _campaign_field("Campaign (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*self.profile_layout, "campaign")


class LeadEditForm(ProfileFieldsMixin):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*self.profile_layout, "version")

    @classmethod
    def initial_for(cls, lead):
        return {**{name: getattr(lead, name) or "" for name in cls.profile_field_names()}, "version": lead.version}


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label="Move to")
    deal_value = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, label="Deal value", help_text="Needed for Won."
    )
    lost_reason = forms.ChoiceField(
        choices=[("", "—"), *Lead.LostReason.choices], required=False, label="Lost reason", help_text="Needed for Lost."
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, lead, **kwargs):
        # Several forms share the detail page: their own ids keep labels tied to their fields.
        kwargs.setdefault("auto_id", "move_%s")
        super().__init__(*args, **kwargs)
        labels = dict(Lead.Status.choices)
        offered = [(status.value, labels[status]) for status in offered_statuses(lead)]
        # A blank first choice: nothing moves by accident when the form is sent as it loads.
        self.fields["to_status"].choices = [("", "— choose —"), *offered] if offered else []
        self.fields["version"].initial = lead.version

    def clean(self):
        cleaned = super().clean()
        to_status = cleaned.get("to_status")
        if to_status == Lead.Status.WON and not cleaned.get("deal_value"):
            self.add_error("deal_value", "A won lead needs a deal value above zero.")
        if to_status == Lead.Status.LOST and not cleaned.get("lost_reason"):
            self.add_error("lost_reason", "Say why the lead was lost.")
        return cleaned


LOGGABLE_KINDS = [(kind.value, kind.label) for kind in Activity.Kind if kind != Activity.Kind.TASK]


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        choices=LOGGABLE_KINDS, initial=Activity.Kind.CALL, widget=forms.RadioSelect(attrs={"class": "btn-check"})
    )
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What happened")
    # "How did you hear about us?" — what the buyer names becomes a sales-reported touchpoint.
    reported_channel = forms.ChoiceField(
        choices=[("", "— not asked —"), *Channel.choices], required=False, label="The buyer heard of us through"
    )
    reported_campaign = _campaign_field("Campaign they named")
    reported_note = forms.CharField(max_length=500, required=False, label="In their words")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "log_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("subject", "").strip() or cleaned.get("body", "").strip()):
            self.add_error("body", "Say what happened.")
        if cleaned.get("reported_campaign") and not cleaned.get("reported_channel"):
            # Naming a campaign names its channel.
            cleaned["reported_channel"] = cleaned["reported_campaign"].channel
        return cleaned


class TaskForm(forms.Form):
    subject = forms.CharField(max_length=200, label="Next step")
    due_at = forms.DateTimeField(
        label="Due",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    assignee = forms.ModelChoiceField(queryset=None, empty_label=None, label="For")

    def __init__(self, *args, assignees, user, **kwargs):
        kwargs.setdefault("auto_id", "task_%s")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees
        self.fields["assignee"].initial = user.pk
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class MergeForm(forms.Form):
    duplicate = forms.IntegerField(widget=forms.HiddenInput)
