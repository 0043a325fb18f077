from django.urls import path

from handoffs import views

app_name = "handoffs"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("updates/", views.inbox_updates, name="inbox_updates"),
    path("export.csv", views.export_csv, name="export"),
    path("new/", views.create, name="create"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("reps/", views.reps, name="reps"),
    path("reps/<int:user_id>/", views.rep_update, name="rep_update"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/<int:lead_pk>/move/", views.pipeline_move, name="pipeline_move"),
]
