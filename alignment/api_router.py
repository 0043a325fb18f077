"""The REST API's routes under /api/v1/ (included from crm/urls.py after the more specific ones)."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import DefaultRouter

from campaigns.api import CampaignViewSet, SpendViewSet, VariantViewSet
from handoffs.api import HandoffViewSet
from leads.api import ActivityViewSet, CaptureFormViewSet, LeadViewSet

router = DefaultRouter()
router.register("leads", LeadViewSet, basename="lead")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("handoffs", HandoffViewSet, basename="handoff")
router.register("forms", CaptureFormViewSet, basename="captureform")


@csrf_exempt  # it only answers 404: a CSRF refusal here would be an HTML page
def not_found(request, *args, **kwargs):
    """Answer an unknown API path in JSON, as every other API error, not with the HTML 404 page."""
    detail = "Not found."
    if not request.path.endswith("/"):
        detail += " API paths end with a slash."
    return JsonResponse({"detail": detail}, status=404)


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
    # Last: anything else under /api/v1/ (a slug or id that cannot match) is a JSON 404.
    re_path(r"^[\s\S]*$", not_found),  # [\s\S], not `.`: a path with an encoded newline is still the API's
]
