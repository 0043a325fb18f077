"""The user's own alert settings, mounted at /account/alerts/ by crm/urls.py."""

from django.urls import path

from handoffs import account_views

urlpatterns = [
    path("", account_views.alert_settings, name="alert-settings"),
]
