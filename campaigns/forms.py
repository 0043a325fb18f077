"""Forms of the campaign pages: they validate and lay out; services do the writing."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.utils import timezone
from django.utils.text import slugify

from campaigns.models import Campaign, Spend, Variant
from campaigns.selectors import campaign_owner_choices
from campaigns.services import campaign_key_errors
from crm.validators import validate_business_date


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_service_errors(form, error):
    """Show a service's ValidationError on the form's fields (or above them)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "slug",
            "channel",
            "objective",
            "status",
            "start_date",
            "end_date",
            "budget",
            "owner",
            "utm_campaign",
            "audience_notes",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "audience_notes": forms.Textarea(attrs={"rows": 3}),
            "budget": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
        }
        labels = {"utm_campaign": "utm_campaign key"}
        help_texts = {
            "slug": "Used in the page address. Left empty, it is made from the name.",
            "utm_campaign": "The utm_campaign value in your links. Left empty, the slug is used.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["utm_campaign"].required = False
        # A former marketer stays selectable on the campaigns they own, so editing keeps them.
        self.fields["owner"].queryset = campaign_owner_choices(keep=self.instance.owner)
        self.fields["owner"].label_from_instance = lambda user: user.get_full_name() or user.get_username()
        # The slug field follows the name in the browser until someone edits it (static/js/campaigns.js).
        self.fields["name"].widget.attrs["data-slug-source"] = "true"
        self.fields["slug"].widget.attrs["data-slug-target"] = "true"
        self.fields["utm_campaign"].widget.attrs["data-slug-target"] = "true"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-6"), Column("slug", css_class="col-md-6")),
            Row(
                Column("channel", css_class="col-md-4"),
                Column("objective", css_class="col-md-4"),
                Column("status", css_class="col-md-4"),
            ),
            Row(
                Column("start_date", css_class="col-md-4"),
                Column("end_date", css_class="col-md-4"),
                Column("budget", css_class="col-md-4"),
            ),
            Row(Column("owner", css_class="col-md-6"), Column("utm_campaign", css_class="col-md-6")),
            "audience_notes",
            Submit("save", "Save campaign"),
        )

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name") or "")[:100]
        if not slug:
            raise forms.ValidationError("Enter a slug (letters, numbers, hyphens).")
        return slug

    def clean_utm_campaign(self):
        return (self.cleaned_data.get("utm_campaign") or "").strip()

    def clean_budget(self):
        budget = self.cleaned_data.get("budget")
        if budget is not None and budget < 0:
            raise forms.ValidationError("A budget cannot be negative.")
        return budget

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("utm_campaign") and cleaned.get("slug"):
            cleaned["utm_campaign"] = cleaned["slug"]
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        keys = campaign_key_errors(
            slug=cleaned.get("slug"), utm_campaign=cleaned.get("utm_campaign"), exclude_pk=self.instance.pk
        )
        for field, message in keys.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned

    def validate_unique(self):
        # clean() already checked the keys with friendlier words (and case-insensitively).
        pass


class SpendForm(forms.ModelForm):
    class Meta:
        model = Spend
        fields = ["date", "amount", "note"]
        widgets = {
            "date": DateInput(),
            "amount": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
            "note": forms.TextInput(attrs={"placeholder": "e.g. invoice 2026-031"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("date", timezone.localdate())
        self.helper = FormHelper()
        # The page writes the <form> tag: the same form posts to the add or the edit URL.
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("date", css_class="col-md-3"),
                Column("amount", css_class="col-md-3"),
                Column("note", css_class="col-md-6"),
            ),
            Submit("save", "Save spend"),
        )

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError("Spend cannot be negative.")
        return amount

    def validate_unique(self):
        pass


class VariantForm(forms.ModelForm):
    class Meta:
        model = Variant
        fields = ["name", "utm_content", "description"]
        widgets = {"description": forms.TextInput()}
        help_texts = {"utm_content": "The utm_content value in this variant's links, e.g. hero-b."}

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign or getattr(self.instance, "campaign", None)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("name", css_class="col-md-3"),
                Column("utm_content", css_class="col-md-3"),
                Column("description", css_class="col-md-6"),
            ),
            Submit("save", "Save variant"),
        )

    def clean(self):
        cleaned = super().clean()
        if self.campaign is None:
            return cleaned
        others = Variant.objects.filter(campaign=self.campaign).exclude(pk=self.instance.pk)
        name, utm_content = (cleaned.get("name") or "").strip(), (cleaned.get("utm_content") or "").strip()
        if name and others.filter(name__iexact=name).exists():
            self.add_error("name", "This campaign already has a variant with this name.")
        if utm_content and others.filter(utm_content__iexact=utm_content).exists():
            self.add_error("utm_content", "Another variant of this campaign already uses this utm_content value.")
        return cleaned

    def validate_unique(self):
        pass

    def _post_clean(self):
        # The variant's campaign is not a form field; give it before the model validates.
        if self.campaign is not None and not self.instance.campaign_id:
            self.instance.campaign = self.campaign
        super()._post_clean()


# The longest range a page computes weekly figures for; beyond it the chart is unreadable anyway.
MAX_RANGE = datetime.timedelta(days=366 * 5)


class DateRangeForm(forms.Form):
    """A from/to picker for figures; invalid input falls back to the default range."""

    # The accepted dates (crm.validators): a week counted past year 9999 would overflow.
    date_from = forms.DateField(label="From", required=False, widget=DateInput(), validators=[validate_business_date])
    date_to = forms.DateField(label="To", required=False, widget=DateInput(), validators=[validate_business_date])

    def __init__(self, data=None, *, default_from, default_to, **kwargs):
        kwargs.setdefault("initial", {"date_from": default_from, "date_to": default_to})
        super().__init__(data, **kwargs)
        self.default_from, self.default_to = default_from, default_to

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("date_from") or self.default_from
        end = cleaned.get("date_to") or self.default_to
        if end < start:
            self.add_error("date_to", "The end of the range cannot be before its start.")
        elif end - start > MAX_RANGE:
            self.add_error("date_from", "Pick a range of five years or less.")
        return cleaned

    def range(self):
        """Return (start, end) dates, inclusive: the valid choice or the default."""
        if self.is_bound and self.is_valid():
            return (
                self.cleaned_data.get("date_from") or self.default_from,
                self.cleaned_data.get("date_to") or self.default_to,
            )
        return self.default_from, self.default_to
