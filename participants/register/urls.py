from django.urls import path

from . import views

app_name = "benefit_register"
urlpatterns = [
    path("", views.snapshot_list, name="snapshots"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("snapshots/<int:pk>/", views.snapshot_detail, name="snapshot"),
    path("net-effect/", views.net_effect, name="net_effect"),
]
