from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm import password_reset, token_views, views

admin.site.site_header = "Tandem administration"
admin.site.site_title = "Tandem admin"
admin.site.index_title = "Marketing and sales data"

urlpatterns = [
    path("healthz/", views.healthz, name="healthz"),
    # The apps' routes are included by name: the kernel imports no app (README, "Architecture").
    path("", include("alignment.urls")),
    # Before Django's auth URLs: the password reset request, limited per address and per client.
    path("accounts/password_reset/", password_reset.LimitedPasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("alignment.marketing_urls")),
    path("leads/", include("leads.urls")),
    path("handoffs/", include("handoffs.urls")),
    path("api/v1/capture/", include("leads.capture_urls")),
    path("settings/webhooks/", include("integrations.urls")),
    path("api/v1/webhooks/", include("integrations.api_urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP forbids inline scripts.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("account/api-token/", token_views.api_token, name="api-token"),
    # The audit trail and a person's data (privacy/).
    path("", include("privacy.urls")),
    path("api/v1/privacy/", include("privacy.api_urls")),
    path("account/alerts/", include("handoffs.account_urls")),
    # Last among the api/v1/ paths: the capture and report endpoints are more specific.
    path("api/v1/", include("alignment.api_router")),
]

# An unhandled error under /api/ answers JSON like every other API answer (SECURITY.md, "Edges").
handler500 = "crm.views.server_error"
