from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
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
