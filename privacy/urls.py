from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("privacy/", views.privacy_home, name="home"),
    path("privacy/leads/<int:pk>/export/", views.person_export_view, name="export"),
    path("privacy/leads/<int:pk>/erase/", views.person_erase_view, name="erase"),
]
