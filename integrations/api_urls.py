"""/api/v1/webhooks/, included by crm/urls.py ahead of the API router (which lives in a lower app)."""

from rest_framework.routers import SimpleRouter

from integrations.api import EndpointViewSet

router = SimpleRouter()
router.register("", EndpointViewSet, basename="webhook")

urlpatterns = router.urls
