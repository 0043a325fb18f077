"""Forms of the audit and personal-data pages."""

from crispy_forms.helper import FormHelper
from django import forms

from crm.models import AuditEntry


class AuditFilterForm(forms.Form):
    object_type = forms.ChoiceField(
        label="Object", required=False, choices=[("", "Any"), *AuditEntry.ObjectType.choices]
    )
    object_id = forms.CharField(label="Object id", required=False, max_length=40)
    actor = forms.CharField(label="Actor", required=False, max_length=150, help_text="User name, or part of it.")
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The range ends before it starts.")
        return cleaned

    def filters(self):
        """Return the selector's keyword arguments (no filter when the form is invalid)."""
        if not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


class FindPersonForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class EraseConfirmForm(forms.Form):
    email = forms.CharField(label="Type the person's e-mail address to confirm", max_length=254)

    def __init__(self, *args, lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email != self.lead.email.lower():
            raise forms.ValidationError("This is not the e-mail address of the lead to erase.")
        return email
