from django.urls import path

from . import views, views_staff

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
    path("espace-agent/agents/", views_staff.staff_overview, name="staff_overview"),
    path("espace-agent/guichets/<id:point_id>/agents/", views_staff.staff, name="staff"),
    path(
        "espace-agent/guichets/<id:point_id>/agents/roles/<id:role_id>/retirer/",
        views_staff.staff_role_remove,
        name="staff_role_remove",
    ),
    path(
        "espace-agent/guichets/<id:point_id>/agents/roles/<id:role_id>/changer/",
        views_staff.staff_role_change,
        name="staff_role_change",
    ),
    path(
        "espace-agent/guichets/<id:point_id>/agents/<id:user_id>/desactiver/",
        views_staff.staff_deactivate,
        name="staff_deactivate",
    ),
    path(
        "espace-agent/reseaux/<slug:slug>/responsables/",
        views_staff.network_staff,
        name="network_staff",
    ),
    path(
        "espace-agent/reseaux/<slug:slug>/responsables/<id:role_id>/retirer/",
        views_staff.network_staff_remove,
        name="network_staff_remove",
    ),
]
