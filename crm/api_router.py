"""The REST API's routes under /api/v1/ (included from crm/urls.py after the more specific ones)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from campaigns.api import CampaignViewSet, SpendViewSet, VariantViewSet
from handoffs.api import HandoffViewSet
from leads.api import ActivityViewSet, CaptureFormViewSet, LeadViewSet

router = DefaultRouter()
router.register("leads", LeadViewSet, basename="lead")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("handoffs", HandoffViewSet, basename="handoff")
router.register("forms", CaptureFormViewSet, basename="captureform")

LIST = {"get": "list", "post": "create"}
DETAIL = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("leads/<int:lead_pk>/activities/", ActivityViewSet.as_view(LIST), name="lead-activities"),
    path("campaigns/<slug:campaign_slug>/variants/", VariantViewSet.as_view(LIST), name="campaign-variant-list"),
    path(
        "campaigns/<slug:campaign_slug>/variants/<int:pk>/",
        VariantViewSet.as_view(DETAIL),
        name="campaign-variant-detail",
    ),
    path("campaigns/<slug:campaign_slug>/spend/", SpendViewSet.as_view(LIST), name="campaign-spend-list"),
    path("campaigns/<slug:campaign_slug>/spend/<int:pk>/", SpendViewSet.as_view(DETAIL), name="campaign-spend-detail"),
    *router.urls,
]
