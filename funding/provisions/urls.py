from django.urls import path

from . import views

app_name = "provisions"

urlpatterns = [
    path("participant/<int:pk>/", views.participant_provisions, name="participant"),
    path("<int:pk>/edit/", views.provision_edit, name="edit"),
    path("srg/", views.delivery_list, name="deliveries"),
    path("srg/build/", views.delivery_build, name="delivery_build"),
    path("srg/<int:pk>/", views.delivery_detail, name="delivery"),
    path("srg/<int:pk>/status/", views.delivery_status, name="delivery_status"),
    path("srg/<int:pk>/download/", views.delivery_download, name="delivery_download"),
]
