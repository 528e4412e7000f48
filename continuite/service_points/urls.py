from django.urls import path

from . import views

app_name = "service_points"
urlpatterns = [
    path("", views.search, name="search"),
    path("guichets/<id:point_id>/", views.detail, name="detail"),
    path("espace-agent/", views.manage_list, name="manage_list"),
    path("espace-agent/guichets/<id:point_id>/", views.manage_status, name="manage_status"),
    path(
        "espace-agent/guichets/<id:point_id>/exceptions/",
        views.manage_exception,
        name="manage_exception",
    ),
    path(
        "espace-agent/guichets/<id:point_id>/presences/", views.manage_presences, name="presences"
    ),
    path(
        "espace-agent/guichets/<id:point_id>/presences/<id:presence_id>/retirer/",
        views.remove_presence,
        name="presence_remove",
    ),
]
