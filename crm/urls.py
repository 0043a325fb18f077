from django.contrib import admin
from django.urls import include, path

from crm import views

admin.site.site_header = "Tandem administration"
admin.site.site_title = "Tandem admin"
admin.site.index_title = "Marketing and sales data"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("", include("crm.marketing_urls")),
    path("leads/", include("leads.urls")),
    path("handoffs/", include("handoffs.urls")),
    path("admin/", admin.site.urls),
]
