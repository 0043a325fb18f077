from django.urls import path

from privacy.api import PersonEraseView, PersonExportView

urlpatterns = [
    path("leads/<int:id>/export/", PersonExportView.as_view(), name="privacy-lead-export"),
    path("leads/<int:id>/erase/", PersonEraseView.as_view(), name="privacy-lead-erase"),
]
