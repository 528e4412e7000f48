from django.urls import path

from . import staff_views, views

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
    path("espace-agent/agents/", staff_views.staff_overview, name="staff_overview"),
    path("espace-agent/guichets/<id:point_id>/agents/", staff_views.staff, name="staff"),
    path(
        "espace-agent/guichets/<id:point_id>/agents/roles/<id:role_id>/retirer/",
        staff_views.staff_role_remove,
        name="staff_role_remove",
    ),
    path(
        "espace-agent/guichets/<id:point_id>/agents/roles/<id:role_id>/changer/",
        staff_views.staff_role_change,
        name="staff_role_change",
    ),
    path(
        "espace-agent/guichets/<id:point_id>/agents/<id:user_id>/desactiver/",
        staff_views.staff_deactivate,
        name="staff_deactivate",
    ),
    path(
        "espace-agent/reseaux/<slug:slug>/responsables/",
        staff_views.network_staff,
        name="network_staff",
    ),
    path(
        "espace-agent/reseaux/<slug:slug>/responsables/<id:role_id>/retirer/",
        staff_views.network_staff_remove,
        name="network_staff_remove",
    ),
]
