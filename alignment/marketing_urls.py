"""Routes of the marketers' cross-app pages (crm/marketing_views.py), mounted at the root.

``/campaigns/<slug>/`` sits beside the campaigns app's own ``/campaigns/…`` routes, which
crm/urls.py tries first; the campaigns app reserves the slugs its fixed paths use.
"""

from django.urls import path

from alignment import marketing_views

app_name = "marketing"

urlpatterns = [
    path("campaigns/<slug:slug>/", marketing_views.campaign_detail, name="campaign-detail"),
    path("campaigns/<slug:slug>/ab/", marketing_views.campaign_ab, name="campaign-ab"),
    path("feedback/", marketing_views.feedback, name="feedback"),
]
