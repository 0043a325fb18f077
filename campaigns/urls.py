"""Campaign pages under /campaigns/.

The detail page (/campaigns/<slug>/) and the A/B comparison are routed by crm
(crm/marketing_urls.py, names ``marketing:campaign-detail`` and ``marketing:campaign-ab``)
because they show lead and hand-off figures; use ``Campaign.get_absolute_url()``.
"""

from django.urls import path

from campaigns import spend_views, views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create_view, name="create"),
    path("export/", views.campaign_export, name="export"),
    path("<slug:slug>/edit/", views.campaign_edit, name="edit"),
    path("<slug:slug>/archive/", views.campaign_archive_view, name="archive"),
    path("<slug:slug>/restore/", views.campaign_restore_view, name="restore"),
    path("<slug:slug>/delete/", views.campaign_delete_view, name="delete"),
    path("<slug:slug>/spend/", spend_views.spend_section_view, name="spend-section"),
    path("<slug:slug>/spend/add/", spend_views.spend_add, name="spend-add"),
    path("<slug:slug>/spend/<int:pk>/edit/", spend_views.spend_edit, name="spend-edit"),
    path("<slug:slug>/spend/<int:pk>/delete/", spend_views.spend_delete, name="spend-delete"),
    path("<slug:slug>/variants/add/", views.variant_add, name="variant-add"),
    path("<slug:slug>/variants/<int:pk>/edit/", views.variant_edit, name="variant-edit"),
    path("<slug:slug>/variants/<int:pk>/delete/", views.variant_delete_view, name="variant-delete"),
]
