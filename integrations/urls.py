from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("new/", views.endpoint_create, name="endpoint_create"),
    path("<int:pk>/", views.endpoint_detail, name="endpoint_detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="endpoint_edit"),
    path("<int:pk>/rotate-secret/", views.endpoint_rotate, name="endpoint_rotate"),
    path("<int:pk>/delete/", views.endpoint_delete, name="endpoint_delete"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="delivery_resend"),
]
