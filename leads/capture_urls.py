"""The public capture endpoint, mounted at /api/v1/capture/ by crm/urls.py."""

from django.urls import path

from leads.api_capture import CaptureView

urlpatterns = [
    path("<str:form_key>/", CaptureView.as_view(), name="leads_capture"),
]
