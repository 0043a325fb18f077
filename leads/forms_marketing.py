"""Forms of the marketing setup pages: capture forms, CSV import, ICP and scoring rules.

They validate and lay out; the services in leads.capture, leads.importing and
leads.scoring_setup do the writing.
"""

import re
from pathlib import PurePath

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError

from campaigns.models import Campaign
from leads import capture, scoring_setup
from leads.models import CaptureForm, IdealCustomerProfile, ScoringRule

MAX_IMPORT_BYTES = 50 * 1024 * 1024
IMPORT_EXTENSIONS = (".csv", ".txt", ".tsv")


def _helper():
    helper = FormHelper()
    helper.form_tag = False  # the template owns the <form> and its buttons
    return helper


def _campaign_choices(current=None):
    campaigns = Campaign.objects.filter(archived=False)
    if current is not None:
        campaigns = campaigns | Campaign.objects.filter(pk=current.pk)
    return campaigns.order_by("name")


class CaptureFormForm(forms.ModelForm):
    class Meta:
        model = CaptureForm
        fields = ["name", "campaign", "allowed_origins", "enabled", "consent_required", "consent_text"]
        widgets = {
            "allowed_origins": forms.Textarea(
                attrs={"rows": 3, "placeholder": "https://www.example.com\nhttps://landing.example.com"}
            ),
            "consent_text": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"campaign": "Default campaign"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = _campaign_choices(self.instance.campaign if self.instance.pk else None)
        self.fields["campaign"].empty_label = "— none —"
        self.fields["allowed_origins"].help_text = (
            "The websites that may post to this form, one origin per line (scheme and host, no path). "
            "Browsers on other sites are refused."
        )
        self.helper = _helper()

    def clean_allowed_origins(self):
        return capture.clean_origins(self.cleaned_data["allowed_origins"])

    def clean(self):
        cleaned = super().clean()
        try:
            capture.check_consent(cleaned)
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="The first row names the columns; an e-mail column is required. "
        "UTF-8 or Excel's CSV (Windows encoding, commas or semicolons) both work.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv"}),
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(),
        required=False,
        empty_label="— none (use each row's utm_campaign) —",
        help_text="Attribute the imported touches to this campaign (a row's known utm_campaign still wins).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = _campaign_choices()
        self.helper = _helper()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in IMPORT_EXTENSIONS:
            raise ValidationError("Upload a .csv file. Save Excel workbooks as “CSV” first.")
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; split it.")
        if upload.size == 0:
            raise ValidationError("The file is empty.")
        return upload


class CommaListField(forms.CharField):
    """A list edited as comma-separated text."""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ", ".join(str(item) for item in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        items = []
        for item in re.split(r"[,\n;]", text):
            item = item.strip()
            if item and item.lower() not in {i.lower() for i in items}:
                items.append(item)
        return items


class IcpForm(forms.ModelForm):
    industries = CommaListField(required=False, help_text="Comma-separated, e.g. software, fintech.")
    countries = CommaListField(required=False, help_text="Two-letter codes, comma-separated, e.g. DE, AT, CH.")
    title_keywords = CommaListField(
        required=False, label="Title keywords", help_text="Words in a job title that fit, e.g. head, director, VP."
    )

    class Meta:
        model = IdealCustomerProfile
        fields = ["industries", "company_size_min", "company_size_max", "countries", "title_keywords", "mql_threshold"]
        labels = {
            "company_size_min": "Company size from (employees)",
            "company_size_max": "Company size to (employees)",
            "mql_threshold": "MQL threshold (score)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_countries(self):
        codes = self.cleaned_data["countries"]
        wrong = [code for code in codes if len(code) != 2 or not code.isalpha()]
        if wrong:
            raise ValidationError(f"Use two-letter country codes (e.g. DE), not: {', '.join(wrong)}.")
        return [code.upper() for code in codes]

    def clean(self):
        cleaned = super().clean()
        try:
            scoring_setup.validate_icp(cleaned)
        except ValidationError as exc:
            self.add_error(None, exc)  # a dict of field errors lands on its fields
        return cleaned

    def values(self):
        return {name: self.cleaned_data[name] for name in scoring_setup.ICP_FIELDS}


class ScoringRuleForm(forms.ModelForm):
    class Meta:
        model = ScoringRule
        fields = ["name", "field", "operator", "value", "points", "active"]
        help_texts = {
            "name": "Optional; shown in the rule list.",
            "value": "For “is one of”: comma-separated. For ≥ and ≤: a number. Not used for “is filled in”.",
            "points": "Negative points lower the score.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self):
        cleaned = super().clean()
        if {"field", "operator"} <= set(cleaned):
            try:
                scoring_setup.validate_rule(
                    field=cleaned["field"], operator=cleaned["operator"], value=cleaned.get("value", "")
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned

    def values(self):
        return {name: self.cleaned_data[name] for name in scoring_setup.RULE_FIELDS}
