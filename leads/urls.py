from django.urls import path

from leads import views, views_marketing

app_name = "leads"

urlpatterns = [
    # Marketing setup: capture forms, CSV import, ICP and scoring (leads/views_marketing.py).
    path("forms/", views_marketing.capture_form_list, name="capture_form_list"),
    path("forms/new/", views_marketing.capture_form_create, name="capture_form_create"),
    path("forms/<int:pk>/", views_marketing.capture_form_detail, name="capture_form_detail"),
    path("forms/<int:pk>/edit/", views_marketing.capture_form_edit, name="capture_form_edit"),
    path("forms/<int:pk>/toggle/", views_marketing.capture_form_toggle, name="capture_form_toggle"),
    path("import/", views_marketing.import_upload, name="import_upload"),
    path("import/<int:pk>/", views_marketing.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views_marketing.import_progress, name="import_progress"),
    path("import/<int:pk>/errors.csv", views_marketing.import_errors, name="import_errors"),
    path("scoring/", views_marketing.scoring_overview, name="scoring"),
    path("scoring/profile/", views_marketing.scoring_icp_edit, name="scoring_icp"),
    path("scoring/rules/new/", views_marketing.scoring_rule_create, name="scoring_rule_create"),
    path("scoring/rules/<int:pk>/edit/", views_marketing.scoring_rule_edit, name="scoring_rule_edit"),
    path("scoring/rules/<int:pk>/delete/", views_marketing.scoring_rule_delete, name="scoring_rule_delete"),
    path("scoring/rules/<int:pk>/toggle/", views_marketing.scoring_rule_toggle, name="scoring_rule_toggle"),
    # Lead pages: list, export, create, detail and its forms, edit, merge, the day's tasks.
    path("", views.lead_list, name="list"),
    path("export.csv", views.lead_export, name="export"),
    path("new/", views.lead_create, name="create"),
    path("today/", views.today, name="today"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/edit/", views.lead_edit, name="edit"),
    path("<int:pk>/move/", views.lead_move, name="move"),
    path("<int:pk>/activities/", views.lead_log_activity, name="log_activity"),
    path("<int:pk>/tasks/", views.lead_add_task, name="add_task"),
    path("<int:pk>/merge/", views.lead_merge, name="merge"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
]
