"""Routes of the weekly numbers' pages, mounted at the root by crm/urls.py."""

from django.urls import path

from alignment import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/campaigns.csv", views.campaigns_csv, name="dashboard-campaigns-csv"),
    path("team/", views.team_settings, name="team-settings"),
    path("digests/", views.digest_list, name="digest-list"),
    path("digests/<int:pk>/", views.digest_detail, name="digest-detail"),
    path("digests/<int:pk>/resend/", views.digest_resend, name="digest-resend"),
    path("digests/preview/", views.digest_preview, name="digest-preview"),
    path("api/v1/reports/weekly/", api.WeeklyReportView.as_view(), name="api-weekly-report"),
]
