from crispy_forms.helper import FormHelper
from django import forms

from integrations.models import EVENT_CHOICES, WebhookEndpoint


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="Address", max_length=500, assume_scheme="https", help_text="http(s) address of a public host."
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple)
    format = forms.ChoiceField(
        choices=WebhookEndpoint.Format.choices,
        help_text="Slack-compatible: a readable message for an incoming-webhook URL instead of the JSON event.",
    )
    active = forms.BooleanField(required=False, initial=True, help_text="Re-enabling clears the failure record.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
